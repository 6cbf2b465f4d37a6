"""Gate V3, eval: the core's evaluation is in the package (``training/eval_results.json`` with the quality
score and the base-vs-core numbers it came from), the manifest states the same score, and the score is at or
above the threshold (the one given, else the one the core was held to, 70 by default).

A core the user accepted below the threshold ("accept anyway") passes with that said, except under
``strict``. Checks: ``eval_scores``, ``threshold``.
"""

from __future__ import annotations

from typing import Any

from .format import Manifest
from .report import Checks

RETRAIN = ("Retrain for a higher score (`goose-studio learn` with more data or epochs, or let the auto-fix "
           "retrain), or pass a lower --min-quality if this core is good enough for you.")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def run_eval_gate(manifest: Manifest | None, evals: Any, checks: Checks, min_quality: int | None,
                  strict: bool) -> None:
    if manifest is None or not isinstance(evals, dict):
        reason = "no valid manifest" if manifest is None else "eval_results.json is missing or not an object"
        checks.set("eval_scores", False if manifest is not None else None, reason,
                   hint="Evaluate the core (the TEST step) and rebuild it." if manifest is not None else "")
        checks.set("threshold", None, f"not run: {reason}")
        return
    problems = []
    score = _number(evals.get("quality_score"))
    if score is None:
        problems.append("eval_results.json has no quality_score")
    measured = [k for k in ("base", "lora") if isinstance(evals.get(k), dict)
                and _number(evals[k].get("perplexity")) is not None]
    if len(measured) < 2:
        problems.append("eval_results.json lacks the base and core perplexity")
    if manifest.quality_score is None:
        problems.append("the manifest states no quality_score")
    elif score is not None and abs(score - manifest.quality_score) > 0.5:
        problems.append(f"the manifest's quality_score {manifest.quality_score:g} is not the evaluation's {score:g}")
    if problems:
        checks.set("eval_scores", False, "; ".join(problems),
                   hint="Evaluate the core (the TEST step) and rebuild it so the package carries its scores.")
        checks.set("threshold", None, "not run: the scores are not all there")
        return
    delta = float(evals["lora"]["perplexity"]) - float(evals["base"]["perplexity"])
    checks.set("eval_scores", True, f"quality {score:g}/100; perplexity base {float(evals['base']['perplexity']):.4g}"
                                    f" → core {float(evals['lora']['perplexity']):.4g} ({delta:+.3g})")
    threshold = manifest.quality_threshold if min_quality is None else min_quality
    stated = float(manifest.quality_score or 0)
    if stated >= threshold:
        checks.set("threshold", True, f"{stated:g}/100, at or above the threshold of {threshold}")
    elif manifest.accepted_below_threshold and not strict:
        checks.set("threshold", True, f"{stated:g}/100 is below the threshold of {threshold}; accepted by the user")
    else:
        checks.set("threshold", False, f"{stated:g}/100 is below the threshold of {threshold}", hint=RETRAIN)
