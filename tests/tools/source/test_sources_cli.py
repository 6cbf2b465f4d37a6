"""The command line for sources: `learn` with several sources of any kind, `sources preview`, `sources recipes`
and `sources search` (in process, with typer's runner)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from goose_studio.cli import app
from goose_studio.runstore import RunStore
from goose_studio.workspace import Workspace
from ingest_helpers import isolated_env, jsonl, write  # noqa: F401


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_learn_takes_several_positional_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_BRAIN", "rules")
    monkeypatch.setenv("GOOSE_STUDIO_FAULTS", "source:not_found*always")  # the run stops in SOURCE at once
    a = jsonl(tmp_path / "a.jsonl", [{"question": "q?", "answer": "a."}])
    result = invoke("learn", str(a), "hf:owner/data", "recipe:coding-assistant", "--columns",
                    "instruction=q,output=a", "--preset", "smoke", "--json")
    assert result.exit_code == 3, result.output  # waiting for an answer
    out = json.loads(result.stdout)
    record = RunStore(Workspace.from_env()).read(out["run_id"])
    assert record.source == str(a)
    assert record.options["sources"] == [str(a), "hf:owner/data", "recipe:coding-assistant"]
    assert record.options["columns"] == "instruction=q,output=a"
    none = invoke("learn", "--json")
    assert none.exit_code == 1 and json.loads(none.stdout)["failure"]["kind"] == "invalid_input"


def test_sources_preview_shows_every_input_and_its_result(tmp_path):
    good = jsonl(tmp_path / "good.jsonl", [{"prompt": "What is a hook?", "completion": "A function run on an event."}])
    bad = write(tmp_path / "bad.pdf", b"%PDF-1.4 broken")
    as_json = invoke("sources", "preview", str(good), str(bad), "--json")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert [(r["path"], r["status"]) for r in data["inputs"]] == [(str(good), "used"), (str(bad), "skipped")]
    assert data["pairs"] == 1 and data["preview"][0]["instruction"] == "What is a hook?"
    table = invoke("sources", "preview", str(good), str(bad))
    assert table.exit_code == 0 and "skipped" in table.stdout and "What is a hook?" in table.stdout
    missing = invoke("sources", "preview", str(tmp_path / "nothing"), "--json")
    assert missing.exit_code == 1 and json.loads(missing.stdout)["failure"]["kind"] == "not_found"


def test_sources_recipes_and_search_without_a_token(monkeypatch):
    listed = invoke("sources", "recipes", "--json")
    assert listed.exit_code == 0
    recipes = {r["id"]: r for r in json.loads(listed.stdout)}
    assert {"coding-assistant", "writing-style", "reasoning-pro", "data-analyst", "game-dev", "devops-expert"} <= \
        set(recipes) and recipes["coding-assistant"]["offline"] == "example"
    search = invoke("sources", "search", "task tracker", "--json")
    assert search.exit_code == 1 and json.loads(search.stdout)["failure"]["kind"] == "auth_required"
