"""One trainer per device: runs wait for it in a first-come queue, and a dead waiter never blocks it."""
import json
import os
import queue
import subprocess
import sys
import threading

from goose_studio.tools.train import queue_state, trainer_slot
from goose_studio.tools.train.queue import LOCKS_ENV, SLOTS_ENV


def until(condition, timeout: float = 10.0) -> bool:
    """Poll ``condition`` (another thread's progress) until it holds or ``timeout`` passes."""
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return True
        done.wait(0.01)
    return condition()


def holder(device: str, label: str, positions: list, got: threading.Event, release: threading.Event):
    def run():
        with trainer_slot(device, label, on_wait=positions.append, poll_s=0.01):
            got.set()
            release.wait(30)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_runs_wait_in_turn_and_see_their_place_in_line(tmp_path, monkeypatch):
    monkeypatch.setenv(LOCKS_ENV, str(tmp_path))
    waits = {name: [] for name in "abc"}
    got = {name: threading.Event() for name in "abc"}
    release = {name: threading.Event() for name in "abc"}
    order = queue.Queue()
    threads = {}
    for name in "abc":
        threads[name] = holder("cpu", name, waits[name], got[name], release[name])
        if name == "a":
            assert got["a"].wait(10)
        else:
            assert until(lambda: waits[name])  # it queued: its first position is reported
    assert waits["b"][0] == 1 and waits["c"][0] == 2
    state = queue_state("cpu")
    assert [h["label"] for h in state["running"]] == ["a"] and [w["label"] for w in state["waiting"]] == ["b", "c"]
    assert not got["b"].is_set() and not got["c"].is_set()
    release["a"].set()
    assert got["b"].wait(10) and not got["c"].is_set()  # first come, first served
    assert until(lambda: waits["c"][-1] == 1)
    release["b"].set()
    assert got["c"].wait(10)
    release["c"].set()
    for t in threads.values():
        t.join(10)
    assert queue_state("cpu") == {"device": "cpu", "slots": 1, "running": [], "waiting": []}


def test_more_trainers_per_device_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv(LOCKS_ENV, str(tmp_path))
    monkeypatch.setenv(SLOTS_ENV, "2")
    got = [threading.Event(), threading.Event()]
    release = threading.Event()
    threads = [holder("cpu", str(i), [], got[i], release) for i in range(2)]
    assert got[0].wait(10) and got[1].wait(10)
    release.set()
    for t in threads:
        t.join(10)


def test_a_waiter_that_died_is_passed_over_and_a_dead_holder_frees_its_slot(tmp_path, monkeypatch):
    monkeypatch.setenv(LOCKS_ENV, str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "cpu" / "queue").mkdir(parents=True)
    (tmp_path / "cpu" / "queue" / "00000000000000000001-1-aaaaaa.ticket").write_text(
        json.dumps({"pid": int(dead.stdout), "start": "1", "label": "gone"}))
    code = ("import sys, time\nfrom goose_studio.tools.train import trainer_slot\n"
            "with trainer_slot('cpu', 'child'):\n    print('held', flush=True)\n    time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, LOCKS_ENV: str(tmp_path)},
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"  # the dead ticket ahead of it did not block it
    got, done = threading.Event(), threading.Event()
    waits: list = []
    thread = holder("cpu", "me", waits, got, done)
    assert until(lambda: waits) and not got.is_set()
    child.kill()  # killed while holding the slot: the kernel drops its lock
    child.wait()
    assert got.wait(10)
    done.set()
    thread.join(10)
