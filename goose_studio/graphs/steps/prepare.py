"""PREPARE: question/answer pairs from the indexed code, split into train and held-out sets."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ...options import RunOptions
from ...tools.registry import ToolContext, call_tool
from ...workspace import RunPaths
from ..state import RunState
from ...presets import preset
from ...tools.pairs import GeneratePairsArgs
from .build import exploration_report


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    src = state["source"]
    epochs = opts.epochs or preset(opts.preset).values().get("num_train_epochs", 1.0)
    explored = exploration_report(state["build"])  # BUILD's look at the running app: UI/UX pairs
    extra = {"exploration_report": explored} if explored and "exploration_report" in GeneratePairsArgs.model_fields \
        else {}
    return call_tool("generate_pairs", GeneratePairsArgs(
        repo_path=src.repo_path, index_path=state["build"].index.index_path, out_dir=str(paths.dataset_dir),
        repo_name=src.name, seed=opts.seed, min_pairs=opts.min_pairs, max_pairs=max(opts.max_pairs, opts.min_pairs),
        epochs=epochs, **extra), ctx)


def summary(result: Any) -> dict[str, Any]:
    stats = result.stats
    return {"pairs": result.train_pairs + result.eval_pairs, "train": result.train_pairs,
            "held_out": result.eval_pairs, "quality": stats.quality_score, "per_category": stats.per_category,
            "avg_tokens": stats.avg_tokens, "est_train_minutes": stats.est_train_minutes}
