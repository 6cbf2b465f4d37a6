"""The retrieval index: passages cut from a real indexed repository (code by symbol, docs by section),
BM25 search in people's words, the folder on disk with its digests, damage found, secrets left out."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write_sample_repo
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.retrieval import (INDEX_FILE, PASSAGES_FILE, RetrievalIndex, build_index_folder, build_passages,
                                    terms, with_passages)
from goose_studio.tools.code_index import IndexCodeArgs
from goose_studio.tools.index_models import load_index
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Path:
    repo = write_sample_repo(tmp_path_factory.mktemp("ret") / "inventory", git=False)
    (repo / "docs").mkdir()
    (repo / "docs" / "guide.md").write_text(
        "# Guide\n\nStart here.\n\n## Reorder rules\n\nA rule orders a fixed batch when stock runs low.\n\n"
        "## Deployment\n\nShip the wheel to the shop's server with `make deploy`.\n")
    (repo / "inventory" / "settings.py").write_text(
        '"""Settings."""\nAPI_KEY = "sk-proj-a1B2c3D4e5F6g7H8i9J0k1L2m3N4"\nTIMEOUT = 30\n\n\n'
        'def timeout() -> int:\n    """The request timeout in seconds."""\n    return TIMEOUT\n')
    call_tool("index_code", IndexCodeArgs(repo_path=str(repo)), ToolContext(workspace=Workspace(tmp_path_factory.mktemp("h"))))
    return repo


def test_terms_split_identifiers_and_fold_word_forms():
    assert terms("reserveStock") == ["reservestock", "reserve", "stock"]
    assert terms("order_size of the shop") == ["order_size", "order", "size", "shop"]
    assert terms("reserves") == terms("reserved") == ["reserv"]


def test_passages_cover_symbols_modules_and_doc_sections(indexed):
    passages, counts = build_passages(indexed, load_index(indexed))
    by_title = {p.title: p for p in passages}
    reserve = by_title["Stock.reserve"]
    assert reserve.kind == "method" and reserve.path == "inventory/stock.py"
    assert "def reserve" in reserve.text and reserve.start_line < reserve.end_line
    source = (indexed / "inventory/stock.py").read_text().splitlines()
    assert source[reserve.start_line - 1].strip().startswith("def reserve")
    stock = by_title["Stock"]
    assert stock.kind == "class" and "def reserve" not in stock.text  # a class stops before its first method
    assert by_title["Reorder rules"].kind == "doc" and "fixed batch" in by_title["Reorder rules"].text
    assert counts["doc"] >= 3 and counts["method"] >= 5 and counts["module"] >= 5


def test_a_secret_in_the_code_never_reaches_a_passage(indexed):
    passages, counts = build_passages(indexed, load_index(indexed))
    assert counts["secret_lines_left_out"] == 1
    assert not any("sk-proj-a1B2" in p.text for p in passages)
    assert any("TIMEOUT = 30" in p.text for p in passages if p.path == "inventory/settings.py")


@pytest.mark.parametrize("question,expected", [
    ("How do I hold items for a pending order?", "Stock.reserve"),
    ("How much does a discount take off a price?", "apply_discount"),
    ("How is the shop's wheel deployed?", "Deployment"),
    ("When is a reorder due?", "ReorderRule.due"),
])
def test_questions_in_peoples_words_find_the_right_passage(indexed, tmp_path, question, expected):
    index = build_index_folder(indexed, indexed / ".studio-index.json", tmp_path / "retrieval")
    hits = index.search(question, k=3)
    assert expected in [h.title for h in hits], [h.title for h in hits]
    assert hits == sorted(hits, key=lambda h: -h.score) and all(h.score > 0 for h in hits)


def test_the_folder_round_trips_and_damage_is_found(indexed, tmp_path):
    folder = tmp_path / "retrieval"
    built = build_index_folder(indexed, indexed / ".studio-index.json", folder, source={"commit": "abc"})
    info = json.loads((folder / INDEX_FILE).read_text())
    assert info["passages"] == len(built.passages) and set(info["sha256"]) == {PASSAGES_FILE}
    again = RetrievalIndex.load(folder)
    question = "Which function parses a decimal string into cents?"
    assert [h.title for h in again.search(question)] == [h.title for h in built.search(question)]
    (folder / PASSAGES_FILE).write_text((folder / PASSAGES_FILE).read_text().replace("cents", "dollars"))
    with pytest.raises(ToolFailure) as damaged:
        RetrievalIndex.load(folder)
    assert damaged.value.kind is FailureKind.corrupted
    with pytest.raises(ToolFailure) as missing:
        RetrievalIndex.load(tmp_path / "nothing")
    assert missing.value.kind is FailureKind.not_found


def test_an_unknown_question_finds_nothing_and_passages_go_before_the_question(indexed, tmp_path):
    index = build_index_folder(indexed, indexed / ".studio-index.json", tmp_path / "r")
    assert index.search("zyxxy qwqwq") == []
    hits = index.search("reserve stock", k=2)
    prompt = with_passages("What does reserve do?", hits)
    assert prompt.endswith("Question: What does reserve do?")
    assert f"[1] {hits[0].path}:{hits[0].start_line}-{hits[0].end_line}" in prompt
    assert with_passages("Q?", []) == "Q?"
