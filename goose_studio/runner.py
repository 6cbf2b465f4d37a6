"""Start and resume runs: the run folder, its events, the conductor graph, and typed outcomes.

Everything here returns or raises typed values; turning them into terminal output is the CLI's job.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .agents.guide import parse_answer
from .errors import Failure, FailureKind, ToolFailure, internal_failure
from .events import TABS, EventBus, RunEvent, Subscriber
from .graphs.conductor import Conductor
from .graphs.state import RunState
from .options import RunOptions
from .procs import process_start_time
from .runstore import Answer, AnswerInFlight, Question, RunRecord, RunStatus, RunStore
from .workspace import Workspace, write_json


@dataclass
class RunOutcome:
    run_id: str
    status: RunStatus  # complete | waiting (the Guide asks the user) | failed | interrupted
    state: RunState
    failure: Failure | None = None
    failed_step: str | None = None

    @property
    def question(self) -> Question | None:
        return self.state.get("question") if self.status is RunStatus.waiting else None

    @property
    def core_path(self) -> str | None:
        publish = self.state.get("publish")
        return publish.path if publish is not None else None


def start_run(ws: Workspace, source: str, options: dict[str, Any] | None = None) -> str:
    """Create the run folder with its plan; returns the run id (the run itself starts with :func:`execute`)."""
    from . import faults

    faults.parse(os.environ.get(faults.ENV, ""))  # a typo in injected faults is refused before anything is made
    given = {k: v for k, v in (options or {}).items() if v is not None}
    opts = RunOptions.model_validate({**given, "source": source})
    name = opts.name or Path(source.rstrip("/").removesuffix(".git")).name or "core"
    run_id = ws.new_run_id(name)
    store = RunStore(ws)
    store.create(run_id, source, opts.model_dump(mode="json"))
    paths = store.paths(run_id)
    write_json(paths.plan, {
        "run_id": run_id, "options": opts.model_dump(mode="json"), "steps": list(TABS),
        "layout": {"dataset_dir": str(paths.dataset_dir), "output_dir": str(paths.output_dir),
                   "recipe": str(paths.recipe), "events": str(paths.events)},
    })
    return run_id


def execute(ws: Workspace, run_id: str, subscribers: list[Subscriber] = (),
            answer: Answer | None = None) -> RunOutcome:
    """Run a run until it ends (a core) or waits (a Guide question); ``answer`` answers the question it waits on.

    A run with saved steps continues after them (a resumed or forked run); one with none starts from its
    first step. Never raises for a run's own failure: it is in the outcome.
    """
    store = RunStore(ws)
    run = store.read(run_id)
    paths = store.paths(run_id)
    store.update(run_id, pid=os.getpid(), pid_start=process_start_time(os.getpid()))  # who runs it
    bus = EventBus(run_id, paths.events)
    for fn in subscribers:
        bus.subscribe(fn)
    conductor = Conductor(ws, run_id, bus)
    saved = conductor_state(conductor)
    resume = bool(saved)
    if not resume:
        answer = None  # nothing was checkpointed yet: start from the first step
    initial: RunState | None = None if resume else {"run_id": run_id, "options": RunOptions.model_validate(run.options)}
    recovered = _answer_in_flight(run, saved) if resume and answer is None else None
    if answer is not None:  # kept until the run moves on, so a crash before the graph saves it loses nothing
        store.update(run_id, answer_in_flight=AnswerInFlight(answer=answer, question=_question_key(saved.get("question"))))
        bus.emit(RunEvent.answered, **answer.model_dump())
    elif recovered is not None:
        answer = recovered
        bus.emit(RunEvent.resumed, completed=conductor.completed_steps(), answer=recovered.model_dump())
    elif resume:
        bus.emit(RunEvent.resumed, completed=conductor.completed_steps())
    else:
        bus.emit(RunEvent.started, source=run.source, options=run.options)
    try:
        state, waiting = conductor.run(initial, answer)
    except ToolFailure as failure:  # the run's machinery itself (its checkpoint database) is unusable
        return _failed(store, bus, run_id, failure, conductor_state(conductor))
    except KeyboardInterrupt:
        step = store.read(run_id).step
        store.update(run_id, status=RunStatus.interrupted, failed_step=step)
        bus.emit(RunEvent.interrupted, step=step)
        return RunOutcome(run_id, RunStatus.interrupted, conductor_state(conductor), None, step)
    except Exception as exc:  # outside any step (graph or checkpoint machinery): typed, traceback to the log
        return _failed(store, bus, run_id, internal_failure(exc, paths.logs / "error.log", "run"), {})
    if waiting:
        question = state.get("question")
        failure = state.get("failure")
        step = question.tab if question is not None else None
        store.update(run_id, status=RunStatus.waiting, step=step, failed_step=step, question=question,
                     failure=failure, answer_in_flight=None)
        bus.emit(RunEvent.waiting, step=step, question=question.model_dump(mode="json") if question else None)
        return RunOutcome(run_id, RunStatus.waiting, state, failure, step)
    publish, test = state.get("publish"), state.get("test")
    core = publish.path if publish is not None else None
    store.update(run_id, status=RunStatus.complete, step=None, failure=None, failed_step=None, question=None,
                 core=core, answer_in_flight=None,
                 quality_score=test.scores.quality_score if test is not None else None)
    bus.emit(RunEvent.complete, core=core)
    return RunOutcome(run_id, RunStatus.complete, state)


def _failed(store: RunStore, bus: EventBus, run_id: str, failure: ToolFailure, state: RunState) -> RunOutcome:
    step = store.read(run_id).step
    store.update(run_id, status=RunStatus.failed, failure=failure.to_dict(), failed_step=step)
    bus.emit(RunEvent.failed, step=step, **failure.to_dict())
    return RunOutcome(run_id, RunStatus.failed, state, Failure.of(failure, step), step)


def _question_key(question: Question | None) -> str | None:
    if question is None:
        return None
    return hashlib.sha256(json.dumps(question.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def _answer_in_flight(run: RunRecord, saved: RunState) -> Answer | None:
    """The answer a crashed process had taken, while the run still stands at the question it answered."""
    in_flight = run.answer_in_flight
    key = _question_key(saved.get("question"))
    return in_flight.answer if in_flight is not None and key is not None and in_flight.question == key else None


def conductor_state(conductor: Conductor) -> RunState:
    try:
        return conductor.state()
    except ToolFailure:
        return {}


def check_answer(run: RunRecord, answer: str) -> Answer:
    """The parsed answer for a run that waits on a question; ``invalid_input`` when it cannot be taken."""
    question = run.question if run.status is RunStatus.waiting else None
    if question is None:
        raise ToolFailure(FailureKind.invalid_input, f"Run '{run.run_id}' is not waiting for an answer "
                          f"(it is {run.status.value}).",
                          hint=f"Resume it without an answer: goose-studio resume {run.run_id}.",
                          details={"run_id": run.run_id, "status": run.status.value})
    return parse_answer(question, answer)


def resume_run(ws: Workspace, run_id: str, subscribers: list[Subscriber] = (), answer: str | None = None) -> RunOutcome:
    """Continue a stopped run; a run waiting on the Guide needs ``answer`` (one of its question's choices).

    Without an answer a waiting run stays waiting (its outcome carries the question again). An answer for a
    run that is not waiting, or one that is not among the choices, is an ``invalid_input`` failure and
    changes nothing.
    """
    store = RunStore(ws)
    run = store.read(run_id)  # raises not_found for an unknown id
    if answer is not None:
        return execute(ws, run_id, subscribers, answer=check_answer(run, answer))
    conductor = Conductor(ws, run_id, EventBus(run_id, store.paths(run_id).events))
    if run.status is RunStatus.complete:
        return RunOutcome(run_id, RunStatus.complete, conductor_state(conductor))
    if run.status is RunStatus.waiting and run.question is not None:
        state = conductor_state(conductor)
        return RunOutcome(run_id, RunStatus.waiting, state, state.get("failure"), run.question.tab)
    return execute(ws, run_id, subscribers)


def fork_run(ws: Workspace, run_id: str, before: str, options: dict[str, Any] | None = None) -> str:
    """A new run that starts at step ``before``, with the results of the steps ahead of it taken from ``run_id``.

    Used to try another ending of a run (a different evaluation, packaging, or injected fault) without
    redoing the steps that came before: their files are shared, read-only, with the original run.
    ``options`` changes the new run's options. Returns the new run's id (run it with :func:`execute`).
    """
    if before not in TABS or before == TABS[0]:
        raise ToolFailure(FailureKind.invalid_input, f"A run can be forked before one of {', '.join(TABS[1:])}.")
    store = RunStore(ws)
    run = store.read(run_id)
    parent = Conductor(ws, run_id, EventBus(run_id, store.paths(run_id).events))
    values = conductor_state(parent)
    done = TABS[:TABS.index(before)]
    missing = [t for t in done if not values.get(t)]
    if missing:
        raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' has not completed {', '.join(missing)}.",
                          hint="Fork a run from a step after its last completed one.", details={"missing": missing})
    new_id = start_run(ws, run.source or "", {**run.options, **(options or {})})
    child = Conductor(ws, new_id, EventBus(new_id, store.paths(new_id).events))
    seeded: RunState = {"run_id": new_id, "options": RunOptions.model_validate(store.read(new_id).options),
                        **{t: values[t] for t in done}}
    child.seed(seeded, as_node=done[-1])
    store.update(new_id, forked_from=run_id, forked_before=before)
    return new_id
