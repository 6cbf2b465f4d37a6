"""Why a freshly built core is not published: the failed gates of its validation as one typed failure.

Secrets need the user (only they can clean the source and rotate the key); an adapter that does not load is
``corrupted`` (the run retrains it, or packages without the trial load); a score under the threshold or a
regression is ``low_quality``; unusable inputs are ``invalid_input``; anything else is a bug (``internal``).
"""

from __future__ import annotations

from pathlib import Path

from ...errors import FailureKind, ToolFailure
from .report import ValidateReport


def failure_for_report(report: ValidateReport, where: Path) -> ToolFailure:
    failed = {c.name: c for c in report.checks if c.ok is False}
    gates = report.failed_gates()
    details = {"path": str(where), "failed_gates": gates, "report": report.model_dump(mode="json")}
    first = next((g for g in report.gates if g.ok is False), None)
    said = f"gate {first.id} {first.name} failed ({first.detail})" if first else "; ".join(report.errors)
    if "secrets" in failed:
        return ToolFailure(FailureKind.needs_user, f"The core was not published: it would contain secrets "
                                                   f"({failed['secrets'].detail}).",
                           hint="Remove the secret from the source or the description (and rotate it), then "
                                "package again.", details=details)
    if "load" in failed:
        return ToolFailure(FailureKind.corrupted, f"The core was not published: the adapter failed to load "
                                                  f"({failed['load'].detail}).",
                           hint="Check that base_model_path is the model the adapter was trained on.",
                           details=details)
    if failed.keys() & {"threshold", "consistency", "regression"}:
        return ToolFailure(FailureKind.low_quality, f"The core was not published: {said}.",
                           hint=first.fix if first and first.fix else "Retrain the core.", details=details)
    if gates and (set(gates) <= {"schema", "security", "eval"} or "base_model" in failed):
        return ToolFailure(FailureKind.invalid_input, f"The core was not published: its inputs are not valid "
                                                      f"({said}).",
                           hint="Check the adapter folder, the recipe and the result files passed to `package`.",
                           details=details)
    return ToolFailure(FailureKind.internal, f"The core was not published: the freshly built package failed "
                                             f"validation ({said}).",
                       hint="Try again; if it keeps failing, report it with the validation details.", details=details)
