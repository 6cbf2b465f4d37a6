"""What the agents ask a brain, and the shapes its answers must have.

A brain never acts: it may pick one of the remedies the rules already matched (by id), or explain a
failure in plain words for the Guide. Its reply is parsed into these models; anything else is ignored and
the rules decide.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ..errors import Failure
from ..prompts import render
from .remedies import Fix, Remedy, apply_fix

CUSTOM = "custom"
PROPOSAL_ID = "brain-proposal"
MAX_PROPOSALS = 2  # per run: the brain's own fixes, beyond the listed remedies
# What a brain may change by its own proposal, per tab: numbers and switches only (never a model id or a
# source, which could make the run download or read anything).
TAB_OPTIONS: dict[str, tuple[str, ...]] = {
    "train": ("batch_size", "cutoff_len", "learning_rate", "epochs", "max_steps", "lora_rank", "bf16", "use_cpu",
              "use_unsloth"),
    "prepare": ("min_pairs", "max_pairs"),
    "test": ("eval_ppl_samples", "eval_generate_samples", "eval_max_new_tokens"),
    "publish": ("check_load",),
}


class RemedyPick(BaseModel):
    id: str = Field(description="The id of the remedy to apply, exactly as listed, or 'custom'.")
    set: dict[str, Any] = Field(default_factory=dict, description="With id 'custom': the options to change.")
    reason: str = Field("", max_length=600)


def proposed_remedy(pick: RemedyPick, failure: Failure, options: dict[str, Any],
                    current: dict[str, Any]) -> Remedy | None:
    """The brain's own fix as a remedy, if it is one: only allowed options, inside bounds, changing something."""
    allowed = TAB_OPTIONS.get(failure.tab or "", ())
    if pick.id != CUSTOM or not pick.set or any(key not in allowed for key in pick.set):
        return None
    try:
        fix = Fix(set=pick.set)
        if not apply_fix(fix, options, current, failure):
            return None
    except (ValidationError, ValueError):
        return None
    return Remedy(id=PROPOSAL_ID, tab=failure.tab, kinds=[failure.kind], fix=fix,
                  label="A fix proposed by the brain", diagnosis=pick.reason.strip() or "Proposed by the brain.")


class Explanation(BaseModel):
    explanation: str = Field(min_length=1, max_length=800)


def _failure_view(failure: Failure) -> dict[str, Any]:
    details = {k: v for k, v in failure.details.items() if k != "log_tail"}
    tail = str(failure.details.get("log_tail", ""))[-800:]
    return {"tab": failure.tab, "kind": failure.kind.value, "message": failure.message,
            "details": json.dumps(details, default=str)[:1200], "log_tail": tail}


def pick_prompt(stage: str, failure: Failure, candidates: list[Remedy], custom: bool) -> str:
    return render("pick_remedy.j2", stage=stage, failure=_failure_view(failure),
                  candidates=[{"id": r.id, "diagnosis": r.diagnosis, "label": r.label or ""} for r in candidates],
                  custom_options=list(TAB_OPTIONS.get(failure.tab or "", ())) if custom else [],
                  schema=json.dumps(RemedyPick.model_json_schema()))


def explain_prompt(failure: Failure, tried: list[str]) -> str:
    return render("explain_failure.j2", failure=_failure_view(failure), tried=tried,
                  schema=json.dumps(Explanation.model_json_schema()))
