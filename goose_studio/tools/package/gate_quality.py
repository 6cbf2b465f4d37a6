"""Gate V5, quality: consistent outputs (the same greedy answer twice; no more empty or looping answers than
the base model gives) and no regression against the base model, both as the evaluation recorded it
(``eval_results.json``'s general-question check) and as the fresh process of gate V4 measures it again
(general questions and the loss of the package's sample answers, core vs base).

Checks: ``consistency``, ``regression``.
"""

from __future__ import annotations

from typing import Any

from .report import Checks

DEFAULT_MARGIN = 0.10  # largest drop in general-question accuracy, as the evaluation's default
LOSS_TOLERANCE = 1.25  # the core's loss on its own sample answers may not exceed the base's by more
RETRAIN = ("The core lost what its base model knew: retrain with a lower learning rate, fewer epochs or a smaller "
           "rank (the TEST step's auto-fix does this), then package again.")


def _recorded(evals: Any) -> tuple[str, bool | None, float]:
    general = evals.get("general") if isinstance(evals, dict) else None
    if not isinstance(general, dict) or not isinstance(general.get("base"), (int, float)):
        return "", None, DEFAULT_MARGIN
    margin = float(general.get("margin") or DEFAULT_MARGIN)
    base, core = float(general["base"]), float(general.get("core") or 0.0)
    regressed = bool(general.get("regressed")) or core < base - margin - 1e-9
    return f"evaluation: general accuracy base {base:.0%} → core {core:.0%}", regressed, margin


def run_quality_gate(measured: dict[str, Any] | None, evals: Any, checks: Checks) -> None:
    said, regressed, margin = _recorded(evals)
    quality = (measured or {}).get("quality")
    live = quality if isinstance(quality, dict) and "answers" in quality else None
    why_not = ""
    if measured is None:
        why_not = "the load check did not run"
    elif not (measured.get("load") or {}).get("ok"):
        why_not = "the adapter did not load"
    elif isinstance(quality, dict) and ("skipped" in quality or "error" in quality):
        why_not = str(quality.get("skipped") or quality.get("error"))
    if live is None:
        checks.set("consistency", None, f"not run: {why_not or 'nothing measured'}")
    else:
        loops = live["looping"]
        problems = []
        if not live["deterministic"]:
            problems.append("the same prompt gave different greedy answers")
        if loops["core"] > loops["base"]:
            problems.append(f"{loops['core']} of {len(live['prompts'])} answers empty or looping (base: {loops['base']})")
        if problems:
            checks.set("consistency", False, "; ".join(problems), hint=RETRAIN)
        else:
            checks.set("consistency", True, f"{len(live['prompts'])} prompts answered the same twice, "
                                            f"{loops['core']} empty or looping (base: {loops['base']})")
    parts, failed = [said] if said else [], bool(regressed)
    if live is not None:
        general = live["general"]
        n = general["questions"] or 1
        base_acc, core_acc = general["base"] / n, general["core"] / n
        parts.append(f"re-measured: general {general['base']}/{n} → {general['core']}/{n}")
        if core_acc < base_acc - margin - 1 / n - 1e-9:  # one question of noise in the short re-measure
            failed = True
        loss = live["sample_loss"]
        if loss.get("core") is not None and loss.get("base") is not None:
            parts.append(f"sample-answer loss base {loss['base']:.3f} → core {loss['core']:.3f}")
            if loss["core"] > loss["base"] * LOSS_TOLERANCE:
                failed = True
    if not parts:
        checks.set("regression", None, f"not run: no recorded general-question check and {why_not or 'no live measure'}")
    elif failed:
        checks.set("regression", False, "regression against the base model: " + "; ".join(parts), hint=RETRAIN)
    else:
        checks.set("regression", True, "; ".join(parts))
