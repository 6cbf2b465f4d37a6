"""Shared helpers for the build tests: small apps written into temp folders, a workspace, a context that
keeps the progress events, and a build with bounded times.

Tests that build for real need bubblewrap (Debian/Ubuntu package ``bubblewrap``); where it is missing or
does not work they fail and say why, they are not skipped. No real nixpacks/railpack binary plans in place of
the studio's rules: the planner is told to find none.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from goose_studio.sandbox.bwrap import probe_bubblewrap
from goose_studio.tools.build.builder import BuildAppArgs, BuildReport
from goose_studio.tools.build.plan import engines
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace

# Built at run time so that the test source itself holds no token-shaped strings.
FAKE_TOKEN = "ghp_" + "Qx7" * 12


class Recorder(ToolContext):
    """A tool context that keeps every progress payload."""

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace=workspace)
        self.events: list[dict[str, Any]] = []

    def progress(self, **payload: Any) -> None:
        self.events.append(payload)

    def lines(self) -> list[str]:
        return [str(e.get("line")) for e in self.events if e.get("line")]


@pytest.fixture(scope="session")
def bwrap_ready() -> None:
    why = probe_bubblewrap()
    if why is not None:
        pytest.fail(f"These tests build apps in real sandboxes and need a working bubblewrap: {why}. "
                    "Install it (apt-get install bubblewrap) and run them again.")


@pytest.fixture(autouse=True)
def no_real_planners(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "find_binary", lambda fmt: None)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(tmp_path / "studio-home"))
    monkeypatch.delenv("GOOSE_STUDIO_SANDBOX", raising=False)
    return Workspace.from_env()


@pytest.fixture
def ctx(ws: Workspace) -> Recorder:
    return Recorder(ws)


def write_app(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


#: A standard-library web server that answers on PORT; ``{before}`` runs first.
SERVER = '''
import os, http.server
{before}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><head><title>Tiny</title></head><body><h1>tiny</h1></body></html>"
        self.send_response(200); self.send_header("Content-Type", "text/html"); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
port = int({port})
print("listening on port %d" % port, flush=True)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
'''


def server_app(root: Path, *, before: str = "", port: str = 'os.environ["PORT"]',
               extra: dict[str, str] | None = None, procfile: str = "web: python3 main.py") -> Path:
    """A Procfile app whose web process is :data:`SERVER` (no dependencies to install)."""
    return write_app(root, {"main.py": SERVER.format(before=textwrap.dedent(before), port=port),
                            "Procfile": procfile + "\n", **(extra or {})})


def build(ctx: ToolContext, app: Path, **args: Any) -> BuildReport:
    fields = {"app_dir": str(app), "explore": False, "start_timeout_s": 20.0, "install_timeout_s": 240.0, **args}
    return call_tool("build_app", BuildAppArgs(**fields), ctx)
