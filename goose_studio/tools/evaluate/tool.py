"""TEST's tools: ``evaluate`` (base model vs core) and ``index_retrieval`` (the core's retrieval index).

``evaluate`` loads the base model once with the adapter on it and switches the adapter off in place for the
base numbers. It measures, on the held-out pairs, the perplexity of the reference answers (prompt tokens
masked, prompts built with LLaMA-Factory's own template and cut as training cut them) and, of greedy
batched generations, ROUGE-L (``rouge-score``), BLEU (``sacrebleu``), semantic similarity (all-MiniLM-L6-v2)
and the answers' form; the knowledge probe (:mod:`goose_studio.evals.probe`) closed-book and with retrieval;
the general questions of the regression check; and sums it all up in the quality score
(:mod:`goose_studio.evals.quality`). It writes lm-eval task files for the run (and runs the harness when
asked) and ``eval_results.json``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ...errors import FailureKind, ToolFailure
from ...evals.metrics import ModelScores, scores
from ...evals.probe import build_probe
from ...evals.quality import QualityReport, overall
from ...evals.scorer import Scorer
from ...retrieval import DEFAULT_K, RetrievalIndex, build_index_folder
from ...workspace import write_json
from ..index_models import load_index
from ..registry import ToolContext, tool
from . import run as measure
from .harness import HarnessReport, harness
from .inputs import general_questions, load_pairs, optional_rows, read_rows
from .run import GeneralScores, ProbeScores, Timer

SCORER_CUTOFF = 2048  # the context the probe's passages may use


class EvaluateArgs(BaseModel):
    model_path: str = Field(description="Local base model folder.")
    adapter_dir: str = Field(description="Folder with adapter_model.safetensors and adapter_config.json.")
    eval_file: str = Field(description="Held-out pairs, alpaca JSONL (instruction/input/output).")
    template: str = Field(description="LLaMA-Factory chat template used in training.")
    out_path: str = Field(description="Where eval_results.json is written.")
    max_ppl_samples: int = Field(64, ge=1)
    max_generate_samples: int = Field(12, ge=0)
    max_new_tokens: int = Field(64, ge=1, le=2048)
    cutoff_len: int = Field(512, ge=16)
    train_file: str | None = Field(None, description="The training pairs (wrong answers for the probe).")
    index_path: str | None = Field(None, description="The code index (probe questions about held-out files).")
    retrieval_dir: str | None = Field(None, description="The core's retrieval index (the probe with retrieval).")
    repo_name: str = Field("this", description="The repository's name, as questions name it.")
    probe_questions: int = Field(24, ge=0, le=500, description="Knowledge probe questions (0: no probe).")
    retrieval_k: int = Field(DEFAULT_K, ge=0, le=8, description="Passages put before a probe question.")
    general_questions: int = Field(32, ge=0, le=500, description="Regression-check questions (0: none).")
    regression_margin: float = Field(0.10, ge=0, le=1, description="Largest accuracy drop on general questions.")
    harness_dir: str | None = Field(None, description="Where the lm-eval task files go (default: beside out_path).")
    run_harness: bool = Field(False, description="Also run lm-eval on the task files (slow on a CPU).")
    harness_limit: int | None = Field(None, ge=1, description="lm-eval --limit per task.")
    seed: int = 0


class EvaluateResult(BaseModel):
    results_path: str
    base: ModelScores
    lora: ModelScores
    n_perplexity: int
    n_generate: int
    improved: bool
    quality_score: int
    duration_s: float
    quality: QualityReport | None = None
    probe: ProbeScores | None = None
    general: GeneralScores | None = None
    harness: HarnessReport | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    precision: dict[str, str] = Field(default_factory=dict, description="The dtype each measurement ran in.")


def _open_scorer(args: EvaluateArgs) -> Scorer:
    for name in ("adapter_model.safetensors", "adapter_config.json"):
        if not (Path(args.adapter_dir) / name).is_file():
            raise ToolFailure(FailureKind.not_found, f"No {name} in {args.adapter_dir}.", hint="Run train first.")
    try:
        return Scorer(args.model_path, args.adapter_dir, args.template, max(SCORER_CUTOFF, args.cutoff_len))
    except ImportError as exc:
        raise ToolFailure(FailureKind.missing_dependency, f"A package evaluation needs is missing: {exc}.",
                          hint="Run `bash scripts/setup.sh`.") from None
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"The adapter does not load onto {args.model_path}: "
                          f"{type(exc).__name__}: {str(exc)[:300]}", hint="Train the adapter again.") from None


def _retrieval(path: str | None) -> RetrievalIndex | None:
    if not path or not Path(path).is_dir():
        return None
    return RetrievalIndex.load(Path(path))


@tool("evaluate", tab="test", primary=True, idempotent=True)
def evaluate(args: EvaluateArgs, ctx: ToolContext) -> EvaluateResult:
    """Compare the base model and the LoRA: held-out perplexity, ROUGE-L, BLEU and semantic similarity, a
    knowledge probe (closed-book and with retrieval), a regression check, and the overall quality score."""
    start, timer = time.monotonic(), Timer()
    rows = read_rows(Path(args.eval_file))
    pairs = load_pairs(Path(args.eval_file))
    index = _retrieval(args.retrieval_dir)
    code_index = load_index(args.index_path) if args.index_path and Path(args.index_path).exists() else None
    questions = build_probe(rows, optional_rows(args.train_file), code_index, args.repo_name, args.probe_questions,
                            args.seed) if args.probe_questions else []
    general_set = general_questions(args.general_questions)
    scorer = _open_scorer(args)
    timer.lap("load")

    ppl_pairs, gen_pairs = pairs[: args.max_ppl_samples], pairs[: args.max_generate_samples]
    totals = measure.perplexity_sums(scorer, ppl_pairs, args.cutoff_len)
    ctx.progress(stage="perplexity", done=len(ppl_pairs), total=len(ppl_pairs))
    precision = {"perplexity": "float32", "generation_and_choices": scorer.use_fast_dtype()}
    timer.lap("perplexity")
    answers = measure.generations(scorer, gen_pairs, args.max_new_tokens)
    ctx.progress(stage="generation", done=len(gen_pairs), total=len(gen_pairs))
    timer.lap("generation")
    probe_scores, probe_samples = (measure.probe(scorer, questions, index, args.retrieval_k, ctx.progress)
                                   if questions else (None, []))
    timer.lap("probe")
    general = measure.general(scorer, general_set, args.regression_margin)
    timer.lap("general")

    refs = [p["answer"] for p in gen_pairs]
    hyps = {name: [a[0] for a in answers[name]] for name in answers}
    short = [len(scorer.tokenizer(r, add_special_tokens=False)["input_ids"]) < 0.8 * args.max_new_tokens for r in refs]
    base = scores(*totals["base"], hyps["base"], refs, [a[2] for a in answers["base"]], short_refs=short)
    lora = scores(*totals["lora"], hyps["lora"], refs, [a[2] for a in answers["lora"]], short_refs=short)
    timer.lap("metrics")
    report = quality_of(base, lora, probe_scores, general)
    tasks = harness(Path(args.harness_dir or Path(args.out_path).with_name("lm_eval")), args.repo_name, pairs,
                    questions, general_set, args.max_new_tokens, run_it=args.run_harness,
                    model_path=args.model_path, adapter_dir=args.adapter_dir, limit=args.harness_limit)
    timer.lap("harness")
    duration = round(time.monotonic() - start, 2)
    result = EvaluateResult(results_path=args.out_path, base=base, lora=lora, n_perplexity=len(ppl_pairs),
                            n_generate=len(gen_pairs), improved=lora.perplexity < base.perplexity,
                            quality_score=report.overall, duration_s=duration, quality=report, probe=probe_scores,
                            general=general, harness=tasks, timings=timer.stages,
                            precision=precision)
    samples = [{"prompt": p["prompt"], "reference": p["answer"], "base": b, "lora": c}
               for p, b, c in zip(gen_pairs, hyps["base"], hyps["lora"])]
    write_results(Path(args.out_path), result, samples, probe_samples, args.max_new_tokens)
    return result


def quality_of(base: ModelScores, lora: ModelScores, probe: ProbeScores | None, general: GeneralScores | None,
               judge: int | None = None, base_judge: int | None = None) -> QualityReport:
    """The quality report of one evaluation (the core with retrieval when the probe had it)."""
    core_acc = base_acc = None
    source = "knowledge probe"
    if probe is not None:
        core_acc = probe.core_retrieval if probe.core_retrieval is not None else probe.core_closed
        base_acc = probe.base_closed
        source += " (core with retrieval, base closed-book)" if probe.core_retrieval is not None else " (closed-book)"
    return overall(base=base, core=lora, base_accuracy=base_acc, core_accuracy=core_acc,
                   base_general=general.base if general else None, core_general=general.core if general else None,
                   judge=judge, base_judge=base_judge, accuracy_source=source)


def write_results(path: Path, result: EvaluateResult, samples: list[dict[str, Any]],
                  probe_samples: list[dict[str, Any]], max_new_tokens: int, **extra: Any) -> None:
    """``eval_results.json``: every number of ``result``, the samples, and what each metric means."""
    base, lora = result.base, result.lora

    def delta(a: float | None, b: float | None, digits: int) -> float | None:
        return None if a is None or b is None else round(a - b, digits)

    write_json(path, {
        **result.model_dump(mode="json", exclude={"results_path"}),
        "delta": {"perplexity": round(lora.perplexity - base.perplexity, 4),
                  "rouge_l": delta(lora.rouge_l, base.rouge_l or 0.0, 4), "bleu": delta(lora.bleu, base.bleu or 0.0, 3),
                  "semantic_similarity": delta(lora.semantic_similarity, base.semantic_similarity, 4)},
        "max_new_tokens": max_new_tokens, "samples": samples, "probe_samples": probe_samples,
        "metrics": {"perplexity": "exp(mean NLL of reference answer tokens)", "rouge_l": "rouge-score rougeL F1, mean",
                    "bleu": "sacrebleu corpus BLEU",
                    "semantic_similarity": "mean cosine of all-MiniLM-L6-v2 embeddings, answer vs reference",
                    "probe": "multiple-choice accuracy, pick = lowest mean per-token loss of the choice",
                    "quality": "goose_studio.evals.quality (parts and weights)"},
        **extra,
    })


class IndexRetrievalArgs(BaseModel):
    repo_path: str = Field(description="The repository the code index describes.")
    index_path: str = Field(description="The code index (.studio-index.json).")
    out_dir: str = Field(description="The folder the retrieval index is written to.")
    embeddings: bool = Field(False, description="Also store sentence embeddings (hybrid search).")
    source: str = ""
    commit: str = ""


class IndexRetrievalResult(BaseModel):
    retrieval_dir: str
    passages: int
    counts: dict[str, int]
    embeddings: bool
    duration_s: float


@tool("index_retrieval", tab="test", idempotent=True)
def index_retrieval(args: IndexRetrievalArgs, ctx: ToolContext) -> IndexRetrievalResult:
    """Build the core's retrieval index: its code cut by symbol and its documents by section, BM25-indexed."""
    started = time.monotonic()
    repo = Path(args.repo_path)
    if not repo.is_dir():
        raise ToolFailure(FailureKind.not_found, f"There is no repository folder at {repo}.",
                          hint="Run the SOURCE step again.", details={"repo_path": str(repo)})
    built = build_index_folder(repo, Path(args.index_path), Path(args.out_dir), embeddings=args.embeddings,
                               source={"source": args.source, "commit": args.commit})
    ctx.progress(stage="retrieval index", passages=built.info.passages)
    return IndexRetrievalResult(retrieval_dir=args.out_dir, passages=built.info.passages, counts=built.info.counts,
                                embeddings=built.vectors is not None, duration_s=round(time.monotonic() - started, 3))
