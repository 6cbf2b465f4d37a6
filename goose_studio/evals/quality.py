"""The overall quality score of a core (0-100) and the same score of its base model, from the spec's parts.

Each part is 0-100; a part with nothing to measure (no code in the references, no probe questions) is left
out and the others' weights are scaled up. The core is scored as it answers: with its retrieval index when
it has one; the base model as a user has it, closed-book.

==================  ======  ===========================================================================
part                weight  what it measures
==================  ======  ===========================================================================
accuracy            0.35    knowledge probe accuracy, chance-corrected: 0 at 1/4 right, 100 at all right
helpfulness         0.20    the judge's 0-100 when a brain is configured; otherwise held-out semantic
                            similarity of answer and reference, 0.2 → 0 and 0.8 → 100
instruction         0.15    share of held-out answers that stop by themselves and have the reference's
                            form (a code block exactly where the reference has one)
code_quality        0.10    share of the answers' Python code blocks that parse
consistency         0.20    general questions shipped with the studio: 100 while the model keeps its
                            base's accuracy, 0 at a drop of 25 points or more
==================  ======  ===========================================================================
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from .metrics import ModelScores

WEIGHTS = {"accuracy": 0.35, "helpfulness": 0.20, "instruction": 0.15, "code_quality": 0.10, "consistency": 0.20}
GRADES = ((85, "excellent"), (70, "good"), (50, "fair"), (0, "poor"))
SIMILARITY_RANGE = (0.2, 0.8)
MAX_GENERAL_DROP = 0.25


class QualityPart(BaseModel):
    name: str
    score: int | None = Field(description="0-100, None when there was nothing to measure.")
    base: int | None = Field(None, description="The base model's score on the same part.")
    weight: float
    source: str = Field(description="What the number comes from.")


class QualityReport(BaseModel):
    overall: int
    base_overall: int
    vs_base: int = Field(description="Points the core scores above (or below) its base model.")
    grade: str
    parts: list[QualityPart]


def _clip(x: float) -> int:
    return round(100 * max(0.0, min(1.0, x)))


def accuracy_part(accuracy: float | None) -> int | None:
    return None if accuracy is None else _clip((accuracy - 0.25) / 0.75)


def similarity_part(similarity: float | None) -> int | None:
    lo, hi = SIMILARITY_RANGE
    return None if similarity is None else _clip((similarity - lo) / (hi - lo))


def instruction_part(scores: ModelScores) -> int | None:
    facts = [v for v in (scores.stopped, scores.form_match) if v is not None]
    return _clip(sum(facts) / len(facts)) if facts else None


def consistency_part(base_general: float | None, general: float | None) -> int | None:
    if base_general is None or general is None:
        return None
    return _clip(1.0 - max(0.0, base_general - general) / MAX_GENERAL_DROP)


def grade(score: int) -> str:
    return next(name for floor, name in GRADES if score >= floor)


def _weighted(values: dict[str, int | None]) -> int:
    present = {k: v for k, v in values.items() if v is not None}
    total = sum(WEIGHTS[k] for k in present)
    return round(sum(WEIGHTS[k] * v for k, v in present.items()) / total) if total else 0


def overall(*, base: ModelScores, core: ModelScores, base_accuracy: float | None, core_accuracy: float | None,
            base_general: float | None, core_general: float | None, judge: int | None = None,
            base_judge: int | None = None, accuracy_source: str = "knowledge probe") -> QualityReport:
    """The core's score and its base model's, part by part (see the module's table)."""
    helpful_source = "LLM judge (0-100)" if judge is not None else "held-out semantic similarity"
    core_parts = {"accuracy": accuracy_part(core_accuracy),
                  "helpfulness": judge if judge is not None else similarity_part(core.semantic_similarity),
                  "instruction": instruction_part(core),
                  "code_quality": None if core.code_parses is None else _clip(core.code_parses),
                  "consistency": consistency_part(base_general, core_general)}
    base_parts = {"accuracy": accuracy_part(base_accuracy),
                  "helpfulness": base_judge if judge is not None else similarity_part(base.semantic_similarity),
                  "instruction": instruction_part(base),
                  "code_quality": None if base.code_parses is None else _clip(base.code_parses),
                  "consistency": 100 if base_general is not None else None}
    if core_parts["code_quality"] is None:
        base_parts["code_quality"] = None  # the same parts on both sides
    sources = {"accuracy": accuracy_source, "helpfulness": helpful_source,
               "instruction": "held-out answers: stopped by themselves, reference's form",
               "code_quality": "Python code blocks that parse", "consistency": "general questions vs the base model"}
    parts = [QualityPart(name=k, score=core_parts[k], base=base_parts[k], weight=WEIGHTS[k], source=sources[k])
             for k in WEIGHTS]
    core_total, base_total = _weighted(core_parts), _weighted(base_parts)
    return QualityReport(overall=core_total, base_overall=base_total, vs_base=core_total - base_total,
                         grade=grade(core_total), parts=parts)
