"""Classifying source strings and deriving safe folder names."""

from __future__ import annotations

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.source.locate import normalize_source, safe_name
from source_helpers import isolated_env  # noqa: F401  (autouse fixture)


def test_normalize_source_kinds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert normalize_source("https://github.com/a/b.git/") == ("git", "https://github.com/a/b.git")
    assert normalize_source("git@github.com:a/b.git") == ("git", "git@github.com:a/b.git")
    assert normalize_source("ssh://git@host/a/b") == ("git", "ssh://git@host/a/b")
    assert normalize_source("file:///srv/x") == ("git", "file:///srv/x")
    assert normalize_source("octo-org/some.repo") == ("git", "https://github.com/octo-org/some.repo.git")
    assert normalize_source("github.com/a/b") == ("git", "https://github.com/a/b")
    (tmp_path / "octo" / "local").mkdir(parents=True)
    # an existing local folder wins over the owner/repo shorthand
    assert normalize_source("octo/local") == ("local", str((tmp_path / "octo" / "local").resolve()))
    assert normalize_source("./nowhere") == ("local", str((tmp_path / "nowhere").resolve()))
    with pytest.raises(ToolFailure) as info:
        normalize_source("  ")
    assert info.value.kind == FailureKind.invalid_input


def test_safe_name_slugs_and_rejects_traversal():
    assert safe_name("My Repo!") == "My-Repo"
    assert safe_name("lib.v2") == "lib.v2"
    for bad in ("..", ".", "../evil", "a/b", "a\\b", "", "!!!"):
        with pytest.raises(ToolFailure) as info:
            safe_name(bad)
        assert info.value.kind == FailureKind.invalid_input
