"""The ``plan`` tool in the registry: arguments, result, and typed failures for bad input."""

from __future__ import annotations

import json

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.build.plan import PlanResult
from goose_studio.tools.registry import ToolContext, call_tool, get_spec
from goose_studio.workspace import Workspace
from plan_helpers import no_real_tools, write_app  # noqa: F401  (fixture)


@pytest.fixture
def ctx(tmp_path) -> ToolContext:
    return ToolContext(workspace=Workspace(tmp_path / "home"))


def test_plan_tool_is_registered_on_the_build_tab():
    spec = get_spec("plan")
    assert spec.tab == "build" and spec.read_only and spec.result_model is PlanResult
    props = spec.input_schema()["properties"]
    assert set(props) == {"app_dir", "format", "env"}
    assert props["format"]["default"] == "nixpacks"


@pytest.mark.parametrize("fmt", ["nixpacks", "railpack"])
def test_plan_tool_plans_a_folder(tmp_path, ctx, fmt):
    app = write_app(tmp_path / "app", {"package.json": json.dumps({"scripts": {"start": "node a.js"}})})
    result = call_tool("plan", {"app_dir": str(app), "format": fmt, "env": {"CI": "1"}}, ctx)
    assert isinstance(result, PlanResult) and result.status == "planned" and result.format == fmt
    assert result.plan.start.command == "npm run start"
    assert result.engine == "goose-studio"


def test_plan_tool_no_app_is_a_result_not_a_failure(tmp_path, ctx):
    app = write_app(tmp_path / "docs", {"notes.md": "# notes\n"})
    result = call_tool("plan", {"app_dir": str(app)}, ctx)
    assert result.status == "no-app" and result.looked_for


def _failure(ctx, args) -> ToolFailure:
    with pytest.raises(ToolFailure) as info:
        call_tool("plan", args, ctx)
    return info.value


def test_plan_tool_bad_input(tmp_path, ctx):
    assert _failure(ctx, {"app_dir": str(tmp_path / "missing")}).kind is FailureKind.not_found
    (tmp_path / "file.txt").write_text("x")
    assert _failure(ctx, {"app_dir": str(tmp_path / "file.txt")}).kind is FailureKind.invalid_input
    assert _failure(ctx, {"app_dir": str(tmp_path), "format": "docker"}).kind is FailureKind.invalid_input
    broken = write_app(tmp_path / "broken", {"railpack.json": "{not json"})
    failure = _failure(ctx, {"app_dir": str(broken), "format": "railpack"})
    assert failure.kind is FailureKind.invalid_input and failure.details["format"] == "railpack"
