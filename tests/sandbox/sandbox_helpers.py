"""Shared fixtures for the sandbox tests: a workspace whose repos/ holds one app folder, and a real
bubblewrap backend over it.

Tests that run sandboxes need bubblewrap (Debian/Ubuntu package ``bubblewrap``); where it is missing or
does not work, they fail and say why, they are not skipped.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from goose_studio.sandbox.bwrap import BubblewrapBackend, probe_bubblewrap
from goose_studio.sandbox.registries import RegistryPolicy

# Built at run time so that the test source itself holds no token-shaped strings.
FAKE_GITHUB_TOKEN = "ghp_" + "Zq9" * 12
FAKE_OPENAI_KEY = "sk-" + "Ab3dE" * 8


@pytest.fixture(scope="session")
def bwrap_ready() -> None:
    why = probe_bubblewrap()
    if why is not None:
        pytest.fail(f"These tests run real sandboxes and need a working bubblewrap: {why}. "
                    "Install it (apt-get install bubblewrap) and run them again.")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ws = tmp_path / "ws"
    (ws / "repos").mkdir(parents=True)
    (ws / "runs").mkdir()
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(ws))
    return ws


@pytest.fixture
def app_dir(workspace: Path) -> Path:
    app = workspace / "repos" / "demo-app"
    app.mkdir()
    (app / "README.md").write_text("demo\n")
    return app


@pytest.fixture
def box(bwrap_ready: None, workspace: Path) -> BubblewrapBackend:
    policy = RegistryPolicy(hosts=frozenset())
    return BubblewrapBackend([workspace / "repos"], workspace / "cache" / "sandbox", registries=policy)


def write_app(app: Path, name: str, source: str) -> str:
    """Write a Python file into the app folder; the command that runs it inside the sandbox."""
    (app / name).write_text(textwrap.dedent(source))
    return f"python3 {name}"
