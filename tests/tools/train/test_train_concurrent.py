"""Several runs at once: three `learn` runs started together in their own worker processes all end in a
core; the trainer is one per device, so the runs wait for it in a queue (run_status says "queued" with a
position) and no two trainers ever train at the same time."""
import time
from pathlib import Path

import pytest

from conftest import write_sample_repo
from goose_studio.events import read_events
from goose_studio.runner import start_run
from goose_studio.runstore import RunStore
from goose_studio.tools.registry import ToolContext
from goose_studio.tools.runs import RunStatusArgs, run_status
from goose_studio.tools.train.queue import LOCKS_ENV
from goose_studio.worker import spawn_run
from goose_studio.workspace import Workspace

pytestmark = pytest.mark.e2e  # three runs end to end, their trainers one after another: a few minutes here

FAST = {"preset": "smoke", "min_pairs": 10, "max_pairs": 24, "phrasings": 1, "brain_pass": False,
        "eval_ppl_samples": 4, "eval_generate_samples": 2, "eval_max_new_tokens": 16, "eval_probe_questions": 2,
        "eval_general_questions": 2, "check_load": False, "retrieval": False}
RUNS = 3
DONE = ("complete", "failed", "waiting", "cancelled", "interrupted")


def trainer_spans(ws: Workspace, run_id: str) -> list[tuple[float, float]]:
    """(start, end) of each trainer the run ran, from its train progress events."""
    spans, start = [], None
    for event in read_events(RunStore(ws).paths(run_id).events):
        stage = event.payload.get("stage") if event.step == ("train", "progress") else None
        if stage == "starting trainer":
            start = event.ts
        elif stage == "trainer finished" and start is not None:
            spans.append((start, event.ts))
            start = None
    return spans


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start three runs at once and follow them with run_status until all have ended."""
    base = tmp_path_factory.mktemp("concurrent")
    mp = pytest.MonkeyPatch()
    mp.setenv("GOOSE_STUDIO_HOME", str(base / "home"))
    mp.setenv(LOCKS_ENV, str(base / "locks"))  # a queue of this test's own
    mp.setenv("OMP_NUM_THREADS", "1")
    mp.setenv("HF_HUB_OFFLINE", "1")
    ws = Workspace.from_env()
    ws.ensure()
    ids = [start_run(ws, str(write_sample_repo(base / f"repo{i}")), {**FAST, "name": f"shop{i}"})
           for i in range(RUNS)]
    for run_id in ids:
        spawn_run(ws, run_id)
    ctx = ToolContext(workspace=ws)
    seen: dict[str, set[int]] = {run_id: set() for run_id in ids}
    final: dict[str, dict] = {}
    deadline = time.monotonic() + 1500
    while len(final) < RUNS and time.monotonic() < deadline:
        for run_id in ids:
            if run_id in final:
                continue
            status = run_status(RunStatusArgs(run_id=run_id, events=0), ctx)
            if status.queue_position is not None:
                seen[run_id].add(status.queue_position)
            if status.status in DONE and not status.alive:
                final[run_id] = status.model_dump(mode="json")
        time.sleep(0.2)  # polling the workers' records, as a client of run_status does
    yield {"ws": ws, "ids": ids, "seen": seen, "final": final}
    mp.undo()


def test_all_three_end_in_a_core(runs):
    assert len(runs["final"]) == RUNS, runs["final"]
    for run_id, status in runs["final"].items():
        assert status["status"] == "complete", status
        assert status["core"] and Path(status["core"]).is_file()
    assert len({status["core"] for status in runs["final"].values()}) == RUNS


def test_a_waiting_run_is_shown_queued_with_its_position(runs):
    positions = set().union(*runs["seen"].values())
    assert positions and positions <= set(range(1, RUNS))
    queued = [run_id for run_id, seen in runs["seen"].items() if seen]
    assert queued  # at least one run waited for the trainer, and run_status said so
    for run_id in queued:
        events = read_events(RunStore(runs["ws"]).paths(run_id).events)
        said = [e.payload["position"] for e in events
                if e.step == ("train", "progress") and e.payload.get("stage") == "queued"]
        assert said and set(said) >= runs["seen"][run_id]


def test_never_two_trainers_at_once(runs):
    spans = sorted(span for run_id in runs["ids"] for span in trainer_spans(runs["ws"], run_id))
    assert len(spans) >= RUNS
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end, spans
