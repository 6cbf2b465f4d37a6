"""The workspace layout, run paths and the run store (the one writer of run.json)."""
import json
import threading

import pytest

from goose_studio.errors import Failure, FailureKind, ToolFailure
from goose_studio.runstore import RunStatus, RunStore, effective_status
from goose_studio.workspace import SUBDIRS, Workspace


def test_workspace_layout_under_env_home(studio_home):
    ws = Workspace.from_env()
    assert ws.root == studio_home
    assert sorted(p.name for p in studio_home.iterdir()) == sorted(SUBDIRS)
    paths = ws.run_paths("demo-run-1")
    assert paths.run_json == studio_home / "runs" / "demo-run-1" / "run.json"
    assert paths.dataset_dir == studio_home / "data" / "generated" / "demo-run-1"
    assert paths.output_dir == studio_home / "output" / "demo-run-1"


def test_run_ids_are_validated_and_unknown_runs_are_typed(studio_home):
    ws = Workspace.from_env()
    with pytest.raises(ToolFailure) as bad:
        ws.run_dir("../etc")
    assert bad.value.kind is FailureKind.invalid_input
    with pytest.raises(ToolFailure) as missing:
        RunStore(ws).read("no-such-run-123")
    assert missing.value.kind is FailureKind.not_found


def test_the_store_keeps_fields_it_was_not_asked_to_change(studio_home):
    store = RunStore(Workspace.from_env())
    store.create("demo-run-1", "/src", {"model": "embedded"})
    store.update("demo-run-1", status=RunStatus.running, step="train")
    store.update("demo-run-1", failure=Failure(kind=FailureKind.oom, message="ran out", tab="train"))
    record = store.read("demo-run-1")
    assert (record.status, record.step, record.options, record.failure.kind) == (
        RunStatus.running, "train", {"model": "embedded"}, FailureKind.oom)
    on_disk = json.loads(store.paths("demo-run-1").run_json.read_text())
    assert on_disk["status"] == "running" and on_disk["failure"]["tab"] == "train"


def test_concurrent_updates_lose_no_field(studio_home):
    store = RunStore(Workspace.from_env())
    store.create("demo-run-2", "/src", {})
    fields = [{"core": "/c.gcpkg"}, {"quality_score": 42.0}, {"step": "test"}, {"forked_from": "x-run-1"}]
    threads = [threading.Thread(target=store.update, args=("demo-run-2",), kwargs=f) for f in fields * 5]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    record = store.read("demo-run-2")
    assert (record.core, record.quality_score, record.step, record.forked_from) == ("/c.gcpkg", 42.0, "test", "x-run-1")


def test_a_running_run_without_its_process_reads_as_interrupted(studio_home):
    store = RunStore(Workspace.from_env())
    store.create("demo-run-3", "/src", {})
    record = store.update("demo-run-3", status=RunStatus.running, pid=2 ** 22 + 17, pid_start="1")
    assert effective_status(record) is RunStatus.interrupted
    info = store.info("demo-run-3")
    assert (info.status, info.alive, info.resumable) == (RunStatus.interrupted, False, True)


def test_an_unreadable_record_is_listed_and_is_a_typed_failure(studio_home):
    ws = Workspace.from_env()
    store = RunStore(ws)
    store.create("demo-run-4", "/src", {})
    store.paths("demo-run-4").run_json.write_text("{ not json")
    assert [r.status for r in store.list()] == [RunStatus.unreadable]
    with pytest.raises(ToolFailure) as exc:
        store.read("demo-run-4")
    assert exc.value.kind is FailureKind.corrupted
