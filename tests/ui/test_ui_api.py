"""The web UI's server without a browser: the page, the tool API, a run's events as server-sent events,
files by run and number, uploads, chat requests, and the security checks (Host, Origin, token, places)."""
from __future__ import annotations

import io
import json
import re
import zipfile

import anyio
import pytest
from typer.testing import CliRunner

from goose_studio.cli import app as cli_app
from goose_studio.ui.stream import EventFile, run_stream
from goose_studio.workspace import Workspace
from ui_helpers import PNG, append_events, client, event, made_run, screenshot_report, waiting_run


@pytest.fixture
def ws(studio_home) -> Workspace:
    return Workspace.from_env()


def test_the_page_carries_its_scripts_by_nonce_and_the_registry_as_boot_data(ws):
    r = client(ws).get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", r.text)
    assert len(scripts) >= 13 and all(f'nonce="{nonce}"' in s for s in scripts if "application/json" not in s)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    boot = json.loads(re.search(r'<script id="studio-boot" type="application/json">(.*?)</script>', r.text).group(1))
    assert boot["mode"] == "http" and boot["tabs"] == ["source", "build", "prepare", "train", "test", "publish"]
    tools = {t["name"]: t for t in boot["tools"]}
    assert tools["learn"]["ui"] and "source" in tools["learn"]["input_schema"]["properties"]
    assert boot["recipes"] and boot["presets"][0]["default"]
    assert client(ws).get("/").headers["content-security-policy"] != r.headers["content-security-policy"]


def test_tools_are_called_through_the_registry_and_failures_come_back_typed(ws, sample_repo):
    c = client(ws)
    listed = c.post("/api/tools/list_runs", json={})
    assert listed.status_code == 200 and listed.json()["ok"] and listed.json()["result"]["runs"] == []
    run_id = made_run(ws, str(sample_repo))
    status = c.post("/api/tools/run_status", json={"run_id": run_id}).json()
    assert status["ok"] and status["result"]["status"] == "created" and status["result"]["run_id"] == run_id
    unknown = c.post("/api/tools/run_status", json={"run_id": "nope-20260101-000000-0000"})
    assert unknown.status_code == 404 and unknown.json()["failure"]["kind"] == "not_found" and unknown.json()["guide"]
    assert c.post("/api/tools/no_such_tool", json={}).json()["failure"]["kind"] == "invalid_input"
    bad = c.post("/api/tools/run_status", json={"run_id": run_id, "events": 10_000})
    assert bad.status_code == 400 and bad.json()["failure"]["kind"] == "invalid_input"
    assert c.post("/api/tools/list_runs", content=b"[1, 2]").json()["failure"]["kind"] == "invalid_input"
    assert c.post("/api/tools/list_runs", content=b"{not json").status_code == 400


def test_arguments_naming_places_outside_the_workspace_and_the_chosen_sources_are_refused(ws, sample_repo, tmp_path):
    c = client(ws)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "core.gcpkg").write_bytes(b"not a core")
    refused = c.post("/api/tools/validate", json={"path": str(elsewhere / "core.gcpkg")}).json()
    assert refused["failure"]["kind"] == "invalid_input" and refused["failure"]["details"]["arguments"] == ["path"]
    sneaky = c.post("/api/tools/validate", json={"path": str(ws.root / ".." / "elsewhere" / "core.gcpkg")}).json()
    assert sneaky["failure"]["details"]["arguments"] == ["path"]
    inside = c.post("/api/tools/validate", json={"path": str(ws.cores / "missing.gcpkg")}).json()
    assert inside["failure"]["kind"] == "not_found"  # inside the workspace: the tool itself answers
    made_run(ws, str(sample_repo))  # a source the user chose becomes reachable
    chosen = c.post("/api/tools/index_code", json={"repo_path": str(sample_repo)}).json()
    assert chosen["ok"] and chosen["result"]["files"] >= 4


def test_a_run_stream_sends_its_events_with_offsets_then_the_status_and_continues_after_an_offset(ws, sample_repo):
    run_id = waiting_run(ws, str(sample_repo))

    async def collect(last=None, seconds=0.6):
        return [m async for m in run_stream(ws, run_id, last, stop_after_s=seconds)]

    messages = anyio.run(collect)
    events = [m for m in messages if m["event"] == "event"]
    assert [json.loads(m["data"])["type"] for m in events][-2:] == ["agent.guide", "run.waiting"]
    status = [json.loads(m["data"]) for m in messages if m["event"] == "status"]
    assert status[0]["status"] == "waiting" and status[0]["question"]["choices"][0]["id"] == "other-source"
    size = ws.run_paths(run_id).events.stat().st_size
    assert int(events[-1]["id"]) == size
    append_events(ws, run_id, event(run_id, "run.answered", answer="retry"))
    later = [m for m in anyio.run(collect, events[-1]["id"]) if m["event"] == "event"]
    assert [json.loads(m["data"])["type"] for m in later] == ["run.answered"]


def test_the_event_file_follower_waits_for_whole_lines_and_starts_over_when_the_file_is_replaced(tmp_path):
    path = tmp_path / "events.jsonl"
    follower = EventFile(path)
    assert follower.read_new() == []
    path.write_text('{"type": "a"}\n{"type": "b"')
    assert [e["type"] for _, e in follower.read_new()] == ["a"]
    with path.open("a") as fh:
        fh.write('}\nnot json\n{"type": "c"}\n')
    assert [e["type"] for _, e in follower.read_new()] == ["b", "c"]
    path.write_text('{"type": "z"}\n')  # cut short and written again
    assert [e["type"] for _, e in follower.read_new()] == ["z"]


def test_the_stream_of_an_unknown_or_malformed_run_is_refused(ws):
    c = client(ws)
    assert c.get("/api/runs/nope-20260101-000000-0000/stream").json()["failure"]["kind"] == "not_found"
    assert c.get("/api/runs/..%2F..%2Fetc/stream").status_code in (400, 404)


def test_screenshots_and_loss_curves_are_served_by_run_and_number_only_from_the_workspace(ws, sample_repo, tmp_path):
    run_id = made_run(ws, str(sample_repo))
    screenshot_report(ws, run_id, tmp_path / "outside.png")
    c = client(ws)
    pages = c.get(f"/api/runs/{run_id}/screenshots").json()["result"]
    assert [(p["n"], p["path"], p["screenshot"]) for p in pages] == [(0, "/", True), (1, "/x", False)]
    shot = c.get(f"/api/runs/{run_id}/screenshots/0")
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/png" and shot.content == PNG
    assert c.get(f"/api/runs/{run_id}/screenshots/1").status_code == 404  # the file outside is never read
    assert c.get(f"/api/runs/{run_id}/screenshots/7").status_code == 404
    assert c.get(f"/api/runs/{run_id}/screenshots/..%2F..%2Foutside.png").status_code == 404
    assert c.get(f"/api/runs/{run_id}/loss-curves").json()["result"] == {"count": 0}
    (ws.run_paths(run_id).run_dir / "loss_curve.png").write_bytes(PNG)
    assert c.get(f"/api/runs/{run_id}/loss-curves").json()["result"] == {"count": 1}
    curve = c.get(f"/api/runs/{run_id}/loss-curves/0")
    assert curve.status_code == 200 and curve.content == PNG
    assert c.get(f"/api/runs/{run_id}/loss-curves/1").json()["failure"]["kind"] == "not_found"


def test_samples_come_from_the_runs_dataset(ws, sample_repo):
    run_id = made_run(ws, str(sample_repo))
    c = client(ws)
    assert c.get(f"/api/runs/{run_id}/samples").json()["result"] == {"pairs": []}
    data = ws.run_paths(run_id).dataset_dir
    data.mkdir(parents=True)
    rows = [{"instruction": f"q{i}", "input": "", "output": f"a{i}", "category": "explain"} for i in range(20)]
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    pairs = c.get(f"/api/runs/{run_id}/samples?n=4").json()["result"]["pairs"]
    assert len(pairs) == 4 and pairs[0]["instruction"] == "q0" and pairs[1]["instruction"] == "q5"


def test_uploads_keep_plain_names_inside_the_workspace_and_go_through_the_source_checks(ws):
    c = client(ws)
    first = c.post("/api/uploads?name=pairs.jsonl", content=b'{"instruction": "q", "output": "a"}\n').json()["result"]
    saved = first["files"][0]
    assert saved["reason"] is None and saved["size"] > 0
    assert saved["source"].startswith(str(ws.root / "uploads" / first["batch"]))
    joined = c.post(f"/api/uploads?name=..%2F..%2Fevil.md&batch={first['batch']}", content=b"# hi\n").json()["result"]
    assert joined["batch"] == first["batch"] and joined["files"][0]["source"].endswith(f"{first['batch']}/evil.md")
    secret = c.post("/api/uploads?name=.env", content=b"TOKEN=x\n").json()["result"]["files"][0]
    assert secret["source"] is None and secret["reason"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w") as zf:
        zf.writestr("../outside.txt", "x")
    refused = c.post("/api/uploads?name=data.zip", content=bomb.getvalue()).json()["result"]["files"][0]
    assert refused["source"] is None and "leave" in refused["reason"]
    assert c.post("/api/uploads?name=a.md&batch=..%2F..", content=b"x").json()["failure"]["kind"] == "invalid_input"
    assert not list(ws.root.parent.glob("evil.md")) and not (ws.root / "outside.txt").exists()


def test_a_chat_request_is_checked_and_a_missing_adapter_is_a_typed_error_event(ws, sample_repo):
    c = client(ws)
    assert c.post("/api/chat", json={"prompt": "hi"}).json()["failure"]["kind"] == "invalid_input"
    run_id = made_run(ws, str(sample_repo))
    with c.stream("POST", "/api/chat", json={"run_id": run_id, "prompt": "What is Stock?"}) as r:
        text = "".join(r.iter_text())
    names = re.findall(r"^event: (\w+)", text, re.M)
    assert names == ["error", "end"]
    data = json.loads(re.search(r"^data: (.*)$", text, re.M).group(1))
    assert data["failure"]["kind"] and data["guide"]


def test_the_system_answer_says_which_gpus_there_are_or_why_none(ws):
    gpu = client(ws).get("/api/system").json()["result"]["gpu"]
    assert isinstance(gpu["gpus"], list) and (gpu["gpus"] or gpu["reason"])


def test_a_foreign_host_or_origin_is_refused(ws):
    c = client(ws)
    assert c.get("/", headers={"host": "evil.example"}).status_code == 421
    foreign = c.post("/api/tools/list_runs", json={}, headers={"origin": "http://evil.example"})
    assert foreign.status_code == 403 and foreign.json()["failure"]["details"]["error"] == "origin_not_allowed"
    assert c.post("/api/tools/list_runs", json={}, headers={"origin": "http://127.0.0.1:9999"}).status_code == 403
    assert c.post("/api/tools/list_runs", json={}, headers={"origin": "null"}).status_code == 403
    assert c.post("/api/tools/list_runs", json={}, headers={"sec-fetch-site": "cross-site"}).status_code == 403
    own = c.post("/api/tools/list_runs", json={}, headers={"origin": "http://localhost:7860"})
    assert own.status_code == 200 and own.json()["ok"]


def test_with_a_token_every_request_needs_it_as_a_bearer_header_or_the_cookie_the_page_link_sets(ws):
    c = client(ws, token="s3cret-token")
    assert c.get("/").status_code == 401 and c.get("/api/boot").status_code == 401
    assert c.get("/api/boot", headers={"authorization": "Bearer s3cret-token"}).status_code == 200
    assert c.get("/api/boot", headers={"authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/?token=wrong", follow_redirects=False).status_code == 401
    link = c.get("/?token=s3cret-token", follow_redirects=False)
    assert link.status_code == 303 and link.headers["location"] == "/"
    assert "HttpOnly" in link.headers["set-cookie"] and "SameSite=Strict" in link.headers["set-cookie"]
    assert c.get("/").status_code == 200 and c.post("/api/tools/list_runs", json={}).json()["ok"]
    other = client(ws, token="s3cret-token")
    other.cookies.set("goose_studio_ui", "guess")
    assert other.get("/api/boot").status_code == 401


def test_the_ui_command_refuses_a_non_loopback_address_without_a_token(studio_home, monkeypatch):
    monkeypatch.delenv("GOOSE_STUDIO_UI_TOKEN", raising=False)
    result = CliRunner().invoke(cli_app, ["ui", "--host", "0.0.0.0", "--port", "7861"])
    assert result.exit_code == 2
    assert "GOOSE_STUDIO_UI_TOKEN" in result.output
