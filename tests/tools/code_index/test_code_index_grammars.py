"""index_code: the tree-sitter grammars come from the installed wheel, not the network."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from goose_studio.tools.code_index import build_index, grammars
from code_index_helpers import repo  # noqa: F401  (fixtures)


def test_grammars_load_without_network(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the indexer tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(grammars, "_LANGS", {})  # grammars are loaded again, from the wheel
    index, _ = build_index(repo, force=True)
    assert set(index.languages) == {"python", "javascript", "typescript", "tsx"}
