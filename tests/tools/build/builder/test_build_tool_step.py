"""The build_app tool in the registry, the ``build`` and ``plan`` commands, and the run graph's BUILD step
(plain library: code-only at once; an app: built, run, explored; no sandbox: the code-only fallback with
the report kept; the provenance helpers)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from builder_helpers import Recorder, build, bwrap_ready, ctx, no_real_planners, server_app, write_app, ws  # noqa: F401
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.graphs.state import BuildStep
from goose_studio.graphs.steps import build as build_step
from goose_studio.options import RunOptions
from goose_studio.tools.build.builder import BuildReport, RepairAction
from goose_studio.tools.registry import call_tool, load_all
from goose_studio.workspace import Workspace


def cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {"GOOSE_STUDIO_HOME": str(home), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "goose_studio.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_the_tool_is_registered_in_the_build_tab_and_refuses_a_missing_folder(ctx, tmp_path):
    spec = load_all()["build_app"]
    assert spec.tab == "build" and spec.open_world and not spec.primary
    with pytest.raises(ToolFailure) as err:
        call_tool("build_app", {"app_dir": str(tmp_path / "nowhere")}, ctx)
    assert err.value.kind is FailureKind.not_found


def test_progress_events_carry_build_log_lines(bwrap_ready, ctx, tmp_path):
    src = server_app(tmp_path / "chatty", extra={
        "nixpacks.toml": '[phases.build]\ncmds = ["echo compiling part one", "echo compiling part two"]\n'})
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    build_lines = [e["line"] for e in ctx.events if e.get("stage") == "build" and e.get("line")]
    assert "compiling part one" in build_lines and "compiling part two" in build_lines
    assert any(e.get("stage") == "start" and "listening on port" in str(e.get("line")) for e in ctx.events)
    assert set(report.timings) >= {"plan", "copy", "build", "start", "total"}


def test_build_and_plan_commands_print_json(bwrap_ready, tmp_path):
    src = write_app(tmp_path / "site", {"index.html": "<title>Site</title><h1>site</h1>"})
    done = cli("build", str(src), "--no-explore", "--json", home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "ran" and report["provider"] == "staticfile"
    assert report["exploration"]["reason"] == "not explored: exploring was turned off"
    done = cli("plan", str(src), "--format", "railpack", "--json", home=tmp_path / "home")
    assert done.returncode == 0 and json.loads(done.stdout)["rendered"]["detectedProviders"] == ["staticfile"]
    done = cli("build", str(tmp_path / "missing"), "--json", home=tmp_path / "home")
    assert done.returncode == 1 and json.loads(done.stdout)["failure"]["kind"] == "not_found"
    assert "Traceback" not in done.stderr


def run_step(ws: Workspace, src: Path, **opts) -> tuple[BuildStep, Path]:
    paths = ws.run_paths("build-step-test")
    paths.run_dir.mkdir(parents=True, exist_ok=True)
    state = {"source": SimpleNamespace(repo_path=str(src))}
    result = build_step.body(state, RunOptions(source=str(src), **opts), Recorder(ws), paths)
    return result, paths.run_dir


def test_the_step_indexes_a_library_and_stays_code_only_without_building(ws, tmp_path):
    src = write_app(tmp_path / "lib", {"setup.py": "from setuptools import setup\nsetup(name='lib')\n",
                                       "lib/core.py": "def add(a, b):\n    return a + b\n"})
    result, _ = run_step(ws, src)
    assert result.skipped and result.index.files >= 1
    assert result.report.status == "code-only" and result.report.build_dir is None
    summary = build_step.summary(result)
    assert {"success", "skipped", "reason", "files_indexed", "symbols", "skipped_files", "skipped_examples",
            "build_status", "repairs", "pages"} <= set(summary)
    assert build_step.build_engine(result) == "none (code-only)"


def test_the_step_builds_and_runs_an_app_and_says_so_for_the_provenance(bwrap_ready, ws, tmp_path):
    src = server_app(tmp_path / "svc", extra={".env.example": "DEBUG=1\n"})
    result, _ = run_step(ws, src)
    assert not result.skipped and result.report.status == "ran"
    assert build_step.summary(result)["build_status"] == "ran"
    assert "bubblewrap sandbox (ran)" in build_step.build_engine(result)
    assert [a["id"] for a in build_step.build_repairs(result)] == ["build:env-file"]


def test_without_a_sandbox_the_step_fails_into_the_code_only_fallback_and_keeps_the_report(ws, tmp_path,
                                                                                          monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_SANDBOX", "none")
    src = server_app(tmp_path / "unboxed")
    with pytest.raises(ToolFailure) as err:
        run_step(ws, src)
    assert err.value.kind is FailureKind.missing_dependency
    assert Path(err.value.details["report_path"]).exists()
    result, _ = run_step(ws, src, build=False)  # what the code-only fallback sets
    assert result.skipped and result.report.status == "code-only" and "sandboxing is turned off" in result.reason
    assert result.report.dockerfile is not None and result.report.dockerfile.origin == "generated"


def test_repairs_read_as_agent_actions():
    action = RepairAction(id="port", stage="start", kind="build_failed", diagnosis="d", change="c",
                          details={"asked": 1, "used": 2, "nested": {"x": 1}})
    assert action.as_agent_action() == {"agent": "repair", "tab": "build", "kind": "build_failed", "id": "build:port",
                                        "label": "c", "diagnosis": "d",
                                        "changes": {"outcome": "applied", "asked": 1, "used": 2}}
    assert BuildReport(source_dir="/x", status="code-only").exploration.explored is False


def test_a_running_app_is_explored_page_by_page_with_screenshots(bwrap_ready, ctx, tmp_path):
    src = write_app(tmp_path / "pages", {
        "index.html": "<title>Start</title><h1>Start page</h1><a href='second.html'>Second</a>",
        "second.html": "<title>Second</title><p>The second page.</p>"})
    report = build(ctx, src, explore=True, max_pages=4, screenshots_dir=str(tmp_path / "shots"))
    assert report.status == "ran" and report.exploration.explored, report.exploration.reason
    pages = {p.path: p for p in report.exploration.pages}
    assert pages["/"].title == "Start" and "Start page" in pages["/"].text and pages["/"].status == 200
    assert "/second.html" in pages
    assert all(Path(p.screenshot).stat().st_size > 0 for p in pages.values())
    assert Path(report.exploration.report_path).parent == tmp_path / "shots"
