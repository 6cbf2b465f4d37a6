"""Start and resume runs: the run folder, its events, the conductor graph, and typed outcomes.

Everything here returns or raises typed values; turning them into terminal output is the CLI's job.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import FailureKind, ToolFailure
from .events import EventBus, Subscriber
from .graphs.conductor import DEFAULT_OPTIONS, Conductor, RunOptions, RunPaths, RunState, write_plan
from .worker import process_start_time
from .workspace import Workspace, write_atomic


@dataclass
class RunOutcome:
    run_id: str
    status: str  # "complete" | "failed" | "interrupted"
    state: RunState
    failure: ToolFailure | None = None
    failed_step: str | None = None

    @property
    def core_path(self) -> str | None:
        return (self.state.get("publish") or {}).get("path")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def start_run(ws: Workspace, source: str, options: dict[str, Any] | None = None) -> str:
    """Create the run folder with its plan; returns the run id (the run itself starts with :func:`execute`)."""
    opts: RunOptions = {**DEFAULT_OPTIONS, **{k: v for k, v in (options or {}).items() if v is not None}, "source": source}
    name = opts.get("name") or Path(source.rstrip("/").removesuffix(".git")).name or "core"
    run_id = ws.new_run_id(name)
    paths = RunPaths(ws, run_id)
    paths.run_dir.mkdir(parents=True)
    (paths.run_dir / "logs").mkdir()
    write_plan(paths, run_id, opts)
    ws.update_run(run_id, run_id=run_id, source=source, status="created", step=None, created=_now(),
                  options=dict(opts))
    return run_id


def execute(ws: Workspace, run_id: str, subscribers: list[Subscriber] = (), resume: bool = False) -> RunOutcome:
    """Run (or resume) a run to its end. Never raises for a run's own failure: it is in the outcome."""
    run = ws.read_run(run_id)
    paths = RunPaths(ws, run_id)
    ws.update_run(run_id, pid=os.getpid(), pid_start=process_start_time(os.getpid()))  # who runs it, for status checks
    bus = EventBus(run_id, paths.events)
    for fn in subscribers:
        bus.subscribe(fn)
    conductor = Conductor(ws, run_id, bus)
    if resume and not conductor_state(conductor):
        resume = False  # nothing was checkpointed yet: start from the first step
    initial: RunState | None = None if resume else {"run_id": run_id, "options": run["options"]}
    if resume:
        bus.emit("run.resumed", completed=conductor.completed_steps())
    else:
        bus.emit("run.started", source=run["source"], options=run["options"])
    try:
        state = conductor.run(initial)
    except ToolFailure as failure:
        step = ws.read_run(run_id).get("step")
        ws.update_run(run_id, status="failed", failure=failure.to_dict(), failed_step=step)
        bus.emit("run.failed", step=step, **failure.to_dict())
        return RunOutcome(run_id, "failed", conductor_state(conductor), failure, step)
    except KeyboardInterrupt:
        step = ws.read_run(run_id).get("step")
        ws.update_run(run_id, status="interrupted", failed_step=step)
        bus.emit("run.interrupted", step=step)
        return RunOutcome(run_id, "interrupted", conductor_state(conductor), None, step)
    except Exception as exc:  # outside any node (graph or checkpoint machinery): typed, traceback to the log
        write_atomic(paths.run_dir / "logs" / "error.log", traceback.format_exc())
        failure = ToolFailure(FailureKind.internal, f"{type(exc).__name__}: {exc}",
                              hint=f"Details are in {paths.run_dir / 'logs' / 'error.log'}; resume once fixed.")
        step = ws.read_run(run_id).get("step")
        ws.update_run(run_id, status="failed", failure=failure.to_dict(), failed_step=step)
        return RunOutcome(run_id, "failed", {}, failure, step)
    core = (state.get("publish") or {}).get("path")
    ws.update_run(run_id, status="complete", step=None, failure=None, core=core,
                  quality_score=(state.get("test") or {}).get("quality_score"))
    bus.emit("run.complete", core=core)
    return RunOutcome(run_id, "complete", state)


def conductor_state(conductor: Conductor) -> RunState:
    try:
        conn, saver = conductor._saver()
    except ToolFailure:
        return {}
    try:
        return conductor.graph(saver).get_state({"configurable": {"thread_id": conductor.run_id}}).values
    finally:
        conn.close()


def resume_run(ws: Workspace, run_id: str, subscribers: list[Subscriber] = ()) -> RunOutcome:
    run = ws.read_run(run_id)  # raises not_found for an unknown id
    if run.get("status") == "complete":
        conductor = Conductor(ws, run_id, EventBus(run_id, RunPaths(ws, run_id).events))
        return RunOutcome(run_id, "complete", conductor_state(conductor))
    return execute(ws, run_id, subscribers, resume=True)
