"""Background runs: a detached worker per run, its status after it dies, cancelling it, and `learn --detach`."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import studio_cli, write_sample_repo
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import read_events
from goose_studio.procs import process_alive
from goose_studio.runner import execute, start_run
from goose_studio.runstore import RunStatus, RunStore
from goose_studio.worker import cancel_run, spawn_run
from goose_studio.workspace import Workspace

SMOKE = {"preset": "smoke", "min_pairs": 10, "eval_generate_samples": 2, "eval_probe_questions": 4,
         "eval_general_questions": 4}


@pytest.fixture
def ws(studio_home: Path) -> Workspace:
    return Workspace.from_env()


def read(ws: Workspace, run_id: str) -> dict:
    """The run's record as JSON data."""
    return RunStore(ws).read(run_id).model_dump(mode="json")


def run_info(ws: Workspace, run_id: str) -> dict:
    """The run's record as JSON data, with its effective status and whether a process owns it."""
    info = RunStore(ws).info(run_id)
    return {**info.record.model_dump(mode="json"), "status": info.status.value,
            "recorded_status": info.record.status.value, "alive": info.alive, "resumable": info.resumable}


def wait_for(predicate, timeout_s: float, what: str):
    """Poll another process's state until ``predicate()`` is truthy; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout_s} s waiting for {what}")


def test_a_spawned_run_that_fails_fast_waits_with_its_kind(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "nowhere"), SMOKE)
    pid = spawn_run(ws, run_id)
    assert read(ws, run_id)["worker_pid"] == pid
    info = wait_for(lambda: (i := run_info(ws, run_id))["status"] not in ("created", "starting", "running") and i,
                    120, "the worker to finish")
    assert info["status"] == "waiting" and info["recorded_status"] == "waiting"
    assert info["failure"]["kind"] == FailureKind.not_found.value and info["question"]["tab"] == "source"
    assert info["failed_step"] == "source" and info["resumable"] is True
    wait_for(lambda: not process_alive(pid), 30, "the worker process to exit")
    log = (ws.run_dir(run_id) / "logs" / "worker.log").read_text()
    assert run_id in log and "Traceback" not in log


def test_cancelling_a_running_run_stops_its_worker(ws, tmp_path):
    run_id = start_run(ws, str(write_sample_repo(tmp_path / "inventory")), SMOKE)
    pid = spawn_run(ws, run_id)
    wait_for(lambda: read(ws, run_id).get("status") == "running", 120, "the run to start running")
    with pytest.raises(ToolFailure) as twice:
        spawn_run(ws, run_id, resume=True)  # one worker per run
    assert twice.value.kind == FailureKind.invalid_input and twice.value.details["pid"] == pid
    result = cancel_run(ws, run_id)
    assert result.status is RunStatus.cancelled and result.was_running is True
    assert not process_alive(pid)
    info = run_info(ws, run_id)
    assert info["status"] == "cancelled" and info["alive"] is False and info["resumable"] is True
    types = [e.type for e in read_events(ws.run_dir(run_id) / "events.jsonl")]
    assert "run.interrupted" in types and types[-1] == "run.cancelled"


def test_a_killed_worker_reads_as_interrupted_and_can_still_be_cancelled(ws, tmp_path):
    run_id = start_run(ws, str(write_sample_repo(tmp_path / "inventory")), SMOKE)
    pid = spawn_run(ws, run_id)
    wait_for(lambda: read(ws, run_id).get("status") == "running", 120, "the run to start running")
    os.killpg(pid, signal.SIGKILL)
    wait_for(lambda: not process_alive(pid), 30, "the killed worker to be gone")
    info = run_info(ws, run_id)
    assert info["recorded_status"] == "running"  # the worker had no chance to say anything
    assert info["status"] == "interrupted" and info["resumable"] is True and info["alive"] is False
    result = cancel_run(ws, run_id)
    assert result.model_dump(mode="json") == {"run_id": run_id, "status": "cancelled", "was_running": False,
                                              "step": info["step"]}


def test_a_recorded_pid_that_belongs_to_another_process_is_not_the_worker(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "x"), SMOKE)
    RunStore(ws).update(run_id, status=RunStatus.running, worker_pid=os.getpid(), worker_start="1")  # alive, but started otherwise
    assert run_info(ws, run_id)["status"] == "interrupted"


def test_a_complete_run_cannot_be_cancelled_or_resumed(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "x"), SMOKE)
    RunStore(ws).update(run_id, status=RunStatus.complete, core=str(tmp_path / "x.gcpkg"))
    with pytest.raises(ToolFailure) as cancelled:
        cancel_run(ws, run_id)
    assert cancelled.value.kind == FailureKind.invalid_input
    with pytest.raises(ToolFailure) as resumed:
        spawn_run(ws, run_id, resume=True)
    assert resumed.value.kind == FailureKind.invalid_input


def test_unknown_run_is_not_found(ws):
    with pytest.raises(ToolFailure) as err:
        spawn_run(ws, "no-such-run-0000")
    assert err.value.kind == FailureKind.not_found


def test_learn_detach_prints_the_run_id_and_returns(studio_home, ws, tmp_path):
    env = {**os.environ, "GOOSE_STUDIO_HOME": str(studio_home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([*studio_cli(), "learn", str(tmp_path / "absent"), "--detach", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    started = json.loads(proc.stdout)
    assert started["status"] == "starting" and started["worker_pid"] > 0
    info = wait_for(lambda: (i := run_info(ws, started["run_id"]))["status"] == "waiting" and i, 120,
                    "the detached run to stop at the Guide")
    assert info["failure"]["kind"] == "not_found"


def test_spawn_run_adds_env_to_the_workers_environment(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "nowhere"), SMOKE)
    pid = spawn_run(ws, run_id, env={"GOOSE_STUDIO_LLM_MODEL": "host-sampling", "GOOSE_STUDIO_HOME": "/elsewhere"})
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")  # the worker imports for a while first
    assert b"GOOSE_STUDIO_LLM_MODEL=host-sampling" in environ
    assert f"GOOSE_STUDIO_HOME={ws.root}".encode() in environ  # the run's workspace always wins
    wait_for(lambda: not process_alive(pid), 120, "the worker process to exit")


def test_answering_the_moment_a_run_waits_takes_the_answer_after_its_worker_has_gone(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "nowhere"), SMOKE)
    first = spawn_run(ws, run_id)
    question = wait_for(lambda: (r := read(ws, run_id)).get("status") == "waiting" and r["question"], 120,
                        "the run to wait on the Guide")
    assert "other-source" in {c["id"] for c in question["choices"]}
    second = spawn_run(ws, run_id, answer=f"other-source={tmp_path / 'elsewhere'}")
    assert second != first and not process_alive(first)  # one worker at a time
    wait_for(lambda: not process_alive(second), 120, "the answering worker to exit")
    run = read(ws, run_id)
    assert run["status"] == "waiting" and str(tmp_path / "elsewhere") in json.dumps(run["failure"])
    types = [e.type for e in read_events(ws.run_dir(run_id) / "events.jsonl")]
    assert types.count("run.waiting") == 2 and types.count("run.answered") == 1
    assert "Traceback" not in (ws.run_dir(run_id) / "logs" / "worker.log").read_text()


def test_a_worker_killed_right_after_taking_an_answer_resumes_with_that_answer(ws, tmp_path):
    run_id = start_run(ws, str(tmp_path / "nowhere"), SMOKE)
    waiting = execute(ws, run_id)
    assert waiting.status is RunStatus.waiting
    repo = write_sample_repo(tmp_path / "inventory")
    pid = spawn_run(ws, run_id, answer=f"other-source={repo}",
                    env={"GOOSE_STUDIO_FAULTS": "answer:stall", "GOOSE_STUDIO_FAULT_STALL_S": "120"})
    events = ws.run_dir(run_id) / "events.jsonl"
    wait_for(lambda: any(e.type == "agent.guide.answered" for e in read_events(events)), 120,
             "the worker to take the answer")
    os.killpg(pid, signal.SIGKILL)
    wait_for(lambda: not process_alive(pid), 30, "the killed worker to be gone")
    info = run_info(ws, run_id)
    assert info["status"] == "interrupted" and info["resumable"] and not info.get("question")

    # No answer this time: the one taken before the kill is applied. (A PREPARE fault ends the run early.)
    resumed = spawn_run(ws, run_id, resume=True, env={"GOOSE_STUDIO_FAULTS": "prepare:too_few_pairs*always"})
    wait_for(lambda: not process_alive(resumed), 300, "the resumed run to finish")
    run = read(ws, run_id)
    assert run["status"] == "waiting" and run["question"]["tab"] == "prepare", run
    assert run["answer_in_flight"] is None
    types = [e.type for e in read_events(events)]
    assert types.count("step.source.complete") == 1 and types.count("run.answered") == 1
    assert [e.payload.get("answer") for e in read_events(events) if e.type == "run.resumed"] == \
        [{"choice": "other-source", "value": str(repo)}]
    assert "Traceback" not in (ws.run_dir(run_id) / "logs" / "worker.log").read_text()


def test_an_error_a_library_makes_of_a_stop_is_the_stop_not_a_failure(tmp_path):
    from goose_studio.errors import STOP_REQUESTED, internal_failure

    assert internal_failure(ValueError("a bug"), tmp_path / "error.log", "source").kind == FailureKind.internal
    STOP_REQUESTED.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            internal_failure(RuntimeError("SchemaError: ... KeyboardInterrupt: signal 15"), tmp_path / "e.log", "source")
    finally:
        STOP_REQUESTED.clear()
