"""TEST: base model vs base + LoRA on the held-out pairs.

Perplexity of the reference answers (prompt tokens masked, prompts built with LLaMA-Factory's own chat
template so they match training exactly), plus ROUGE-L (``rouge-score``) and BLEU (``sacrebleu``) of greedy
generations against the references. One model is loaded; the base numbers come from the same weights
with the adapter switched off.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..errors import FailureKind, ToolFailure
from ..evals.metrics import ModelScores, quality_score, scores
from ..evals.scorer import Scorer
from ..workspace import write_json
from .registry import ToolContext, tool


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


class EvaluateResult(BaseModel):
    results_path: str
    base: ModelScores
    lora: ModelScores
    n_perplexity: int
    n_generate: int
    improved: bool
    quality_score: int
    duration_s: float


def load_pairs(path: Path) -> list[dict[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ToolFailure(FailureKind.not_found, f"Cannot read the held-out pairs at {path}: {exc.strerror}.",
                          hint="Run generate_pairs first.") from None
    pairs = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            pairs.append({"prompt": (row["instruction"] + ("\n" + row["input"] if row.get("input") else "")),
                          "answer": row["output"]})
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ToolFailure(FailureKind.corrupted, f"Line {n} of {path} is not an alpaca pair.",
                              hint="Regenerate the dataset with generate_pairs.") from None
    if not pairs:
        raise ToolFailure(FailureKind.insufficient_data, f"{path} holds no held-out pairs.",
                          hint="Generate more pairs (more source files) so that a held-out split exists.")
    return pairs


@tool("evaluate", tab="test", primary=True, idempotent=True)
def evaluate(args: EvaluateArgs, ctx: ToolContext) -> EvaluateResult:
    """Compare the base model and the LoRA on held-out pairs: perplexity, ROUGE-L and BLEU."""
    start = time.monotonic()
    pairs = load_pairs(Path(args.eval_file))
    for name in ("adapter_model.safetensors", "adapter_config.json"):
        if not (Path(args.adapter_dir) / name).is_file():
            raise ToolFailure(FailureKind.not_found, f"No {name} in {args.adapter_dir}.", hint="Run train first.")
    scorer = Scorer(args.model_path, args.adapter_dir, args.template, args.cutoff_len)
    ppl_pairs = pairs[: args.max_ppl_samples]
    gen_pairs = pairs[: args.max_generate_samples]
    totals = {"base": [0.0, 0], "lora": [0.0, 0]}
    encoded = [scorer.encode(p["prompt"], p["answer"]) for p in ppl_pairs]
    for i, (p_ids, a_ids) in enumerate(encoded, 1):
        nll, n = scorer.nll(p_ids, a_ids)
        totals["lora"][0] += nll
        totals["lora"][1] += n
        with scorer.model.disable_adapter():
            nll, n = scorer.nll(p_ids, a_ids)
        totals["base"][0] += nll
        totals["base"][1] += n
        if i % 8 == 0 or i == len(encoded):
            ctx.progress(stage="perplexity", done=i, total=len(encoded))
    samples: list[dict[str, Any]] = []
    hyps: dict[str, list[str]] = {"base": [], "lora": []}
    for i, pair in enumerate(gen_pairs, 1):
        p_ids, _ = scorer.encode(pair["prompt"], pair["answer"])
        lora_out = scorer.generate(p_ids, args.max_new_tokens)
        with scorer.model.disable_adapter():
            base_out = scorer.generate(p_ids, args.max_new_tokens)
        hyps["lora"].append(lora_out)
        hyps["base"].append(base_out)
        samples.append({"prompt": pair["prompt"], "reference": pair["answer"], "base": base_out, "lora": lora_out})
        ctx.progress(stage="generation", done=i, total=len(gen_pairs))
    refs = [p["answer"] for p in gen_pairs]
    base = scores(*totals["base"], hyps["base"], refs)
    lora = scores(*totals["lora"], hyps["lora"], refs)
    score = quality_score(base, lora)
    improved = lora.perplexity < base.perplexity
    duration = round(time.monotonic() - start, 2)
    write_json(Path(args.out_path), {
        "base": base.model_dump(), "lora": lora.model_dump(),
        "delta": {"perplexity": round(lora.perplexity - base.perplexity, 4),
                  "rouge_l": None if lora.rouge_l is None else round(lora.rouge_l - (base.rouge_l or 0), 4),
                  "bleu": None if lora.bleu is None else round(lora.bleu - (base.bleu or 0), 3)},
        "n_perplexity": len(encoded), "n_generate": len(gen_pairs), "improved": improved,
        "quality_score": score, "max_new_tokens": args.max_new_tokens, "samples": samples,
        "metrics": {"perplexity": "exp(mean NLL of reference answer tokens)", "rouge_l": "rouge-score rougeL F1, mean",
                    "bleu": "sacrebleu corpus BLEU"},
        "duration_s": duration,
    })
    return EvaluateResult(results_path=args.out_path, base=base, lora=lora, n_perplexity=len(encoded),
                          n_generate=len(gen_pairs), improved=improved, quality_score=score, duration_s=duration)
