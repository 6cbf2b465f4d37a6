"""The run store: every run's ``run.json``, read and written in one place.

A run is the folder ``runs/<run-id>/`` (its paths: :class:`~goose_studio.workspace.RunPaths`); its record
(:class:`RunRecord`) says where it stands: status, step, the process that owns it, the failure or the Guide's
question, the core once complete. :class:`RunStore` is the only writer of ``run.json``: each update is a
locked read-modify-write of the whole record, written atomically, so readers never see half a file and two
writers never lose each other's fields.

A recorded status can be out of date: a run whose record says ``running`` but whose process died is
*interrupted* (:meth:`RunStore.info` says so and whether it can be resumed).
"""

from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from enum import Enum
from typing import Any, Iterator

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Failure, FailureKind, ToolFailure
from .procs import process_alive
from .workspace import RunPaths, Workspace, write_json


class RunStatus(str, Enum):
    created = "created"
    starting = "starting"  # a worker process was started and has not taken the run yet
    running = "running"
    waiting = "waiting"  # the Guide asks the user; answer with resume
    complete = "complete"
    failed = "failed"
    interrupted = "interrupted"  # its process stopped before the run ended (killed, crashed)
    cancelled = "cancelled"
    unreadable = "unreadable"  # run.json cannot be read


#: Statuses that a live process owns; with no live process they read as interrupted.
ACTIVE = frozenset({RunStatus.starting, RunStatus.running})
#: Statuses from which ``resume`` continues the run.
RESUMABLE = frozenset({RunStatus.created, RunStatus.failed, RunStatus.interrupted, RunStatus.cancelled,
                       RunStatus.waiting})


class GuideChoice(BaseModel):
    id: str
    label: str
    param: str | None = Field(None, description="The choice takes a value: answer '<id>=<value>'.")


class Question(BaseModel):
    """What the Guide asks; kept in the run's record and in its graph state while the run waits."""

    run_id: str
    tab: str
    kind: str
    message: str = Field(description="What failed.")
    need: str = Field(description="What is needed, in plain language.")
    explanation: str | None = Field(None, description="The brain's explanation, when one is configured.")
    hint: str = ""
    tried: list[str] = Field(default_factory=list, description="Repairs and fallbacks already taken for this step.")
    choices: list[GuideChoice]
    answer_with: str = Field(description="The command that answers this question.")


class Answer(BaseModel):
    """A parsed answer to a Guide question: the choice's id and its value, for a choice that takes one."""

    choice: str
    value: str | None = None


class AnswerInFlight(BaseModel):
    """An answer taken but not yet checkpointed, keyed by the question it answers (see the runner)."""

    answer: Answer
    question: str | None


class RunRecord(BaseModel):
    """``run.json``."""

    model_config = ConfigDict(extra="allow")

    run_id: str
    source: str | None = None
    status: RunStatus = RunStatus.created
    step: str | None = None
    failed_step: str | None = None
    created: str | None = None
    updated: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    pid: int | None = None  # the process that executes the run (a worker or a foreground CLI)
    pid_start: str | None = None
    worker_pid: int | None = None  # the background worker started for it, if any
    worker_start: str | None = None
    worker_started: str | None = None
    worker_resume: bool | None = None
    failure: Failure | None = None
    question: Question | None = None
    answer_in_flight: AnswerInFlight | None = None
    core: str | None = None
    quality_score: float | None = None
    cancelled: str | None = None
    forked_from: str | None = None
    forked_before: str | None = None


class Owner(BaseModel):
    kind: str  # "worker" (a background worker) or "process" (a foreground CLI)
    pid: int
    start: str | None = None


class RunInfo(BaseModel):
    """A run's record plus what is true now."""

    record: RunRecord
    status: RunStatus  # the effective status
    owner: Owner | None
    resumable: bool

    @property
    def alive(self) -> bool:
        return self.owner is not None


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def owner_of(run: RunRecord) -> Owner | None:
    """The live process that owns a run, else None."""
    if process_alive(run.worker_pid, run.worker_start):
        return Owner(kind="worker", pid=int(run.worker_pid), start=run.worker_start)
    if process_alive(run.pid, run.pid_start):
        return Owner(kind="process", pid=int(run.pid), start=run.pid_start)
    return None


def effective_status(run: RunRecord) -> RunStatus:
    """The run's status, corrected for a process that died without saying so."""
    if run.status in ACTIVE and owner_of(run) is None:
        return RunStatus.interrupted
    return run.status


class RunStore:
    """The runs of one workspace."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def paths(self, run_id: str) -> RunPaths:
        return self.ws.run_paths(run_id)  # invalid_input for a malformed id

    def exists(self, run_id: str) -> bool:
        return self.paths(run_id).run_json.is_file()

    def create(self, run_id: str, source: str, options: dict[str, Any]) -> RunRecord:
        paths = self.paths(run_id)
        paths.run_dir.mkdir(parents=True)
        paths.logs.mkdir()
        record = RunRecord(run_id=run_id, source=source, created=now(), options=options)
        return self._write(paths, record)

    def read(self, run_id: str) -> RunRecord:
        paths = self.paths(run_id)
        if not paths.run_json.is_file():
            raise ToolFailure(FailureKind.not_found, f"There is no run '{run_id}' in {self.ws.runs}.",
                              hint="List runs with `goose-studio runs`; start a new one with "
                                   "`goose-studio learn <source>`.",
                              details={"run_id": run_id, "runs_dir": str(self.ws.runs)})
        return self._load(paths)

    def update(self, run_id: str, /, **fields: Any) -> RunRecord:
        """Change some fields of the run's record (the others are kept); returns the new record."""
        paths = self.paths(run_id)
        with self._locked(paths):
            current = self._load(paths).model_dump(mode="json") if paths.run_json.is_file() else {"run_id": run_id}
            merged = {**current, **{k: _plain(v) for k, v in fields.items()}}
            try:
                record = RunRecord.model_validate(merged)
            except ValidationError as exc:
                raise ToolFailure(FailureKind.internal, f"A run record update for '{run_id}' is invalid: {exc}") from None
            return self._write(paths, record)

    def list(self) -> list[RunRecord]:
        """Every run, newest first; a run whose record cannot be read shows as ``unreadable``."""
        out = []
        for run_json in sorted(self.ws.runs.glob("*/run.json")):
            try:
                out.append(RunRecord.model_validate_json(run_json.read_text()))
            except (OSError, ValueError):
                out.append(RunRecord(run_id=run_json.parent.name, status=RunStatus.unreadable))
        return sorted(out, key=lambda r: r.created or "", reverse=True)

    def info(self, run_id: str) -> RunInfo:
        record = self.read(run_id)
        owner = owner_of(record)
        status = RunStatus.interrupted if record.status in ACTIVE and owner is None else record.status
        return RunInfo(record=record, status=status, owner=owner, resumable=status in RESUMABLE)

    # ------------------------------------------------------------------------------------------ files

    def _load(self, paths: RunPaths) -> RunRecord:
        try:
            return RunRecord.model_validate_json(paths.run_json.read_text())
        except (OSError, ValueError) as exc:
            raise ToolFailure(FailureKind.corrupted, f"The record of run '{paths.run_dir.name}' cannot be read "
                              f"({type(exc).__name__}).", hint=f"Inspect {paths.run_json}; start a new run if it "
                              "is damaged.", details={"path": str(paths.run_json)}) from None

    def _write(self, paths: RunPaths, record: RunRecord) -> RunRecord:
        record.updated = now()
        write_json(paths.run_json, record.model_dump(mode="json"))
        return record

    @contextmanager
    def _locked(self, paths: RunPaths) -> Iterator[None]:
        paths.run_dir.mkdir(parents=True, exist_ok=True)
        with (paths.run_dir / ".run.lock").open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Enum):
        return value.value
    return value


__all__ = ["ACTIVE", "RESUMABLE", "Answer", "AnswerInFlight", "GuideChoice", "Owner", "Question", "RunInfo",
           "RunRecord", "RunStatus", "RunStore", "effective_status", "now", "owner_of"]
