"""`goose-studio chat` and `goose-studio retrieve` on a trained run of a tiny real model: one question or a
conversation read from stdin, the answer streamed, base and core side by side, retrieval on by default and
off with a flag, JSON output; the chat_with_core and retrieve tools behind them."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evals"))  # the shared tiny model

from conftest import write_sample_repo  # noqa: E402
from evals_helpers import tiny_model_and_adapter, trained_run  # noqa: E402
from goose_studio.cli import app  # noqa: E402
from goose_studio.errors import FailureKind, ToolFailure  # noqa: E402
from goose_studio.tools.code_index import IndexCodeArgs  # noqa: E402
from goose_studio.tools.registry import ToolContext, call_tool  # noqa: E402
from goose_studio.workspace import Workspace  # noqa: E402


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("chat-home")


@pytest.fixture(scope="module")
def run_id(home, tmp_path_factory) -> str:
    model, adapter = tiny_model_and_adapter(tmp_path_factory.getbasetemp() / "evals-shared")
    repo = write_sample_repo(tmp_path_factory.mktemp("chat-src") / "inventory", git=False)
    ws = Workspace(home)
    call_tool("index_code", IndexCodeArgs(repo_path=str(repo)), ToolContext(workspace=ws))
    return trained_run(ws, model, adapter, repo)


@pytest.fixture
def cli(home, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(home))
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(app, list(args), **kw)


def test_one_question_streams_the_core_answer_and_names_the_passages(cli, run_id):
    got = cli("chat", "--run-id", run_id, "--prompt", "How do I hold items for an order?", "--show-passages",
              "--max-tokens", "8")
    assert got.exit_code == 0, got.output
    assert "core:" in got.output and "inventory/stock.py" in got.output


def test_a_conversation_from_stdin_keeps_its_turns_until_exit(cli, run_id):
    got = cli("chat", "--run-id", run_id, "--max-tokens", "4", input="What is a SKU?\n\n/reset\nAnd a rule?\n/exit\n")
    assert got.exit_code == 0, got.output
    assert got.output.count("core:") == 2


def test_compare_answers_with_the_base_model_side_by_side(cli, run_id):
    got = cli("chat", "--run-id", run_id, "--prompt", "What does reserve do?", "--compare", "--max-tokens", "6")
    assert got.exit_code == 0, got.output
    assert "base model:" in got.output and "Base model (no LoRA)" in got.output and "Your core" in got.output


def test_json_answers_with_passages_and_without_them_when_retrieval_is_off(cli, run_id):
    on = cli("chat", "--run-id", run_id, "--prompt", "How is tax added to a price?", "--json", "--compare",
             "--max-tokens", "6")
    assert on.exit_code == 0, on.output
    data = json.loads(on.output)
    assert data["retrieval"] is True and data["passages"] and data["base_answer"] is not None
    assert {"answer", "base_model", "adapter_dir", "new_tokens", "duration_s", "run_id"} <= set(data)
    assert data["passages"][0]["path"].startswith("inventory/")
    off = json.loads(cli("chat", "--run-id", run_id, "--prompt", "How is tax added?", "--json", "--no-retrieval",
                         "--max-tokens", "4").output)
    assert off["retrieval"] is False and off["passages"] == [] and off["base_answer"] is None


def test_retrieve_shows_what_chat_would_look_up(home, run_id, cli):
    ctx = ToolContext(workspace=Workspace(home))
    found = call_tool("retrieve", {"run_id": run_id, "question": "Which function parses a price string?", "k": 3}, ctx)
    assert len(found.passages) == 3 and found.indexed > 20
    assert "to_cents" in [p.title for p in found.passages]
    assert all(p.text and p.path and p.start_line <= p.end_line for p in found.passages)
    missing = cli("retrieve", "no-such-core", "anything", "--json")
    assert missing.exit_code == 1 and json.loads(missing.output)["failure"]["kind"] == "not_found"


def test_chat_needs_exactly_one_core(cli, run_id):
    with pytest.raises(ToolFailure) as both:
        call_tool("chat_with_core", {"prompt": "hi"}, ToolContext(workspace=Workspace(Path("/tmp"))))
    assert both.value.kind is FailureKind.invalid_input
    assert cli("chat", "x", "--run-id", run_id, "--prompt", "hi").exit_code == 2
