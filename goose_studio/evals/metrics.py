"""Held-out metrics: perplexity of reference answers, ROUGE-L and BLEU of generated ones, and the score
that sums them up."""

from __future__ import annotations

import math

from pydantic import BaseModel


class ModelScores(BaseModel):
    perplexity: float
    rouge_l: float | None = None
    bleu: float | None = None


def quality_score(base: ModelScores, lora: ModelScores) -> int:
    """0-100: half from the perplexity drop (a halving scores full), half from ROUGE-L (0.4 scores full)."""
    ppl_part = max(0.0, min(1.0, 2.0 * (1.0 - lora.perplexity / base.perplexity))) if base.perplexity > 0 else 0.0
    rouge_part = max(0.0, min(1.0, (lora.rouge_l or 0.0) / 0.4))
    return round(100 * (0.5 * ppl_part + 0.5 * rouge_part))


def scores(nll_sum: float, n_tok: int, hyps: list[str], refs: list[str]) -> ModelScores:
    from rouge_score import rouge_scorer
    import sacrebleu

    ppl = math.exp(nll_sum / max(1, n_tok))
    if not hyps:
        return ModelScores(perplexity=round(ppl, 4))
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    rouge = sum(scorer.score(r, h)["rougeL"].fmeasure for h, r in zip(hyps, refs)) / len(hyps)
    bleu = sacrebleu.corpus_bleu(hyps, [refs]).score
    return ModelScores(perplexity=round(ppl, 4), rouge_l=round(rouge, 4), bleu=round(bleu, 3))
