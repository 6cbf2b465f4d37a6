"""Live control of a run's training, as registry tools (MCP and CLI): ``pause_training`` (checkpoint, then
stop; the run waits on the Guide's "resume?"), ``stop_training`` (end training now and keep the best of the
adapter and its checkpoints; the run goes on to TEST and PUBLISH) and ``resume_training`` (continue a paused
or stopped run from its checkpoint).

Pause and stop write the run's control file (``output/<run>/control.json``), which the trainer reads after
every step (see :mod:`.launcher`); a run still waiting for the device pauses when its turn comes. Each
request is also an event of the run (``step.train.progress`` with ``stage``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ...errors import FailureKind, ToolFailure
from ...events import EventBus
from ...runstore import ACTIVE, RunStatus, RunStore
from ...workspace import Workspace
from ..registry import ToolContext, call_tool, tool
from .process import write_control

RESUME_CHOICE = "resume-training"


class TrainingControlArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(description="The run's id, as returned by learn or list_runs.", min_length=1, max_length=100)


class TrainingControlResult(BaseModel):
    run_id: str
    action: Literal["pause", "stop", "resume"]
    status: str = Field(description="The run's status after the request.")
    step: str | None = Field(None, description="The step the run is at.")
    next: str = Field(description="What happens now, and what to call to follow it.")


def paused_question(ws: Workspace, run_id: str) -> bool:
    """Whether the run waits on the Guide's question because its training was paused."""
    run = RunStore(ws).read(run_id)
    return (run.status is RunStatus.waiting and run.question is not None and run.question.tab == "train"
            and run.failure is not None and bool(run.failure.details.get("paused")))


def request(ws: Workspace, run_id: str, action: Literal["pause", "stop"]) -> TrainingControlResult:
    """Ask a running run's trainer to pause or stop (the trainer acts after its current step)."""
    store = RunStore(ws)
    info = store.info(run_id)
    if info.status not in ACTIVE:
        raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' is not running (it is {info.status.value}).",
                          hint="Pause and stop act on a run that is training; see run_status.",
                          details={"run_id": run_id, "status": info.status.value})
    step = info.record.step
    if action == "stop" and step != "train":
        raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' is not training now (it is at "
                          f"{step or 'its start'}).", hint="Stop acts during TRAIN; pause works at any step.",
                          details={"run_id": run_id, "step": step})
    paths = store.paths(run_id)
    paths.output_dir.mkdir(parents=True, exist_ok=True)
    write_control(paths.output_dir, action)
    EventBus(run_id, paths.events).step("train", "progress", stage=f"{action} requested")
    nxt = ("The trainer saves a checkpoint after its current step and stops; the run then waits. Resume it "
           "with resume_training." if action == "pause" else
           "Training ends after its current step, keeping the best adapter; the run goes on to TEST and PUBLISH.")
    return TrainingControlResult(run_id=run_id, action=action, status=info.status.value, step=step, next=nxt)


@tool("pause_training", destructive=False, idempotent=True, ui=True)
def pause_training(args: TrainingControlArgs, ctx: ToolContext) -> TrainingControlResult:
    """Pause a run's training: a checkpoint is saved and the trainer stops; resume_training continues it."""
    return request(ctx.workspace, args.run_id, "pause")


@tool("stop_training", destructive=True, idempotent=True, ui=True)
def stop_training(args: TrainingControlArgs, ctx: ToolContext) -> TrainingControlResult:
    """Stop a run's training now and keep the best adapter so far; the run goes on to test and package it."""
    return request(ctx.workspace, args.run_id, "stop")


@tool("resume_training", starts_worker=True, ui=True)
def resume_training(args: TrainingControlArgs, ctx: ToolContext) -> TrainingControlResult:
    """Resume a paused (or stopped, interrupted) run's training from its last checkpoint, in a background worker."""
    answer = RESUME_CHOICE if paused_question(ctx.workspace, args.run_id) else None
    started = call_tool("resume_run", {"run_id": args.run_id, "answer": answer}, ctx)
    return TrainingControlResult(run_id=args.run_id, action="resume", status=started.status, step="train",
                                 next=started.next)
