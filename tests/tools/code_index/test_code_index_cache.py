"""index_code: the index on disk: broken caches, a full disk, a read-only repository, loading."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.code_index import build_index, cache, load_index
from goose_studio.tools.index_models import INDEX_FILENAME
from goose_studio.tools.registry import ToolContext, call_tool
from code_index_helpers import INDEXED, ctx, repo  # noqa: F401  (fixtures)


@pytest.mark.parametrize("garbage", [b"{not json", b'{"schema_version": 999, "repo_root": "/x", "files": []}',
                                     b'{"files": "nope"}'])
def test_corrupted_or_outdated_cache_is_rebuilt(repo: Path, garbage: bytes) -> None:
    build_index(repo)
    (repo / INDEX_FILENAME).write_bytes(garbage)
    index, stats = build_index(repo)
    assert (stats.reparsed, stats.cached) == (len(INDEXED), 0)
    assert load_index(repo) == index


def test_disk_full_while_writing_is_typed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(ToolFailure) as info:
        build_index(repo)
    assert info.value.kind is FailureKind.disk_full
    assert not (repo / INDEX_FILENAME).exists()


def test_read_only_repo_keeps_the_index_in_the_workspace(repo: Path, ctx: ToolContext,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = cache.write_atomic
    target = repo.resolve() / INDEX_FILENAME

    def refuse_repo(path: Path, data: str | bytes) -> None:
        if Path(path) == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        real_write(path, data)

    monkeypatch.setattr(cache, "write_atomic", refuse_repo)
    first = call_tool("index_code", {"repo_path": str(repo)}, ctx)
    assert Path(first.index_path).is_relative_to(ctx.workspace.cache)
    assert not target.exists()
    second = call_tool("index_code", {"repo_path": str(repo)}, ctx)
    assert (second.index_path, second.reparsed, second.cached) == (first.index_path, 0, len(INDEXED))

    with pytest.raises(ToolFailure) as info:  # without a fallback the failure is typed, not a traceback
        build_index(repo, force=True)
    assert info.value.kind is FailureKind.invalid_input and info.value.details["errno"] == errno.EACCES


def test_load_index_failures(tmp_path: Path) -> None:
    with pytest.raises(ToolFailure) as info:
        load_index(tmp_path)
    assert info.value.kind is FailureKind.not_found
    (tmp_path / INDEX_FILENAME).write_text("[]")
    with pytest.raises(ToolFailure) as info:
        load_index(tmp_path / INDEX_FILENAME)
    assert info.value.kind is FailureKind.corrupted
