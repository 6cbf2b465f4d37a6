"""A real nixpacks/railpack on PATH plans (here: tiny fake executables that print JSON), and is recorded as the
engine with its version; a failing one falls back to the studio's rules with a note saying so."""

from __future__ import annotations

import json
import os
from pathlib import Path

from goose_studio.tools.build.plan import make_plan
from plan_helpers import no_real_tools, write_app  # noqa: F401  (fixture)

NIX_OUT = {"providers": [], "buildImage": "img", "variables": {"NIXPACKS_METADATA": "node"},
           "phases": {"install": {"cmds": ["npm ci"]}, "build": {"cmds": ["npm run build"]}},
           "start": {"cmd": "npm run start"}}
RAIL_OUT = {"railpackVersion": "0.9.1", "detectedProviders": ["python"], "success": True,
            "plan": {"steps": [{"name": "install", "commands": [{"cmd": "pip install -r requirements.txt"}]}],
                     "deploy": {"startCommand": "python main.py"}}}


def fake_tool(bin_dir: Path, name: str, version: str, output: str, exit_code: int = 0) -> Path:
    args_file = bin_dir / f"{name}.args"
    script = bin_dir / name
    quoted = output.replace("'", "'\\''")
    # only shell built-ins: the tests run with a PATH that holds nothing but this folder
    script.write_text(f"#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo '{name} {version}'; exit 0; fi\n"
                      f"echo \"$@\" > '{args_file}'\nprintf '%s\\n' '{quoted}'\nexit {exit_code}\n")
    os.chmod(script, 0o755)
    return args_file


def test_real_nixpacks_on_path_plans_and_is_recorded(tmp_path, no_real_tools):
    args_file = fake_tool(no_real_tools, "nixpacks", "1.39.0", json.dumps(NIX_OUT))
    app = write_app(tmp_path / "app", {"package.json": "{}"})
    result = make_plan(app, "nixpacks", {"NIXPACKS_NODE_VERSION": "20"})
    assert (result.engine, result.engine_version, result.status) == ("nixpacks", "1.39.0", "planned")
    assert result.rendered == NIX_OUT
    assert result.plan.provider == "node" and result.plan.start.command == "npm run start"
    assert result.plan.shell_commands("install") == ["npm ci"]
    args = args_file.read_text().split()
    assert args[:4] == ["plan", str(app.resolve()), "--format", "json"]
    assert args[4:] == ["--env", "NIXPACKS_NODE_VERSION=20"]
    assert "real nixpacks" in result.note


def test_real_railpack_on_path_plans_and_is_recorded(tmp_path, no_real_tools):
    args_file = fake_tool(no_real_tools, "railpack", "0.9.1", json.dumps(RAIL_OUT))
    app = write_app(tmp_path / "app", {"requirements.txt": ""})
    result = make_plan(app, "railpack")
    assert (result.engine, result.engine_version, result.status) == ("railpack", "0.9.1", "planned")
    assert result.plan.provider == "python" and result.plan.start.command == "python main.py"
    assert result.plan.shell_commands("install") == ["pip install -r requirements.txt"]
    assert args_file.read_text().split()[:1] == ["info"]


def test_real_railpack_reporting_no_app(tmp_path, no_real_tools):
    out = {"logs": [{"level": "error", "msg": "Railpack could not determine how to build the app."}]}
    fake_tool(no_real_tools, "railpack", "0.9.1", json.dumps(out), exit_code=1)
    result = make_plan(write_app(tmp_path / "empty", {"notes.txt": ""}), "railpack")
    assert (result.engine, result.status) == ("railpack", "no-app")
    assert "could not determine" in result.reason and result.plan is None


def test_failing_real_tool_falls_back_to_the_studio(tmp_path, no_real_tools):
    fake_tool(no_real_tools, "nixpacks", "1.39.0", "thread 'main' panicked", exit_code=101)
    app = write_app(tmp_path / "app", {"package.json": '{"scripts": {"start": "node a.js"}}'})
    result = make_plan(app, "nixpacks")
    assert result.engine == "goose-studio" and result.status == "planned"
    assert "failed" in result.note and result.rendered["start"]["cmd"] == "npm run start"


def test_without_a_binary_the_studio_plans_and_says_so(tmp_path):
    result = make_plan(write_app(tmp_path / "app", {"go.mod": "module a\n\ngo 1.22\n", "main.go": ""}), "railpack")
    assert result.engine == "goose-studio" and result.engine_version is None
    assert "not on PATH" in result.note and result.rendered["detectedProviders"] == ["golang"]
