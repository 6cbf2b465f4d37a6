from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from minitask.errors import DuplicateTaskError, HookError, NotFoundError, SchemaVersionError, StorageError
from minitask.hooks import HookRegistry
from minitask.models import Status
from minitask.storage import SCHEMA_VERSION, JsonStore, MemoryStore, migrate


def test_memory_store_crud(make_task):
    store = MemoryStore()
    created = store.create("First", tags=["a"])
    assert created.id == 1
    store.add(make_task(5, "Fifth"))
    assert store.allocate_id() == 6
    with pytest.raises(DuplicateTaskError, match="id 5 already exists"):
        store.add(make_task(5, "Again"))
    store.update(created.with_changes(title="Renamed"))
    assert store.get(1).title == "Renamed"
    assert store.remove(5).title == "Fifth"
    with pytest.raises(NotFoundError, match="no task with id 5"):
        store.get(5)
    assert len(store) == 1


def test_store_returns_copies():
    store = MemoryStore()
    task = store.create("Original")
    task.title = "Changed outside"
    assert store.get(task.id).title == "Original"


def test_complete_spawns_next_occurrence():
    store = MemoryStore()
    task = store.create("Standup notes", due=date(2025, 6, 9), recurrence="daily")
    done, follow_up = store.complete(task.id, when=datetime(2025, 6, 11, 10, 0))
    assert done.status is Status.DONE
    assert follow_up is not None and follow_up.due == date(2025, 6, 12)
    assert [t.id for t in store.find(lambda t: t.status is Status.OPEN)] == [follow_up.id]


def test_hooks_receive_events():
    registry = HookRegistry()
    seen: list[tuple[str, int]] = []

    @registry.on("task_added")
    def added(task, **_):
        seen.append(("added", task.id))

    @registry.on("task_completed", priority=5)
    def completed(task, **_):
        seen.append(("completed", task.id))

    store = MemoryStore(hooks=registry)
    store.create("Hooked")
    store.complete(1)
    assert seen == [("added", 1), ("completed", 1)]


def test_hook_registry_errors_and_failures():
    registry = HookRegistry()
    with pytest.raises(HookError, match="unknown event 'task_moved'"):
        registry.register("task_moved", print)

    def broken(**_):
        raise RuntimeError("boom")

    registry.register("task_added", broken)
    assert registry.emit("task_added") == []
    assert registry.failures[0].hook_name.endswith("broken")
    registry.strict = True
    with pytest.raises(HookError, match="failed on 'task_added': boom"):
        registry.emit("task_added")
    registry.unregister("task_added", broken)
    with pytest.raises(HookError, match="is not registered"):
        registry.unregister("task_added", broken)


def test_json_store_persists(tmp_path):
    path = tmp_path / "tasks.json"
    store = JsonStore(path)
    store.create("Persist me", tags=["x"], due=date(2025, 7, 1))
    store.create("And me")
    store.remove(2)
    reopened = JsonStore(path)
    assert [t.title for t in reopened.all()] == ["Persist me"]
    assert reopened.allocate_id() == 3
    document = json.loads(path.read_text())
    assert document["schema"] == SCHEMA_VERSION
    assert [p.name for p in tmp_path.iterdir()] == ["tasks.json"]


def test_json_store_missing_or_empty_file(tmp_path):
    assert len(JsonStore(tmp_path / "absent.json")) == 0
    (tmp_path / "empty.json").write_text("  \n")
    assert len(JsonStore(tmp_path / "empty.json")) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[]", "must contain a JSON object, not list"),
        ('{"schema": 2, "tasks": [{"id": 1, "title": ""}]}', "task #1 is invalid: task title must not be empty"),
        ('{"schema": "two"}', "schema version must be a positive integer"),
    ],
)
def test_json_store_reports_corrupt_files(tmp_path, content, message):
    path = tmp_path / "tasks.json"
    path.write_text(content)
    with pytest.raises(StorageError, match=message):
        JsonStore(path)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps({"schema": SCHEMA_VERSION + 1, "tasks": []}))
    with pytest.raises(SchemaVersionError, match="please upgrade") as info:
        JsonStore(path)
    assert info.value.found == SCHEMA_VERSION + 1


def test_migrate_from_version_1():
    legacy = {"tasks": [
        {"id": 3, "title": "Old task", "done": True, "priority": 3, "tags": "work, urgent"},
        {"id": 1, "title": "Older task", "tags": ""},
    ]}
    document = migrate(legacy)
    assert document["schema"] == 2 and document["next_id"] == 4
    first = document["tasks"][0]
    assert (first["status"], first["priority"], first["tags"]) == ("done", "high", ["work", "urgent"])
    assert "done" in legacy["tasks"][0], "the input document must not be modified"


def test_json_store_loads_version_1_file(tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps({"tasks": [{"id": 2, "title": "Legacy", "done": False, "priority": 1}]}))
    store = JsonStore(path)
    assert store.get(2).priority.label == "low"
    store.create("New")
    assert json.loads(path.read_text())["schema"] == SCHEMA_VERSION
