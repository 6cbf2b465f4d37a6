"""The typed failure every tool raises, and its closed set of kinds.

A tool either returns its result model or raises :class:`ToolFailure`. The kind routes what happens next
(retry, repair, fallback, or a Guide message to the user); the message says what failed, the hint says
what to do about it, and ``details`` carries structured facts (paths, counts, exit codes).
"""

from __future__ import annotations

import threading
import time
import traceback
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


class FailureKind(str, Enum):
    transient = "transient"  # worth retrying as is (network blip, busy resource)
    invalid_input = "invalid_input"  # the caller gave something unusable (bad path, bad URL, bad option)
    not_found = "not_found"  # a named thing does not exist (repo, run id, file)
    auth_required = "auth_required"  # needs a token or permission the run does not have
    missing_dependency = "missing_dependency"  # a package, binary, model or engine is not installed
    insufficient_data = "insufficient_data"  # the source yields too little to train on
    build_failed = "build_failed"  # building or running the project failed
    train_failed = "train_failed"  # the trainer exited with an error not covered below
    oom = "oom"  # out of memory (RAM or VRAM)
    nan_loss = "nan_loss"  # the loss diverged
    timeout = "timeout"  # a step ran past its time limit
    disk_full = "disk_full"  # no space left where the run writes
    corrupted = "corrupted"  # a file exists but its content is broken
    unsupported = "unsupported"  # a valid request this machine or version cannot serve
    low_quality = "low_quality"  # the trained core did not beat its base model on held-out pairs
    needs_user = "needs_user"  # only the user can decide
    internal = "internal"  # a bug in the studio itself


class ToolFailure(Exception):
    """A tool's failure, typed for routing and written for people."""

    def __init__(
        self,
        kind: FailureKind | str,
        message: str,
        hint: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        self.kind = FailureKind(kind)
        self.message = message
        self.hint = hint
        self.details = dict(details or {})
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "message": self.message, "hint": self.hint, "details": self.details}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ToolFailure":
        return cls(data["kind"], data["message"], data.get("hint", ""), data.get("details") or {})

    def __str__(self) -> str:  # pragma: no cover - trivial
        return f"[{self.kind.value}] {self.message}"


class Failure(BaseModel):
    """A failure as data: what a run records (in its state, ``run.json`` and events) and tools report."""

    kind: FailureKind
    message: str
    hint: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    tab: str | None = Field(None, description="The step that failed, inside a run.")

    @classmethod
    def of(cls, failure: ToolFailure, tab: str | None = None) -> "Failure":
        return cls(kind=failure.kind, message=failure.message, hint=failure.hint, details=failure.details, tab=tab)

    def raise_again(self) -> ToolFailure:
        """The failure as an exception again (to hand it to code that raises)."""
        return ToolFailure(self.kind, self.message, self.hint, self.details)


#: Set when this process was asked to stop (a worker's SIGTERM): an exception raised after it is that stop,
#: whatever a library made of the KeyboardInterrupt it got (pydantic, for one, wraps it in a SchemaError).
STOP_REQUESTED = threading.Event()


def internal_failure(exc: BaseException, log_path: Path, what: str) -> ToolFailure:
    """An unexpected exception as a typed ``internal`` failure, its traceback appended to ``log_path``.

    The one place where a bug, or an error a library raised that no tool anticipated, becomes something a
    person can read: the message names the exception, the hint says where the details are. Once the
    process was asked to stop (:data:`STOP_REQUESTED`), the stop goes on as a KeyboardInterrupt instead.
    """
    if STOP_REQUESTED.is_set():
        raise KeyboardInterrupt("stopped") from exc
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {what}\n"
                     f"{''.join(traceback.format_exception(exc))}\n")
        where = f"The details are in {log_path}."
    except OSError:
        where = "The details could not be written to a log."
    return ToolFailure(FailureKind.internal, f"{type(exc).__name__}: {exc}",
                       hint=f"This looks like a bug in Goose Studio; retrying may help. {where}",
                       details={"log": str(log_path), "where": what})


def disk_full_from_oserror(exc: OSError, where: str) -> ToolFailure | None:
    """Turn ENOSPC/EDQUOT into a typed failure; other OS errors are returned as None."""
    import errno

    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return ToolFailure(
            FailureKind.disk_full,
            f"No space left on the device while writing {where}.",
            hint="Free some disk space (or point GOOSE_STUDIO_HOME at a larger disk), then resume the run.",
            details={"path": where, "errno": exc.errno},
        )
    return None
