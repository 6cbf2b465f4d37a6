"""What the UI tests share: a run made on disk without running it (its record, events, files), and clients
of the web app."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from goose_studio.runstore import GuideChoice, Question, RunStatus, RunStore
from goose_studio.ui.app import create_app
from goose_studio.workspace import Workspace

BASE = "http://127.0.0.1:7860"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")


def client(ws: Workspace, **kwargs: Any) -> TestClient:
    return TestClient(create_app(ws, **kwargs), base_url=BASE)


def event(run_id: str, type_: str, **payload: Any) -> dict[str, Any]:
    return {"ts": time.time(), "run_id": run_id, "type": type_, "payload": payload}


def append_events(ws: Workspace, run_id: str, *events: dict[str, Any]) -> None:
    with ws.run_paths(run_id).events.open("a", encoding="utf-8") as fh:
        for e in events:
            fh.write(json.dumps(e) + "\n")


def made_run(ws: Workspace, source: str, run_id: str = "inventory-20260101-000000-abcd") -> str:
    """A run's record and folders (not executed)."""
    RunStore(ws).create(run_id, source, {"preset": "smoke"})
    return run_id


def waiting_run(ws: Workspace, source: str, run_id: str = "inventory-20260101-000000-beef") -> str:
    """A run that waits at SOURCE for the Guide's answer, with the events that led there."""
    made_run(ws, source, run_id)
    choices = [GuideChoice(id="other-source", label="Use another source", param="path or URL"),
               GuideChoice(id="retry", label="Retry")]
    q = Question(run_id=run_id, tab="source", kind="not_found", message="The folder does not exist.",
                 need="A repository or folder to learn.", choices=choices,
                 answer_with=f"goose-studio resume {run_id} --answer <choice>")
    RunStore(ws).update(run_id, status=RunStatus.waiting, step="source", question=q)
    append_events(ws, run_id, event(run_id, "run.started", source=source),
                  event(run_id, "step.source.started"), event(run_id, "step.source.failed", kind="not_found",
                                                              message="The folder does not exist."),
                  event(run_id, "agent.guide", **q.model_dump(mode="json", exclude={"run_id"})), event(run_id, "run.waiting", step="source"))
    return run_id


def screenshot_report(ws: Workspace, run_id: str, outside: Path) -> None:
    """A build report whose explorer visited two pages: one screenshot in the run's folder, one outside."""
    run_dir = ws.run_paths(run_id).run_dir
    shots = run_dir / "explore"
    shots.mkdir()
    (shots / "home.png").write_bytes(PNG)
    outside.write_bytes(PNG)
    report = {"exploration": {"report_path": str(shots / "report.json"),
                              "pages": [{"path": "/", "title": "Home", "status": 200, "screenshot": "home.png"},
                                        {"path": "/x", "title": "X", "status": 200, "screenshot": str(outside)}]}}
    (run_dir / "build-report.json").write_text(json.dumps(report))


def artifacts_dir() -> Path:
    """Where the UI tests leave their screenshots: $GOOSE_STUDIO_TEST_ARTIFACTS/ui, else under the temp folder."""
    import os
    import tempfile

    root = os.environ.get("GOOSE_STUDIO_TEST_ARTIFACTS") or str(Path(tempfile.gettempdir()) / "goose-studio-test-artifacts")
    folder = Path(root) / "ui"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium_path() -> str:
    from goose_studio.tools.build.explore import find_chromium

    return find_chromium()
