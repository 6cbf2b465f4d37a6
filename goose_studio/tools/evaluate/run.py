"""The measurements of one evaluation, all on one loaded model with the adapter switched on (the core) and
off (the base model): held-out perplexity and generations, the knowledge probe closed-book and with
retrieval, and the general questions of the regression check."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from ...evals.probe import ProbeQuestion, pick
from ...evals.scorer import Scorer
from ...retrieval import RetrievalIndex, with_passages

Progress = Callable[..., None]


class ProbeScores(BaseModel):
    """Multiple-choice accuracy (0-1) of base and core, closed-book and with retrieval."""

    questions: int
    base_closed: float | None = None
    core_closed: float | None = None
    base_retrieval: float | None = None
    core_retrieval: float | None = None
    per_kind: dict[str, dict[str, float]] = Field(default_factory=dict)
    retrieval_k: int = 0


class GeneralScores(BaseModel):
    """The regression check: general questions shipped with the studio, base vs core."""

    questions: int
    base: float
    core: float
    margin: float
    regressed: bool = Field(description="The core falls below the base by more than the margin.")


class Timer:
    """Seconds per stage of an evaluation."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, stage: str) -> None:
        now = time.monotonic()
        self.stages[stage] = round(self.stages.get(stage, 0.0) + now - self._last, 2)
        self._last = now


def perplexity_sums(scorer: Scorer, pairs: list[dict[str, str]], cutoff: int) -> dict[str, list[float]]:
    """Summed answer NLL and token count, per model: {"lora": [nll, n], "base": [nll, n]}."""
    encoded = [encode_cut(scorer, p["prompt"], p["answer"], cutoff) for p in pairs]
    totals: dict[str, list[float]] = {}
    for name, on in (("lora", True), ("base", False)):
        with scorer.adapter(on):
            rows = scorer.nll_batch(encoded)
        totals[name] = [sum(r[0] for r in rows), sum(r[1] for r in rows)]
    return totals


def encode_cut(scorer: Scorer, prompt: str, answer: str, cutoff: int) -> tuple[list[int], list[int]]:
    """(prompt, answer) ids cut to ``cutoff`` tokens as training cut them (the prompt's oldest first)."""
    prompt_ids, answer_ids = scorer.encode(prompt, answer)
    keep = max(8, cutoff - len(answer_ids))
    prompt_ids = prompt_ids[-keep:]
    return prompt_ids, answer_ids[: max(1, cutoff - len(prompt_ids))]


def generations(scorer: Scorer, pairs: list[dict[str, str]], max_new_tokens: int) -> dict[str, list[tuple[str, int, bool]]]:
    """Greedy answers to the pairs' prompts, batched, per model."""
    prompts = [scorer.encode(p["prompt"], "")[0] for p in pairs]
    out = {}
    for name, on in (("lora", True), ("base", False)):
        with scorer.adapter(on):
            out[name] = scorer.generate_batch(prompts, max_new_tokens) if prompts else []
    return out


def _accuracy(picks: list[int], questions: list[ProbeQuestion]) -> float | None:
    return round(sum(p == q.answer for p, q in zip(picks, questions)) / len(questions), 4) if questions else None


def probe(scorer: Scorer, questions: list[ProbeQuestion], index: RetrievalIndex | None, k: int,
          progress: Progress | None = None) -> tuple[ProbeScores, list[dict[str, Any]]]:
    """Each question asked of base and core, closed-book and (with an index) with ``k`` passages before it."""
    encode = scorer.encode
    prompts: dict[str, list[str]] = {"closed": [q.question for q in questions]}
    hits = [index.search(q.question, k) for q in questions] if index is not None and k > 0 else []
    if hits:
        prompts["retrieval"] = [with_passages(q.question, h) for q, h in zip(questions, hits)]
    picks: dict[str, list[int]] = {}
    for model, on in (("core", True), ("base", False)):
        with scorer.adapter(on):
            for mode, texts in prompts.items():
                picks[f"{model}_{mode}"] = [pick(scorer.choice_losses, encode, t, q.choices)[0]
                                            for t, q in zip(texts, questions)]
                if progress:
                    progress(stage="probe", model=model, mode=mode, questions=len(questions))
    scores = ProbeScores(questions=len(questions), retrieval_k=k if hits else 0,
                         **{key: _accuracy(value, questions) for key, value in picks.items()})
    kinds = sorted({q.kind.split(":")[0] for q in questions})
    for kind in kinds:
        idx = [i for i, q in enumerate(questions) if q.kind.split(":")[0] == kind]
        sub = [questions[i] for i in idx]
        scores.per_kind[kind] = {"questions": len(idx), **{key: _accuracy([v[i] for i in idx], sub) or 0.0
                                                           for key, v in picks.items()}}
    samples = [{"kind": q.kind, "question": q.question, "choices": q.choices, "answer": q.answer,
                **{key: v[i] for key, v in picks.items()},
                "passages": [f"{h.path}:{h.start_line}-{h.end_line}" for h in hits[i]] if hits else []}
               for i, q in enumerate(questions)]
    return scores, samples


def general(scorer: Scorer, questions: list[ProbeQuestion], margin: float) -> GeneralScores | None:
    """The regression check on the general questions (closed-book, base vs core)."""
    if not questions:
        return None
    acc = {}
    for model, on in (("core", True), ("base", False)):
        with scorer.adapter(on):
            acc[model] = _accuracy([pick(scorer.choice_losses, scorer.encode, q.question, q.choices)[0]
                                    for q in questions], questions) or 0.0
    return GeneralScores(questions=len(questions), base=acc["base"], core=acc["core"], margin=margin,
                         regressed=acc["core"] < acc["base"] - margin - 1e-9)
