"""The LLM judge of TEST: a configured brain grades held-out answers of the core and of its base model,
0-100 each, with the rubric in ``prompts/judge_answer.j2`` (accuracy, helpfulness, style).

Agents decide, tools do: the TEST step asks the judge after the ``evaluate`` tool has produced the answers.
Without a brain (or when it gives no usable reply) there is no judgement, and the quality score uses its
documented deterministic part instead (:mod:`goose_studio.evals.quality`).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from .brain import Brain, ask

MAX_ITEMS = 20  # answers per model sent to the judge (the spec's 20 responses)
MAX_FIELD_CHARS = 1200


class Verdicts(BaseModel):
    scores: list[int] = Field(description="One 0-100 score per item, in order.")
    comment: str = ""


class Judgement(BaseModel):
    judge: str = Field(description="The brain that judged.")
    core: int = Field(ge=0, le=100)
    base: int | None = Field(None, ge=0, le=100)
    items: int
    comment: str = ""


def _cut(text: str) -> str:
    return text if len(text) <= MAX_FIELD_CHARS else text[: MAX_FIELD_CHARS - 1] + "…"


def judge_prompt(repo: str, items: list[dict[str, str]]) -> str:
    from ..prompts import render

    return render("judge_answer.j2", repo=repo, items=items, example=", ".join(["70"] * min(2, len(items))),
                  schema=json.dumps(Verdicts.model_json_schema(), separators=(",", ":")))


def _grade(brain: Brain, repo: str, samples: list[dict[str, Any]], key: str) -> tuple[int, str] | None:
    items = [{"question": _cut(s["prompt"]), "reference": _cut(s["reference"]), "answer": _cut(s.get(key) or "")}
             for s in samples[:MAX_ITEMS]]
    got = ask(brain, judge_prompt(repo, items), Verdicts, max_tokens=60 + 12 * len(items))
    if got is None or len(got.scores) != len(items):
        return None
    return round(sum(max(0, min(100, v)) for v in got.scores) / len(items)), got.comment[:300]


def judge_answers(brain: Brain, repo: str, samples: list[dict[str, Any]]) -> Judgement | None:
    """The judge's mean score of the core's answers (``lora``) and of the base's (``base``); None without one."""
    if brain.name == "rules" or not samples:
        return None
    core = _grade(brain, repo, samples, "lora")
    if core is None:
        return None
    base = _grade(brain, repo, samples, "base")
    return Judgement(judge=brain.name, core=core[0], base=base[0] if base else None,
                     items=min(len(samples), MAX_ITEMS), comment=core[1])
