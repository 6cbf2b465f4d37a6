"""What the studio says to people about a failure, a Guide question or a step's progress: one wording, shown
by the CLI (with styling), the MCP server (as text) and the UI.
"""

from __future__ import annotations

from typing import Any, Literal

from .errors import Failure, ToolFailure
from .events import TAB_LABELS
from .runstore import Question

Audience = Literal["cli", "mcp"]


def step_label(step: str | None) -> str | None:
    return TAB_LABELS.get(step or "", step) if step else None


def failure_lines(failure: ToolFailure | Failure, *, what: str, run_id: str | None = None,
                  step: str | None = None, audience: Audience = "mcp") -> list[tuple[str, str]]:
    """``(label, text)`` lines: what failed, why, what to do, and how to resume.

    ``what`` names the thing that failed outside a run (a command or tool); ``step`` the run's step.
    """
    kind = failure.kind.value
    lines = [("What failed", f"{step_label(step) or what} — {failure.message}"),
             ("Why", f"{kind.replace('_', ' ')} (kind: {kind})")]
    if failure.hint:
        lines.append(("What to do", failure.hint))
    if run_id and audience == "cli":
        lines.append(("Resume", f"goose-studio resume {run_id}"))
    elif run_id:
        lines.append(("How to resume", f"call resume_run with run_id '{run_id}' "
                                       f"(or run `goose-studio resume {run_id}`)."))
    elif audience == "mcp":
        lines.append(("How to resume", f"fix the cause, then call {what} again."))
    return lines


def failure_text(failure: ToolFailure | Failure, *, what: str, run_id: str | None = None,
                 step: str | None = None) -> str:
    """The failure for people, as plain text (the MCP Guide text)."""
    return "\n".join(f"{label}: {text}" for label, text in failure_lines(failure, what=what, run_id=run_id, step=step))


def question_lines(q: Question) -> list[str]:
    """A Guide question for people, line by line: what failed, what is needed, what was tried, the choices."""
    lines = [f"What failed: {step_label(q.tab) or q.tab} — {q.message}", f"What is needed: {q.need}"]
    if q.explanation:
        lines.append(f"In short: {q.explanation}")
    if q.tried:
        lines.append("Already tried: " + "; ".join(q.tried))
    lines.append("Choices:")
    for c in q.choices:
        lines.append(f"  - {f'{c.id}=<{c.param}>' if c.param else c.id}: {c.label}")
    return lines


def question_text(q: Question) -> str:
    """The question with how to answer it over MCP and on the CLI."""
    return "\n".join([*question_lines(q),
                      f"How to answer: call resume_run with run_id '{q.run_id}' and answer set to one of the "
                      f"choices (or run `goose-studio resume {q.run_id} --answer <choice>`)."])


def _eta(seconds: Any) -> str:
    eta = int(seconds)
    return f"{eta // 60}:{eta % 60:02d}"


def progress_text(tab: str, payload: dict[str, Any]) -> str:
    """A step's latest progress event in words: "TRAIN step 14/60, loss 1.812, 320 tokens/s, eta 3:40"."""
    label = step_label(tab) or tab
    if payload.get("stage") == "queued" and payload.get("position"):
        return f"{label} queued, position {payload['position']} (waiting for the trainer)"
    if "step" in payload and payload.get("total"):
        text = f"{label} step {payload['step']}/{payload['total']}"
        if isinstance(payload.get("loss"), (int, float)):
            text += f", loss {payload['loss']:.3f}"
        if isinstance(payload.get("tokens_per_s"), (int, float)):
            text += f", {payload['tokens_per_s']:.0f} tokens/s"
        if isinstance(payload.get("eta_sec"), (int, float)):
            text += f", eta {_eta(payload['eta_sec'])}"
        return text
    if "files_done" in payload:
        return f"{label} {payload['files_done']}/{payload.get('files_total')} files"
    parts = [str(payload["stage"])] if payload.get("stage") else []
    if "done" in payload and payload.get("total"):
        parts.append(f"{payload['done']}/{payload['total']}")
    return f"{label} " + " ".join(parts) if parts else label
