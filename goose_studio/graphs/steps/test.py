"""TEST: the core's retrieval index is built (``index_retrieval``), the base model and the core are compared
(``evaluate``), a configured brain judges the answers (:mod:`goose_studio.agents.judge`), and a core below
the quality bar is diagnosed (:mod:`goose_studio.evals.diagnose`).

The bar (:func:`verdict`): the core must beat its base model on held-out perplexity, must not lose general
knowledge beyond the regression margin, and must score at least ``min_quality`` (70 by default; runs of a
proof preset such as ``smoke`` are held to the first two only). A core below it fails with ``low_quality``
and its main issue, which the TEST rules in ``agents/rules`` fix and retrain for at most
:data:`MAX_FIX_ROUNDS` rounds before the Guide offers: auto-fix and retrain, manual adjustments, accept anyway.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ...errors import FailureKind, ToolFailure
from ...evals.diagnose import cut_share, diagnose, generic_share, repository_names
from ...options import RunOptions
from ...presets import preset
from ...retrieval import RETRIEVAL_DIR
from ...tools.evaluate import EvaluateArgs, IndexRetrievalArgs, quality_of, read_rows, write_results
from ...tools.index_models import load_index
from ...tools.registry import ToolContext, call_tool
from ...workspace import RunPaths
from ..state import EvalStep, RunState

QUALITY_BAR = 70
PROOF_PRESETS = frozenset({"smoke"})  # a handful of steps to prove the path end to end
MAX_FIX_ROUNDS = 2


def min_quality(opts: RunOptions) -> int:
    """The score a core must reach: the run's ``min_quality``, else 70 (0 for a proof preset)."""
    if opts.min_quality is not None:
        return opts.min_quality
    return 0 if opts.preset in PROOF_PRESETS else QUALITY_BAR


def fix_rounds(state: RunState) -> int:
    """Auto-fix rounds already taken for a low score (repairs of TEST's low_quality since the last answer)."""
    return sum(1 for h in state.get("history") or [] if h.tab == "test" and h.kind == "low_quality"
               and h.agent == "repair")


def _retrieval(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> str | None:
    index_path = Path(state["build"].index.index_path) if state.get("build") else None
    if not opts.retrieval or index_path is None or not index_path.is_file():
        return None
    src = state["source"]
    built = call_tool("index_retrieval", IndexRetrievalArgs(
        repo_path=src.repo_path, index_path=str(index_path), out_dir=str(paths.run_dir / RETRIEVAL_DIR),
        embeddings=opts.retrieval_embeddings, source=src.source, commit=src.commit or ""), ctx)
    return built.retrieval_dir


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    tr, done, data = state["train"], state.get("test"), state["prepare"]
    adapter_dir = tr.trained.adapter_dir
    if opts.accept_low_quality and done is not None and done.adapter_dir == adapter_dir:
        return done.model_copy(update={"accepted_low_quality": True})  # already evaluated; now accepted as it is
    retrieval_dir = _retrieval(state, opts, ctx, paths)
    index_path = state["build"].index.index_path if state.get("build") else None
    cutoff = opts.cutoff_len or preset(opts.preset).values().get("cutoff_len", 512)
    scores = call_tool("evaluate", EvaluateArgs(
        model_path=tr.model.model_path, adapter_dir=adapter_dir, eval_file=data.eval_file, train_file=data.train_file,
        index_path=index_path, retrieval_dir=retrieval_dir, repo_name=state["source"].name,
        template=tr.model.template, out_path=str(paths.eval_results), max_ppl_samples=opts.eval_ppl_samples,
        max_generate_samples=opts.eval_generate_samples, max_new_tokens=opts.eval_max_new_tokens,
        cutoff_len=cutoff, probe_questions=opts.eval_probe_questions, general_questions=opts.eval_general_questions,
        regression_margin=opts.regression_margin, run_harness=opts.eval_harness, seed=opts.seed), ctx)
    scores, judged = _judge(scores, state["source"].name)
    train_rows = read_rows(Path(data.train_file)) if Path(data.train_file).is_file() else []
    code_index = load_index(index_path) if index_path and Path(index_path).is_file() else None
    issues = diagnose(base_ppl=scores.base.perplexity, core_ppl=scores.lora.perplexity,
                      final_loss=tr.trained.final_loss, runaway=scores.lora.runaway, form_match=scores.lora.form_match,
                      generic=generic_share(train_rows, repository_names(code_index, state["source"].name)),
                      cut=cut_share(train_rows, cutoff))
    return EvalStep(scores=scores, adapter_dir=adapter_dir, retrieval_dir=retrieval_dir, judge=judged,
                    issues=issues, fix_round=fix_rounds(state), min_quality=min_quality(opts))


def _judge(scores: Any, repo: str) -> tuple[Any, Any]:
    """The scores with the judge's part in the quality score, when a brain judged the answers."""
    import json

    from ...agents.brain import brain_from_env
    from ...agents.judge import judge_answers

    path = Path(scores.results_path)
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return scores, None
    judged = judge_answers(brain_from_env(), repo, saved.get("samples") or [])
    if judged is None:
        return scores, None
    report = quality_of(scores.base, scores.lora, scores.probe, scores.general, judge=judged.core,
                        base_judge=judged.base)
    scores = scores.model_copy(update={"quality": report, "quality_score": report.overall})
    write_results(path, scores, saved.get("samples") or [], saved.get("probe_samples") or [],
                  saved.get("max_new_tokens") or 0, judge=judged.model_dump())
    return scores, judged


def verdict(result: Any, opts: RunOptions) -> ToolFailure | None:
    """The low-quality failure of a core below the bar (and not accepted as it is), with its main issue."""
    scores = result.scores
    if result.accepted_low_quality or opts.accept_low_quality:
        return None
    regressed = scores.general is not None and scores.general.regressed
    low = scores.quality_score < result.min_quality
    if scores.improved and not regressed and not low:
        return None
    issues = [i.name for i in result.issues] or ["underfitting"]
    why = (f"its perplexity is {scores.lora.perplexity:.2f} against the base's {scores.base.perplexity:.2f}"
           if not scores.improved else "it lost general knowledge" if regressed
           else f"it scores {scores.quality_score}/100, below the bar of {result.min_quality}")
    return ToolFailure(
        FailureKind.low_quality, f"The core is not good enough yet: {why}.",
        hint="Let the studio fix and retrain it, adjust the settings yourself, or accept the core as it is.",
        details={"score": scores.quality_score, "min_quality": result.min_quality, "issue": issues[0],
                 "issues": issues, "evidence": [i.evidence for i in result.issues],
                 "rounds_left": max(0, MAX_FIX_ROUNDS - result.fix_round), "regressed": regressed,
                 "base_perplexity": scores.base.perplexity, "lora_perplexity": scores.lora.perplexity})


def summary(result: Any) -> dict[str, Any]:
    scores = result.scores
    quality = scores.quality
    probe = scores.probe
    return {"score": scores.quality_score, "passed": verdict(result, RunOptions(source="-")) is None,
            "vs_base": quality.vs_base if quality else None, "grade": quality.grade if quality else None,
            "parts": {p.name: p.score for p in quality.parts} if quality else {},
            "base_perplexity": scores.base.perplexity, "lora_perplexity": scores.lora.perplexity,
            "semantic_similarity": scores.lora.semantic_similarity,
            "probe": probe.model_dump(exclude={"per_kind"}) if probe else None,
            "general": scores.general.model_dump() if scores.general else None,
            "issues": [i.name for i in result.issues], "retrieval": result.retrieval_dir is not None,
            "judge": result.judge.core if result.judge else None, "timings": scores.timings}
