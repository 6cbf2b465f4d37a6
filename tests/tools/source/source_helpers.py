"""Shared fixtures and helpers for the clone tool's tests: real git repositories in a temp folder (no network).

Test modules import what they use from here (``from source_helpers import ...``); pytest picks up the
imported fixtures, and ``isolated_env`` applies to every test of a module that imports it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import EventBus
from goose_studio.tools.registry import ToolContext
from goose_studio.workspace import Workspace

FAKE_TOKEN = "ghp_FAKEfakeFAKE0123456789abcdefTOKEN"


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )
    return proc.stdout.strip()


def make_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def make_plain_dir(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text("print('hi')\n")
    (root / "README.md").write_text("hello\n")
    for junk in ("node_modules/left-pad/index.js", "__pycache__/main.cpython-311.pyc", ".git/HEAD",
                 ".venv/bin/python", "env/pyvenv.cfg", "env/lib/site.py"):
        p = root / junk
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("junk\n")
    return root


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)


@pytest.fixture
def ctx(tmp_path) -> ToolContext:
    ws = Workspace.from_env()
    bus = EventBus("test-run", tmp_path / "events.jsonl")
    return ToolContext(workspace=ws, run_id="test-run", events=bus, tab="source")


@pytest.fixture
def repo(tmp_path) -> Path:
    return make_repo(
        tmp_path / "src" / "demo-lib",
        {"README.md": "# demo\n", "pkg/__init__.py": "", "pkg/core.py": "def add(a, b):\n    return a + b\n"},
    )


def expect_failure(kind: FailureKind, fn, *args) -> ToolFailure:
    with pytest.raises(ToolFailure) as info:
        fn(*args)
    failure = info.value
    assert failure.kind == kind, failure.to_dict()
    assert "Traceback" not in failure.message and "Traceback" not in json.dumps(failure.details)
    assert failure.hint
    return failure
