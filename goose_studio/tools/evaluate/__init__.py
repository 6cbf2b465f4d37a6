"""TEST tab: the ``evaluate`` tool (base model vs core, every metric, the quality score) and the
``index_retrieval`` tool (the core's retrieval index).

Modules: :mod:`.inputs` (the pairs, the general questions), :mod:`.run` (the measurements on one loaded
model), :mod:`.harness` (lm-eval task files and runs), :mod:`.tool` (the two tools, eval_results.json).
Importing this package registers both tools.
"""

from ...evals.metrics import ModelScores, quality_score
from .harness import HarnessReport, TaskStatus
from .inputs import general_questions, load_pairs, read_rows
from .run import GeneralScores, ProbeScores
from .tool import (EvaluateArgs, EvaluateResult, IndexRetrievalArgs, IndexRetrievalResult, evaluate, index_retrieval,
                   quality_of, write_results)

__all__ = ["EvaluateArgs", "EvaluateResult", "GeneralScores", "HarnessReport", "IndexRetrievalArgs",
           "IndexRetrievalResult", "ModelScores", "ProbeScores", "TaskStatus", "evaluate", "general_questions",
           "index_retrieval", "load_pairs", "quality_of", "quality_score", "read_rows", "write_results"]
