"""index_code: the tool's result, progress and arguments, and build_index's reuse of unchanged files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import read_events
from goose_studio.tools import registry
from goose_studio.tools.code_index import build_index, load_index
from goose_studio.tools.code_index import tool as tool_mod
from goose_studio.tools.index_models import INDEX_FILENAME
from goose_studio.tools.registry import ToolContext, call_tool
from code_index_helpers import (  # noqa: F401  (fixtures)
    CORE_PY, INDEXED, OLD_MTIME, UTIL_PY, age, by_path, by_qualname, ctx, repo, write_repo,
)


def test_tool_indexes_python_js_ts_tsx(repo: Path, ctx: ToolContext) -> None:
    result = call_tool("index_code", {"repo_path": str(repo)}, ctx)

    assert result.index_path == str(repo.resolve() / INDEX_FILENAME)
    assert result.files == len(INDEXED)
    assert result.languages == {"javascript": 2, "python": 4, "tsx": 1, "typescript": 1}
    assert result.reparsed == len(INDEXED) and result.cached == 0
    assert result.skipped == [] and result.skipped_total == 0
    assert result.files_with_parse_errors == 0

    index = load_index(result.index_path)
    assert [f.path for f in index.files] == INDEXED
    assert result.symbols == sum(len(f.symbols) for f in index.files)

    progress = [e.payload for e in read_events(ctx.events.path) if e.type == "step.build.progress"]
    assert progress and progress[-1] == {"files_done": len(INDEXED), "files_total": len(INDEXED)}


def test_bad_arguments_are_invalid_input(repo: Path, ctx: ToolContext) -> None:
    with pytest.raises(ToolFailure) as info:
        call_tool("index_code", {"repo_path": str(repo), "max_file_bytes": 0}, ctx)
    assert info.value.kind is FailureKind.invalid_input
    assert registry.REGISTRY["index_code"].tab == "build"


def test_binary_and_too_large_files_are_skipped(tmp_path: Path, ctx: ToolContext) -> None:
    repo = write_repo(tmp_path / "r", {
        "a.py": "def a():\n    pass\n",
        "blob.py": b"\x00\x01\x02binary" * 10,
        "big.py": "x = 1\n" * 400,
        "picture.png": b"\x89PNG\x00\x00",
    })
    result = call_tool("index_code", {"repo_path": str(repo), "max_file_bytes": 1000}, ctx)
    assert result.files == 1
    assert [(s.path, s.reason, s.size) for s in result.skipped] == [
        ("big.py", "too_large", 2400), ("blob.py", "binary", 90)]
    assert result.skipped_total == 2
    assert [(s.path, s.reason) for s in load_index(repo).skipped] == [("big.py", "too_large"), ("blob.py", "binary")]


def test_parse_errors_are_counted_and_the_file_kept(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"ok.py": "def fine():\n    pass\n", "bad.py": "def broken(:\n    x = \n"})
    index, stats = build_index(repo)
    files = by_path(index)
    assert files["bad.py"].parse_errors > 0 and files["ok.py"].parse_errors == 0
    assert stats.files_with_parse_errors == 1


def test_reindex_reuses_changes_and_drops(repo: Path, ctx: ToolContext) -> None:
    first = call_tool("index_code", {"repo_path": str(repo)}, ctx)
    index_file = Path(first.index_path)
    written = index_file.read_bytes()

    second = call_tool("index_code", {"repo_path": str(repo)}, ctx)
    assert (second.reparsed, second.cached, second.files) == (0, len(INDEXED), len(INDEXED))
    assert index_file.read_bytes() == written

    (repo / "pkg/util.py").write_text(UTIL_PY + "\n\ndef extra():\n    return helper(1)\n")
    third = call_tool("index_code", {"repo_path": str(repo)}, ctx)
    assert (third.reparsed, third.cached) == (1, len(INDEXED) - 1)
    assert [s.qualname for s in by_path(load_index(repo))["pkg/util.py"].symbols] == ["helper", "extra"]

    (repo / "web/app.test.js").unlink()
    (repo / "pkg/new.py").write_text("def new():\n    pass\n")
    fourth = call_tool("index_code", {"repo_path": str(repo)}, ctx)
    assert (fourth.reparsed, fourth.cached, fourth.files) == (1, len(INDEXED) - 1, len(INDEXED))
    paths = [f.path for f in load_index(repo).files]
    assert "web/app.test.js" not in paths and "pkg/new.py" in paths

    forced = call_tool("index_code", {"repo_path": str(repo), "force": True}, ctx)
    assert (forced.reparsed, forced.cached) == (len(INDEXED), 0)


def test_unchanged_files_with_settled_mtimes_are_not_even_read(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    age(repo)
    index, _ = build_index(repo)
    assert all(f.mtime_ns == OLD_MTIME * 10**9 for f in index.files)

    hashed: list[int] = []
    real_sha256 = tool_mod.hashlib.sha256

    def counting_sha256(data: bytes = b""):
        hashed.append(len(data))
        return real_sha256(data)

    monkeypatch.setattr(tool_mod.hashlib, "sha256", counting_sha256)
    _, stats = build_index(repo)
    assert (stats.reparsed, stats.cached, hashed) == (0, len(INDEXED), [])

    # same size, same (restored) mtime would be invisible; a new mtime is enough to hash that one file
    core = repo / "pkg/core.py"
    core.write_text(CORE_PY.replace("Parse text.", "Parse TEXT."))
    _, stats = build_index(repo)
    assert (stats.reparsed, stats.cached, len(hashed)) == (1, len(INDEXED) - 1, 1)
    assert by_qualname(by_path(load_index(repo))["pkg/core.py"])["parse"].docstring.startswith("Parse TEXT.")


def test_same_size_edit_right_after_indexing_is_seen(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"m.py": "def aaa():\n    pass\n"})
    index, _ = build_index(repo)
    assert index.files[0].mtime_ns == 0  # fresh mtimes are not trusted
    st = (repo / "m.py").stat()
    (repo / "m.py").write_text("def bbb():\n    pass\n")
    os.utime(repo / "m.py", ns=(st.st_atime_ns, st.st_mtime_ns))
    index, stats = build_index(repo)
    assert stats.reparsed == 1 and index.files[0].symbols[0].name == "bbb"
