"""The routing table on failure kind, the attempt budgets, and the choice of the next remedy.

One table decides what happens after a step fails: ``transient`` → retry with backoff (bounded); a kind
with repairs → Repair; an alternative → Fallback; otherwise → Guide. Budgets per step and per run make
every run terminate: when a budget is spent the Guide asks the user, whatever the kind.

Everything here is a pure function of the run's state, so the graph's routing is deterministic and the
same decision is taken again after a crash and a resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..errors import FailureKind
from .remedies import Remedy, fallbacks, fix_does_something, matches, repairs

Route = Literal["retry", "repair", "fallback", "guide"]

# For each kind, the stages tried in order before the Guide. A stage is skipped when it has nothing left
# (retries spent, no matching remedy unused).
ROUTES: dict[FailureKind, tuple[Route, ...]] = {
    FailureKind.transient: ("retry", "fallback"),
    FailureKind.timeout: ("retry", "repair", "fallback"),
    FailureKind.oom: ("repair", "fallback"),
    FailureKind.nan_loss: ("repair", "fallback"),
    FailureKind.disk_full: ("repair",),
    FailureKind.corrupted: ("repair", "fallback"),
    FailureKind.train_failed: ("repair", "fallback"),
    FailureKind.build_failed: ("repair", "fallback"),
    FailureKind.missing_dependency: ("repair", "fallback"),
    FailureKind.insufficient_data: ("repair", "fallback"),
    FailureKind.low_quality: ("repair", "fallback"),
    FailureKind.not_found: ("repair", "fallback"),
    FailureKind.invalid_input: ("fallback",),
    FailureKind.unsupported: ("fallback",),
    FailureKind.auth_required: (),
    FailureKind.needs_user: (),
    FailureKind.internal: (),
}
assert set(ROUTES) == set(FailureKind), "every failure kind needs a route"

MAX_RETRIES = {FailureKind.transient: 3, FailureKind.timeout: 1}
STEP_BUDGET = 6  # recovery attempts for one step before the Guide asks
RUN_BUDGET = 16  # recovery attempts in one run between two answers of the user
BACKOFF_BASE_S = 2.0


def backoff_s(retry: int, base: float = BACKOFF_BASE_S) -> float:
    """Wait before retry number ``retry`` (1-based): base, 2×base, 4×base, capped at 30 s."""
    return min(30.0, base * (2 ** (retry - 1)))


def _usable(remedy: Remedy, state: Mapping[str, Any], current: dict[str, Any]) -> bool:
    failure, options = state["failure"], merged_options(state)
    if (state.get("used") or {}).get(remedy.id, 0) >= remedy.max_uses or not matches(remedy, failure, options):
        return False
    return fix_does_something(remedy.fix, options, current, failure)  # passed over when it would change nothing


def candidates(stage: Route, state: Mapping[str, Any], current: dict[str, Any]) -> list[Remedy]:
    """The unused remedies of ``stage`` that match the failure, in the order of their data file."""
    pool = repairs() if stage == "repair" else fallbacks() if stage == "fallback" else ()
    return [r for r in pool if _usable(r, state, current)]


def merged_options(state: Mapping[str, Any]) -> dict[str, Any]:
    """The run's options as they stand (the user's, every change since on top), as plain values."""
    return state["options"].merged(state.get("overrides")).model_dump()


def decide(state: Mapping[str, Any], current: dict[str, Any]) -> Route:
    """Where a failed step goes next: retry, repair, fallback or guide."""
    failure = state["failure"]
    tab, kind = failure.tab, failure.kind
    attempts = state.get("attempts") or {}
    if attempts.get(tab, 0) >= STEP_BUDGET or state.get("total_attempts", 0) >= RUN_BUDGET:
        return "guide"
    for stage in ROUTES[kind]:
        if stage == "retry":
            if attempts.get(f"{tab}:retry", 0) < MAX_RETRIES.get(kind, 0):
                return "retry"
        elif candidates(stage, state, current):
            return stage
    return "guide"
