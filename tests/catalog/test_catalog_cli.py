"""``goose-studio models``: JSON and tables, offline and against a stand-in Hub (HF_ENDPOINT), as a user runs it."""

import json
import os
import subprocess

from typer.testing import CliRunner

from catalog_helpers import HubStandIn
from conftest import studio_cli
from goose_studio.cli import app
from goose_studio.cli.common import console


def run_models(home, *args, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "HF_ENDPOINT")}
    return subprocess.run([*studio_cli(), "models", *args], env={**base, "GOOSE_STUDIO_HOME": str(home), **env},
                          capture_output=True, text=True, timeout=120)


def test_models_json_offline_lists_the_catalog(studio_home):
    proc = run_models(studio_home, "--gpu-memory", "24", "--json", HF_HUB_OFFLINE="1")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["budget"]["memory_gib"] == 24 and data["method"] == "qlora"
    assert data["recommended"]["model"] == "embedded"  # offline: what needs no download
    assert "Qwen3-8B" in {m["name"] for m in data["models"]}
    assert "LLaMA-3.3-70B-Instruct" in {m["name"] for m in data["hidden"]}
    assert data["hub"] is None


def test_models_search_against_a_stand_in_hub(studio_home):
    hub = HubStandIn()
    try:
        proc = run_models(studio_home, "--search", "acme", "--gpu-memory", "24", "--json", HF_ENDPOINT=hub.url)
    finally:
        hub.close()
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["hub"]["online"] and data["hub"]["endpoint"] == hub.url
    listed = {m["hub_id"]: m for m in data["models"] + data["hidden"]}
    assert listed["acme/Qwen3-4B-Chat"]["estimate_basis"] == "architecture"
    assert data["recommended"]["hub_id"] == "acme/Qwen3-4B-Chat"
    assert (studio_home / "cache" / "huggingface" / "models--acme--Qwen3-4B-Chat").is_dir()


def test_models_tables_and_a_bad_option(studio_home, monkeypatch):
    monkeypatch.setattr(console, "_width", 200)  # wide enough that no model name is cut
    runner = CliRunner()
    shown = runner.invoke(app, ["models", "--gpu-memory", "12", "--category", "coding"])
    assert shown.exit_code == 0, shown.output
    assert "Qwen3-8B" in shown.output and "LLaMA-3.3-70B-Instruct" in shown.output
    bad = runner.invoke(app, ["models", "--method", "int8", "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["failure"]["kind"] == "invalid_input"
