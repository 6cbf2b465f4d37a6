"""Start and resume runs: the run folder, its events, the conductor graph, and typed outcomes.

Everything here returns or raises typed values; turning them into terminal output is the CLI's job.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .agents.guide import parse_answer
from .errors import FailureKind, ToolFailure
from .events import EventBus, Subscriber
from .graphs.conductor import DEFAULT_OPTIONS, Conductor, RunOptions, RunPaths, RunState, write_plan
from .worker import process_start_time
from .workspace import Workspace, write_atomic


@dataclass
class RunOutcome:
    run_id: str
    status: str  # "complete" | "waiting" (the Guide asks the user) | "failed" | "interrupted"
    state: RunState
    failure: ToolFailure | None = None
    failed_step: str | None = None

    @property
    def question(self) -> dict[str, Any] | None:
        return self.state.get("question") if self.status == "waiting" else None

    @property
    def core_path(self) -> str | None:
        return (self.state.get("publish") or {}).get("path")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def start_run(ws: Workspace, source: str, options: dict[str, Any] | None = None) -> str:
    """Create the run folder with its plan; returns the run id (the run itself starts with :func:`execute`)."""
    from . import faults

    faults.parse(os.environ.get(faults.ENV, ""))  # a typo in injected faults is refused before anything is made
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


def execute(ws: Workspace, run_id: str, subscribers: list[Subscriber] = (),
            answer: dict[str, Any] | None = None) -> RunOutcome:
    """Run a run until it ends (a core) or waits (a Guide question); ``answer`` answers the question it waits on.

    A run with saved steps continues after them (a resumed or forked run); one with none starts from its
    first step. Never raises for a run's own failure: it is in the outcome.
    """
    run = ws.read_run(run_id)
    paths = RunPaths(ws, run_id)
    ws.update_run(run_id, pid=os.getpid(), pid_start=process_start_time(os.getpid()))  # who runs it, for status checks
    bus = EventBus(run_id, paths.events)
    for fn in subscribers:
        bus.subscribe(fn)
    conductor = Conductor(ws, run_id, bus)
    saved = conductor_state(conductor)
    resume = bool(saved)
    if not resume:
        answer = None  # nothing was checkpointed yet: start from the first step
    initial: RunState | None = None if resume else {"run_id": run_id, "options": run["options"]}
    recovered = _answer_in_flight(run, saved) if resume and answer is None else None
    if answer is not None:  # kept until the run moves on, so a crash before the graph saves it loses nothing
        ws.update_run(run_id, answer_in_flight={"answer": answer, "question": _question_key(saved.get("question"))})
        bus.emit("run.answered", **answer)
    elif recovered is not None:
        answer = recovered
        bus.emit("run.resumed", completed=conductor.completed_steps(), answer=recovered)
    elif resume:
        bus.emit("run.resumed", completed=conductor.completed_steps())
    else:
        bus.emit("run.started", source=run["source"], options=run["options"])
    try:
        state, waiting = conductor.run(initial, answer)
    except ToolFailure as failure:  # the run's machinery itself (its checkpoint database) is unusable
        step = ws.read_run(run_id).get("step")
        ws.update_run(run_id, status="failed", failure=failure.to_dict(), failed_step=step)
        bus.emit("run.failed", step=step, **failure.to_dict())
        return RunOutcome(run_id, "failed", conductor_state(conductor), failure, step)
    except KeyboardInterrupt:
        step = ws.read_run(run_id).get("step")
        ws.update_run(run_id, status="interrupted", failed_step=step)
        bus.emit("run.interrupted", step=step)
        return RunOutcome(run_id, "interrupted", conductor_state(conductor), None, step)
    except Exception as exc:  # outside any step (graph or checkpoint machinery): typed, traceback to the log
        write_atomic(paths.run_dir / "logs" / "error.log", traceback.format_exc())
        failure = ToolFailure(FailureKind.internal, f"{type(exc).__name__}: {exc}",
                              hint=f"Details are in {paths.run_dir / 'logs' / 'error.log'}; resume once fixed.")
        step = ws.read_run(run_id).get("step")
        ws.update_run(run_id, status="failed", failure=failure.to_dict(), failed_step=step)
        return RunOutcome(run_id, "failed", {}, failure, step)
    if waiting:
        question = state.get("question") or {}
        failure = ToolFailure.from_dict(state["failure"]) if state.get("failure") else None
        step = question.get("tab")
        ws.update_run(run_id, status="waiting", step=step, failed_step=step, question=question,
                      failure=failure.to_dict() if failure else None, answer_in_flight=None)
        bus.emit("run.waiting", step=step, question=question)
        return RunOutcome(run_id, "waiting", state, failure, step)
    core = (state.get("publish") or {}).get("path")
    ws.update_run(run_id, status="complete", step=None, failure=None, failed_step=None, question=None, core=core,
                  answer_in_flight=None,
                  quality_score=(state.get("test") or {}).get("quality_score"))
    bus.emit("run.complete", core=core)
    return RunOutcome(run_id, "complete", state)


def _question_key(question: dict[str, Any] | None) -> str | None:
    if not question:
        return None
    return hashlib.sha256(json.dumps(question, sort_keys=True, default=str).encode()).hexdigest()


def _answer_in_flight(run: dict[str, Any], saved: RunState) -> dict[str, Any] | None:
    """The answer a crashed process had taken, while the run still stands at the question it answered."""
    in_flight = run.get("answer_in_flight") or {}
    key = _question_key(saved.get("question"))
    return in_flight.get("answer") if key is not None and in_flight.get("question") == key else None


def conductor_state(conductor: Conductor) -> RunState:
    try:
        return conductor.state()
    except ToolFailure:
        return {}


def check_answer(run: dict[str, Any], answer: str) -> dict[str, Any]:
    """The parsed answer for a run that waits on a question; ``invalid_input`` when it cannot be taken."""
    run_id = run.get("run_id")
    question = run.get("question") if run.get("status") == "waiting" else None
    if not question:
        raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' is not waiting for an answer "
                          f"(it is {run.get('status')}).",
                          hint=f"Resume it without an answer: goose-studio resume {run_id}.",
                          details={"run_id": run_id, "status": run.get("status")})
    return parse_answer(question, answer)


def resume_run(ws: Workspace, run_id: str, subscribers: list[Subscriber] = (), answer: str | None = None) -> RunOutcome:
    """Continue a stopped run; a run waiting on the Guide needs ``answer`` (one of its question's choices).

    Without an answer a waiting run stays waiting (its outcome carries the question again). An answer for a
    run that is not waiting, or one that is not among the choices, is an ``invalid_input`` failure and
    changes nothing.
    """
    run = ws.read_run(run_id)  # raises not_found for an unknown id
    if answer is not None:
        return execute(ws, run_id, subscribers, answer=check_answer(run, answer))
    conductor = Conductor(ws, run_id, EventBus(run_id, RunPaths(ws, run_id).events))
    if run.get("status") == "complete":
        return RunOutcome(run_id, "complete", conductor_state(conductor))
    if run.get("status") == "waiting" and run.get("question"):
        state = conductor_state(conductor)
        failure = ToolFailure.from_dict(state["failure"]) if state.get("failure") else None
        return RunOutcome(run_id, "waiting", state, failure, run["question"].get("tab"))
    return execute(ws, run_id, subscribers)


def fork_run(ws: Workspace, run_id: str, before: str, options: dict[str, Any] | None = None) -> str:
    """A new run that starts at step ``before``, with the results of the steps ahead of it taken from ``run_id``.

    Used to try another ending of a run (a different evaluation, packaging, or injected fault) without
    redoing the steps that came before: their files are shared, read-only, with the original run.
    ``options`` changes the new run's options. Returns the new run's id (run it with :func:`execute`).
    """
    from .events import TABS

    if before not in TABS or before == TABS[0]:
        raise ToolFailure(FailureKind.invalid_input, f"A run can be forked before one of {', '.join(TABS[1:])}.")
    run = ws.read_run(run_id)
    parent = Conductor(ws, run_id, EventBus(run_id, RunPaths(ws, run_id).events))
    values = conductor_state(parent)
    done = TABS[:TABS.index(before)]
    missing = [t for t in done if not values.get(t)]
    if missing:
        raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' has not completed {', '.join(missing)}.",
                          hint="Fork a run from a step after its last completed one.", details={"missing": missing})
    new_id = start_run(ws, run["source"], {**run["options"], **(options or {})})
    child = Conductor(ws, new_id, EventBus(new_id, RunPaths(ws, new_id).events))
    seeded = {"run_id": new_id, "options": ws.read_run(new_id)["options"], **{t: values[t] for t in done}}
    child.seed(seeded, as_node=done[-1])
    ws.update_run(new_id, forked_from=run_id, forked_before=before)
    return new_id
