"""TEST: the base model and the core compared on the held-out pairs; a core that does not beat its base
fails the tab (:func:`verdict`) unless the run accepts it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ...options import RunOptions
from ...tools.registry import ToolContext, call_tool
from ...workspace import RunPaths
from ..state import RunState
from ...errors import FailureKind, ToolFailure
from ...tools.evaluate import EvaluateArgs
from ..state import EvalStep


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    tr, done = state["train"], state.get("test")
    adapter_dir = tr.trained.adapter_dir
    if opts.accept_low_quality and done is not None and done.adapter_dir == adapter_dir:
        return done.model_copy(update={"accepted_low_quality": True})  # already evaluated; now accepted as it is
    scores = call_tool("evaluate", EvaluateArgs(
        model_path=tr.model.model_path, adapter_dir=adapter_dir, eval_file=state["prepare"].eval_file,
        template=tr.model.template, out_path=str(paths.eval_results), max_ppl_samples=opts.eval_ppl_samples,
        max_generate_samples=opts.eval_generate_samples, max_new_tokens=opts.eval_max_new_tokens), ctx)
    return EvalStep(scores=scores, adapter_dir=adapter_dir)


def verdict(result: Any, opts: RunOptions) -> ToolFailure | None:
    """The low-quality failure of a core that does not beat its base model (and is not accepted as it is)."""
    scores = result.scores
    if result.accepted_low_quality or scores.improved or opts.accept_low_quality:
        return None
    return ToolFailure(
        FailureKind.low_quality,
        f"The core does not beat its base model on the held-out pairs yet: perplexity "
        f"{scores.lora.perplexity:.2f} (LoRA) vs {scores.base.perplexity:.2f} (base), score {scores.quality_score}.",
        hint="Train longer or on more data, or accept the core as it is.",
        details={"score": scores.quality_score, "issues": ["underfitting"],
                 "base_perplexity": scores.base.perplexity, "lora_perplexity": scores.lora.perplexity})


def summary(result: Any) -> dict[str, Any]:
    scores = result.scores
    return {"score": scores.quality_score, "passed": scores.improved,
            "base_perplexity": scores.base.perplexity, "lora_perplexity": scores.lora.perplexity}
