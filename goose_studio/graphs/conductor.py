"""The conductor: a LangGraph graph that moves a run through SOURCE → BUILD → PREPARE → TRAIN → TEST → PUBLISH.

Each tab is a node that calls registered tools (the Step agent, :mod:`.steps`). A failing tab records its
typed failure in the state instead of raising, and one routing table (``agents.policy``) sends the run on
(:mod:`.recovery`): ``retry`` (transient, with backoff), ``repair`` (a rule from ``agents/rules/repairs.yaml``
changes the run and the step runs again), ``fallback`` (an alternative from ``fallbacks.yaml``), or ``guide``
(the user is told what is needed and offered choices; the graph waits in ``interrupt()`` and continues with
``Command(resume=answer)``). Repairs and fallbacks may send the run back to an earlier tab (TEST's low score
→ TRAIN): those are edges of this graph. Budgets per step and per run make every run end, in a core or in
a Guide question.

State (:mod:`.state`) is checkpointed to SQLite after every node (durability "sync"), so a crashed or killed
run resumes from the last completed node; inside TRAIN the trainer itself resumes from its last saved
checkpoint.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any, Callable

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from ..errors import Failure, FailureKind, ToolFailure, internal_failure
from ..events import TABS, EventBus
from ..runstore import Answer, RunStatus, RunStore
from ..tools.registry import ToolContext
from ..workspace import Workspace
from .recovery import AGENT_NODES, Recovery
from .state import RunState, checkpoint_types, options_of
from .steps import Body, body, summary, verdict


class Conductor(Recovery):
    """Builds and runs the graph for one run, with the run's workspace and event bus at hand."""

    def __init__(self, ws: Workspace, run_id: str, bus: EventBus, brain: Any = None) -> None:
        self.ws = ws
        self.run_id = run_id
        self.bus = bus
        self.paths = ws.run_paths(run_id)
        self.store = RunStore(ws)
        self._brain = brain

    # -- the Step agent: one node per tab -------------------------------------------------------------
    def _node(self, tab: str, step: Body) -> Callable[[RunState], dict[str, Any]]:
        later = TABS[TABS.index(tab) + 1:]

        def run(state: RunState) -> dict[str, Any]:
            self.store.update(self.run_id, status=RunStatus.running, step=tab)
            self.bus.step(tab, "started")
            started = time.monotonic()
            opts = options_of(state)
            ctx = ToolContext(workspace=self.ws, run_id=self.run_id, events=self.bus, tab=tab)
            try:
                result = step(state, opts, ctx, self.paths)
            except ToolFailure as failure:
                return self._failed(tab, failure)
            except Exception as exc:  # a bug or an unexpected library error: typed here, routed like any failure
                return self._failed(tab, internal_failure(exc, self.paths.logs / "error.log", tab))
            elapsed = round(time.monotonic() - started, 2)
            failure = verdict(tab, result, opts)
            if failure is not None:  # the step ran, but its result does not pass (TEST's score)
                return {tab: result, "elapsed": {tab: elapsed}, **self._failed(tab, failure)}
            phase = "skipped" if getattr(result, "skipped", False) else "complete"
            self.bus.step(tab, phase, **summary(tab, result), elapsed_s=elapsed)
            # later results are stale now
            return {tab: result, "elapsed": {tab: elapsed}, "failure": None, **{t: None for t in later}}

        return run

    def _failed(self, tab: str, failure: ToolFailure) -> dict[str, Any]:
        self.bus.step(tab, "failed", **failure.to_dict())
        return {"failure": Failure.of(failure, tab)}

    # -- the graph ------------------------------------------------------------------------------------
    def graph(self, checkpointer: SqliteSaver):
        builder = StateGraph(RunState)
        for tab in TABS:
            builder.add_node(tab, self._node(tab, body(tab)))
        for name in AGENT_NODES:
            builder.add_node(name, getattr(self, name))
        builder.add_edge(START, TABS[0])
        on_failure = {name: name for name in ("retry", "repair", "fallback", "guide")}
        for i, tab in enumerate(TABS):
            nxt = TABS[i + 1] if i + 1 < len(TABS) else END

            def after(state: RunState, nxt: str = nxt) -> str:
                return self.route_failure(state) if state.get("failure") else nxt

            builder.add_conditional_edges(tab, after, {**on_failure, nxt: nxt})
        back = {tab: tab for tab in TABS}
        for name in ("retry", "repair", "fallback"):
            builder.add_conditional_edges(name, lambda s: s["resume_at"], back)
        builder.add_edge("guide", "ask")
        builder.add_conditional_edges("ask", lambda s: s["resume_at"], {**back, "ask": "ask"})
        return builder.compile(checkpointer=checkpointer)

    def _saver(self) -> tuple[sqlite3.Connection, SqliteSaver]:
        try:
            conn = sqlite3.connect(str(self.paths.checkpoints), check_same_thread=False)
            saver = SqliteSaver(conn, serde=JsonPlusSerializer(allowed_msgpack_modules=checkpoint_types()))
            saver.setup()
        except sqlite3.DatabaseError as exc:
            raise ToolFailure(FailureKind.corrupted, f"The run's checkpoint database is unreadable: {exc}.",
                              hint=f"Start the run again with `goose-studio learn <source>`; the old folder "
                                   f"{self.paths.run_dir} is kept for inspection.") from None
        return conn, saver

    @staticmethod
    def _config(run_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": run_id}}

    def run(self, initial: RunState | None, answer: Answer | None = None) -> tuple[RunState, bool]:
        """Start (``initial``), resume (``None``) or answer (``answer``) the run.

        Returns the state and whether the run now waits for an answer to the Guide's question.
        """
        conn, saver = self._saver()
        try:
            graph = self.graph(saver)
            config = self._config(self.run_id)
            if answer is not None:
                graph.invoke(Command(resume=answer.model_dump()), config, durability="sync")
            elif initial is not None or graph.get_state(config).next:
                snapshot = graph.get_state(config)
                if initial is None and snapshot.next == ("ask",) and snapshot.interrupts:
                    return snapshot.values, True  # still waiting: nothing to do without an answer
                graph.invoke(initial, config, durability="sync")
            snapshot = graph.get_state(config)
            return snapshot.values, bool(snapshot.next)
        finally:
            conn.close()

    def seed(self, values: RunState, as_node: str) -> None:
        """Write ``values`` as if node ``as_node`` had just completed (the run continues after it)."""
        conn, saver = self._saver()
        try:
            self.graph(saver).update_state(self._config(self.run_id), values, as_node=as_node)
        finally:
            conn.close()

    def state(self) -> RunState:
        conn, saver = self._saver()
        try:
            return self.graph(saver).get_state(self._config(self.run_id)).values
        finally:
            conn.close()

    def completed_steps(self) -> list[str]:
        values = self.state()
        return [t for t in TABS if values.get(t)]
