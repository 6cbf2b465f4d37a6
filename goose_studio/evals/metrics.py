"""Held-out metrics: perplexity of reference answers; ROUGE-L, BLEU and semantic similarity of generated
ones; and the facts about answers' form that the quality score reads (stopped in time, code that parses)."""

from __future__ import annotations

import ast
import math
import re

from pydantic import BaseModel

CODE_BLOCK = re.compile(r"```([\w+-]*)\n(.*?)```", re.DOTALL)


class ModelScores(BaseModel):
    perplexity: float
    rouge_l: float | None = None
    bleu: float | None = None
    semantic_similarity: float | None = None  # mean cosine of answer and reference embeddings
    stopped: float | None = None  # share of answers that ended at a stop token
    form_match: float | None = None  # share of answers with a code block exactly where the reference has one
    code_parses: float | None = None  # share of Python code blocks that parse (None: no Python code blocks)
    runaway: float | None = None  # share of answers to short references that did not stop by themselves


def quality_score(base: ModelScores, lora: ModelScores) -> int:
    """The held-out part alone, 0-100: half from the perplexity drop (a halving scores full), half from ROUGE-L
    (0.4 scores full). The run's overall score is :func:`goose_studio.evals.quality.overall`."""
    ppl_part = max(0.0, min(1.0, 2.0 * (1.0 - lora.perplexity / base.perplexity))) if base.perplexity > 0 else 0.0
    rouge_part = max(0.0, min(1.0, (lora.rouge_l or 0.0) / 0.4))
    return round(100 * (0.5 * ppl_part + 0.5 * rouge_part))


def semantic_similarity(hyps: list[str], refs: list[str]) -> float | None:
    """Mean cosine similarity of each answer to its reference (all-MiniLM-L6-v2); None without the model."""
    from ..retrieval.embed import embed, embedder_available

    if not hyps or not embedder_available():
        return None
    vectors = embed([*hyps, *refs])
    a, b = vectors[: len(hyps)], vectors[len(hyps):]
    return round(float((a * b).sum(axis=1).mean()), 4)


def python_blocks(text: str) -> list[str]:
    return [body for lang, body in CODE_BLOCK.findall(text) if lang.lower() in ("python", "py", "")]


def parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def form_facts(hyps: list[str], refs: list[str], stopped: list[bool],
               short_refs: list[bool] | None = None) -> dict[str, float | None]:
    """stopped, form_match, code_parses and runaway of a set of answers (see :class:`ModelScores`)."""
    if not hyps:
        return {"stopped": None, "form_match": None, "code_parses": None, "runaway": None}
    short = [not s for s, r in zip(stopped, short_refs or []) if r]
    form = [("```" in h) == ("```" in r) for h, r in zip(hyps, refs)]
    blocks = [b for h in hyps for b in python_blocks(h)]
    return {"stopped": round(sum(stopped) / len(stopped), 4) if stopped else None,
            "form_match": round(sum(form) / len(form), 4),
            "code_parses": round(sum(parses(b) for b in blocks) / len(blocks), 4) if blocks else None,
            "runaway": round(sum(short) / len(short), 4) if short else None}


def scores(nll_sum: float, n_tok: int, hyps: list[str], refs: list[str], stopped: list[bool] | None = None,
           similarity: bool = True, short_refs: list[bool] | None = None) -> ModelScores:
    """All held-out metrics of one model from its summed answer NLL and its generated answers."""
    from rouge_score import rouge_scorer
    import sacrebleu

    ppl = math.exp(nll_sum / max(1, n_tok))
    if not hyps:
        return ModelScores(perplexity=round(ppl, 4))
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    rouge = sum(scorer.score(r, h)["rougeL"].fmeasure for h, r in zip(hyps, refs)) / len(hyps)
    bleu = sacrebleu.corpus_bleu(hyps, [refs]).score
    return ModelScores(perplexity=round(ppl, 4), rouge_l=round(rouge, 4), bleu=round(bleu, 3),
                       semantic_similarity=semantic_similarity(hyps, refs) if similarity else None,
                       **form_facts(hyps, refs, stopped or [], short_refs))
