"""Does retrieval find what people ask about, and do embeddings help? On the hand-written questions about
the bundled example repository (``benchmarks/data/minitask_knowledge.jsonl``, each naming the file and lines
its answer comes from):

* hit rate: the share of questions whose source file is among the top-k passages, for BM25 alone and for
  BM25 fused with all-MiniLM-L6-v2 embeddings;
* the base model's multiple-choice accuracy (lowest mean per-token loss) closed-book, and with k passages
  of each index before the question (the layout chat and the knowledge probe use);
* index build and search times.

Usage: .venv/bin/python benchmarks/retrieval_quality.py --model MODEL_DIR [--template smollm2] [--k 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from goose_studio.evals.probe import pick
    from goose_studio.evals.scorer import Scorer
    from goose_studio.examples import example_path
    from goose_studio.retrieval import RetrievalIndex, build_passages, with_passages
    from goose_studio.tools.code_index import IndexCodeArgs
    from goose_studio.tools.index_models import load_index
    from goose_studio.tools.registry import ToolContext, call_tool
    from goose_studio.workspace import Workspace

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="a local base model folder (e.g. the embedded model's)")
    ap.add_argument("--template", default="smollm2")
    ap.add_argument("--questions", type=Path, default=ROOT / "benchmarks" / "data" / "minitask_knowledge.jsonl")
    ap.add_argument("--repo", type=Path, default=None, help="the repository (default: the bundled example)")
    ap.add_argument("--k", type=int, default=2)
    args = ap.parse_args()
    import shutil

    work = Path(tempfile.mkdtemp(prefix="gs-retrieval-"))
    repo = work / "repo"
    shutil.copytree(args.repo or example_path(), repo, ignore=shutil.ignore_patterns("__pycache__"))
    call_tool("index_code", IndexCodeArgs(repo_path=str(repo)), ToolContext(workspace=Workspace(work / "home")))
    questions = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    passages, counts = build_passages(repo, load_index(repo))
    indexes = {}
    for name, dense in (("bm25", False), ("hybrid", True)):
        start = time.monotonic()
        indexes[name] = RetrievalIndex.build(passages, counts, embeddings=dense)
        indexes[name].search("warm up")
        print(f"{name}: {len(passages)} passages indexed in {time.monotonic() - start:.2f} s")
    report: dict = {"questions": len(questions), "k": args.k, "passages": len(passages)}
    hits: dict[str, list] = {}
    for name, index in indexes.items():
        start = time.monotonic()
        hits[name] = [index.search(q["question"], args.k) for q in questions]
        took = (time.monotonic() - start) / len(questions)
        found = sum(any(h.path == q["source"].split(":")[0] for h in got) for q, got in zip(questions, hits[name]))
        report[f"{name}_hit_rate"] = round(found / len(questions), 3)
        report[f"{name}_search_ms"] = round(1000 * took, 2)
    scorer = Scorer(args.model, None, args.template, cutoff_len=2048)
    scorer.use_fast_dtype()
    prompts = {"closed": [q["question"] for q in questions],
               **{name: [with_passages(q["question"], h) for q, h in zip(questions, hits[name])] for name in hits}}
    for mode, texts in prompts.items():
        right = sum(pick(scorer.choice_losses, scorer.encode, t, [q["answer"], *q["wrong"]])[0] == 0
                    for t, q in zip(texts, questions))
        report[f"base_{mode}_correct"] = right
    print(json.dumps(report, indent=2))
    print(f"retrieval: source file in top-{args.k}: BM25 {report['bm25_hit_rate']:.0%}, hybrid "
          f"{report['hybrid_hit_rate']:.0%}; base model right: closed-book {report['base_closed_correct']}, "
          f"BM25 {report['base_bm25_correct']}, hybrid {report['base_hybrid_correct']} of {len(questions)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
