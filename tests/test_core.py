"""Workspace, events, error and registry contracts."""
import json

import pytest
from pydantic import BaseModel

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import EventBus, read_events
from goose_studio.tools.registry import REGISTRY, ToolContext, call_tool, load_all
from goose_studio.workspace import SUBDIRS, Workspace


def test_workspace_layout_under_env_home(studio_home):
    ws = Workspace.from_env()
    assert ws.root == studio_home
    assert sorted(p.name for p in studio_home.iterdir()) == sorted(SUBDIRS)


def test_run_ids_are_validated_and_unknown_runs_are_typed(studio_home):
    ws = Workspace.from_env()
    with pytest.raises(ToolFailure) as bad:
        ws.run_dir("../etc")
    assert bad.value.kind is FailureKind.invalid_input
    with pytest.raises(ToolFailure) as missing:
        ws.read_run("no-such-run-123")
    assert missing.value.kind is FailureKind.not_found


def test_events_are_appended_and_fanned_out(tmp_path):
    seen = []
    bus = EventBus("r1", tmp_path / "events.jsonl")
    bus.subscribe(seen.append)
    bus.step("train", "progress", step=3, total=10, loss=1.5, eta_sec=12)
    bus.step("train", "complete", adapter_path="/x", loss=0.4)
    with (tmp_path / "events.jsonl").open("a") as fh:
        fh.write('{"truncated": ')  # a line cut short by a crash is ignored
    events = read_events(tmp_path / "events.jsonl")
    assert [e.type for e in events] == ["step.train.progress", "step.train.complete"]
    assert events[0].payload == {"step": 3, "total": 10, "loss": 1.5, "eta_sec": 12}
    assert [e.type for e in seen] == [e.type for e in events]
    with pytest.raises(ValueError):
        bus.step("nowhere", "started")


def test_failure_round_trips():
    f = ToolFailure("oom", "ran out", hint="smaller batch", details={"step": 4})
    again = ToolFailure.from_dict(json.loads(json.dumps(f.to_dict())))
    assert (again.kind, again.message, again.hint, again.details) == (FailureKind.oom, "ran out", "smaller batch", {"step": 4})
    with pytest.raises(ValueError):
        ToolFailure("not-a-kind", "x")


def test_registry_holds_every_tool_with_schemas():
    tools = load_all()
    for name in ("clone", "index_code", "generate_pairs", "prepare_model", "train", "evaluate", "package", "validate"):
        spec = tools[name]
        assert issubclass(spec.args_model, BaseModel) and issubclass(spec.result_model, BaseModel)
        assert spec.description and spec.input_schema()["type"] == "object"
    assert REGISTRY is tools


def test_call_tool_rejects_bad_arguments_with_a_typed_failure(studio_home):
    ctx = ToolContext(workspace=Workspace.from_env())
    with pytest.raises(ToolFailure) as exc:
        call_tool("train", {"model_path": 3}, ctx)
    assert exc.value.kind is FailureKind.invalid_input
    assert "dataset_dir" in " ".join(exc.value.details["errors"])
    with pytest.raises(ToolFailure) as unknown:
        call_tool("no_such_tool", {}, ctx)
    assert unknown.value.kind is FailureKind.invalid_input
