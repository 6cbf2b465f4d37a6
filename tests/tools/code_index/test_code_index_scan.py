"""index_code: walking the repository, telling C headers from C++ ones, and the failures when
there is nothing to index."""

from __future__ import annotations

from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.code_index import build_index
from goose_studio.tools.index_models import INDEX_FILENAME
from goose_studio.tools.registry import ToolContext, call_tool
from code_index_helpers import INDEXED, by_path, ctx, repo, write_repo  # noqa: F401  (fixtures)


def test_walk_skips_vendored_and_hidden_dirs(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {
        "src/main.py": "def main():\n    pass\n",
        "node_modules/lib/index.js": "function f() {}\n",
        ".venv/lib/site.py": "def v(): pass\n",
        "myenv/pyvenv.cfg": "home = /usr\n",
        "myenv/lib/x.py": "def e(): pass\n",
        "src/__pycache__/main.py": "def c(): pass\n",
        "build/out.js": "function b() {}\n",
        ".hidden/h.py": "def h(): pass\n",
        "bin/tool": "#!/usr/bin/env python3\ndef cli():\n    pass\n",
        "bin/notes": "just text\n",
    })
    index, _ = build_index(repo)
    assert [f.path for f in index.files] == ["bin/tool", "src/main.py"]
    assert by_path(index)["bin/tool"].language == "python"
    assert index.skipped == []


def test_headers_are_c_or_cpp_by_content(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {
        "lib.c": '#include "a.h"\nint f(void) { return 1; }\n',
        "a.h": "#ifndef A_H\nint f(void);\nstatic inline int g(int x) { return f() + x; }\n#endif\n",
        "b.h": "#pragma once\nnamespace n {\nclass B {\n public:\n  int v() const { return 1; }\n};\n}\n",
    })
    index, _ = build_index(repo)
    files = by_path(index)
    assert (files["a.h"].language, files["b.h"].language, files["lib.c"].language) == ("c", "cpp", "c")
    assert [s.qualname for s in files["b.h"].symbols] == ["n.B", "n.B.v"]
    assert [s.qualname for s in files["a.h"].symbols] == ["g"]
    _, stats = build_index(repo)
    assert (stats.reparsed, stats.cached) == (0, 3)


def test_include_tests_false_leaves_test_files_out(repo: Path) -> None:
    index, stats = build_index(repo, include_tests=False)
    assert [f.path for f in index.files] == [p for p in INDEXED if p not in ("tests/test_core.py", "web/app.test.js")]
    assert stats.tests_excluded == 2


def test_missing_path_is_not_found(tmp_path: Path, ctx: ToolContext) -> None:
    with pytest.raises(ToolFailure) as info:
        call_tool("index_code", {"repo_path": str(tmp_path / "nope")}, ctx)
    assert info.value.kind is FailureKind.not_found


def test_file_path_is_invalid_input(repo: Path, ctx: ToolContext) -> None:
    with pytest.raises(ToolFailure) as info:
        call_tool("index_code", {"repo_path": str(repo / "pkg/core.py")}, ctx)
    assert info.value.kind is FailureKind.invalid_input


def test_repo_without_sources_is_insufficient_data(tmp_path: Path, ctx: ToolContext) -> None:
    repo = write_repo(tmp_path / "docs", {
        "a.md": "# a\n", "b.md": "# b\n", "c/d.md": "# d\n", "e.png": b"\x89PNG\x00", "f.png": b"\x89PNG\x00",
    })
    with pytest.raises(ToolFailure) as info:
        call_tool("index_code", {"repo_path": str(repo)}, ctx)
    failure = info.value
    assert failure.kind is FailureKind.insufficient_data
    assert failure.details["extensions"] == {".md": 3, ".png": 2}
    assert ".md x3, .png x2" in failure.hint and "Python" in failure.hint
    assert not (repo / INDEX_FILENAME).exists()


def test_only_oversized_sources_is_insufficient_data_with_a_hint(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"huge.py": "x = 1\n" * 100})
    with pytest.raises(ToolFailure) as info:
        build_index(repo, max_file_bytes=10)
    assert info.value.kind is FailureKind.insufficient_data
    assert "max_file_bytes" in info.value.hint and info.value.details["skipped"] == {"too_large": 1}
