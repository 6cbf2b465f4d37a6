"""index_code: tree-sitter extraction, the on-disk cache, skipped files and typed failures."""

from __future__ import annotations

import errno
import json
import os
import socket
import textwrap
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import EventBus, read_events
from goose_studio.tools import code_index, registry
from goose_studio.tools.code_index import build_index, extract_file, is_test_path, load_index
from goose_studio.tools.index_models import INDEX_FILENAME, CodeIndex, FileIndex, Symbol
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace

OLD_MTIME = 1_600_000_000  # 2020: well outside the window where an mtime is not trusted

CORE_PY = '''\
"""Core parsing utilities.

Longer description.
"""
import os
import json as j
from typing import Any
from .util import helper


def parse(text: str) -> dict:
    """Parse text.

    Details:
        indented more.
    """
    data = j.loads(text)
    return helper(data)


class Parser(Base):
    """A parser."""

    @staticmethod
    def make(
        a: int,
        b: str = "x",
    ) -> "Parser":
        return Parser()

    @property
    def name(self) -> str:
        return self._name.upper()

    async def run(self, text):
        # not a docstring
        await self.step(text)
        self.step(text)
        os.path.join("a", "b")
'''

UTIL_PY = '''\
def helper(x):
    return x
'''

TEST_CORE_PY = '''\
from pkg.core import parse


def test_parse():
    assert parse("{}") == {}


class TestParser:
    def test_make(self):
        pass


def make_fixture():
    return 1
'''

APP_JS = '''\
// Application entry point.
const express = require('express');
import { thing } from './thing.js';

/**
 * Start the server.
 * @param {number} port the port
 */
function start(port) {
  const app = express();
  app.listen(port);
}

const stop = async (server) => {
  await server.close();
};

class Server extends Base {
  /** Handle a request. */
  handle(req, res) {
    res.send(render(req));
  }
}

module.exports = { start, stop };
'''

TYPES_TS = '''\
import type { Config } from "./config";
import * as path from "path";

/** Load the config. */
export async function loadConfig(file: string): Promise<Config> {
  return readConfig(path.resolve(file));
}

export const double = (n: number): number => n * 2;

export class Store<T> {
  private items: T[] = [];

  /** Add an item. */
  add(item: T): void {
    this.items.push(item);
  }
}
'''

BUTTON_TSX = '''\
import React from "react";

interface Props { label: string }

/** A button. */
export function Button({ label }: Props) {
  return <button onClick={() => track(label)}>{label}</button>;
}

export default function App() {
  return <Button label="hi" />;
}
'''

APP_TEST_JS = '''\
describe("app", () => {
  it("works", () => { expect(1).toBe(1); });
});
'''

REPO_FILES = {
    "pkg/__init__.py": '"""The demo package."""\n',
    "pkg/core.py": CORE_PY,
    "pkg/util.py": UTIL_PY,
    "tests/test_core.py": TEST_CORE_PY,
    "web/app.js": APP_JS,
    "web/types.ts": TYPES_TS,
    "web/Button.tsx": BUTTON_TSX,
    "web/app.test.js": APP_TEST_JS,
    "README.md": "# Demo\n",
}
INDEXED = sorted(p for p in REPO_FILES if not p.endswith(".md"))


def write_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_repo(tmp_path / "repo", REPO_FILES)
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    return root


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ToolContext:
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # call_tool imports every tool module; only this one matters here
    monkeypatch.setattr(registry, "_TOOL_MODULES", ("code_index",))
    ws = Workspace(tmp_path / "home")
    ws.ensure()
    bus = EventBus("test-run", ws.runs / "test-run" / "events.jsonl")
    return ToolContext(workspace=ws, run_id="test-run", events=bus, tab="build")


def line_of(source: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for n, line in enumerate(source.splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in source")


def by_path(index: CodeIndex) -> dict[str, FileIndex]:
    return {f.path: f for f in index.files}


def by_qualname(file: FileIndex) -> dict[str, Symbol]:
    return {s.qualname: s for s in file.symbols}


def age(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD_MTIME, OLD_MTIME))


# ---------------------------------------------------------------------------------------------------------
# extraction
# ---------------------------------------------------------------------------------------------------------


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


def test_python_symbols(repo: Path) -> None:
    index, _ = build_index(repo)
    files = by_path(index)
    core = files["pkg/core.py"]
    assert core.language == "python"
    assert core.module_docstring == "Core parsing utilities.\n\nLonger description."
    assert core.imports == ["os", "json", "typing", ".util"]
    assert core.lines == CORE_PY.count("\n")
    assert files["pkg/__init__.py"].module_docstring == "The demo package."

    syms = by_qualname(core)
    assert list(syms) == ["parse", "Parser", "Parser.make", "Parser.name", "Parser.run"]

    parse = syms["parse"]
    assert (parse.kind, parse.name, parse.parent) == ("function", "parse", None)
    assert parse.signature == "def parse(text: str) -> dict:"
    assert parse.docstring == "Parse text.\n\nDetails:\n    indented more."
    assert parse.calls == ["j.loads", "helper"]
    assert parse.start_line == line_of(CORE_PY, "def parse")
    assert parse.end_line == line_of(CORE_PY, "return helper(data)")

    cls = syms["Parser"]
    assert (cls.kind, cls.signature, cls.docstring) == ("class", "class Parser(Base):", "A parser.")
    assert cls.start_line == line_of(CORE_PY, "class Parser")
    assert cls.end_line == line_of(CORE_PY, 'os.path.join("a", "b")')

    make = syms["Parser.make"]
    assert (make.kind, make.name, make.parent) == ("method", "make", "Parser")
    assert make.signature == 'def make(a: int, b: str = "x") -> "Parser":'
    assert make.decorators == ["staticmethod"]
    assert make.start_line == line_of(CORE_PY, "@staticmethod")  # the span includes the decorators
    assert make.calls == ["Parser"]

    assert syms["Parser.name"].decorators == ["property"]
    assert syms["Parser.name"].calls == ["self._name.upper"]

    run = syms["Parser.run"]
    assert run.signature == "async def run(self, text):"
    assert run.docstring == ""
    assert run.calls == ["self.step", "os.path.join"]
    assert not any(s.is_test for s in core.symbols) and not core.is_test


def test_python_test_flags(repo: Path) -> None:
    index, _ = build_index(repo)
    tests = by_path(index)["tests/test_core.py"]
    assert tests.is_test
    assert tests.imports == ["pkg.core"]
    flags = {s.qualname: s.is_test for s in tests.symbols}
    assert flags == {"test_parse": True, "TestParser": True, "TestParser.test_make": True, "make_fixture": False}
    assert by_path(index)["web/app.test.js"].is_test
    assert not by_path(index)["web/app.js"].is_test


def test_javascript_symbols(repo: Path) -> None:
    index, _ = build_index(repo)
    app = by_path(index)["web/app.js"]
    assert app.language == "javascript"
    assert app.module_docstring == "Application entry point."
    assert app.imports == ["express", "./thing.js"]
    syms = by_qualname(app)
    assert list(syms) == ["start", "stop", "Server", "Server.handle"]

    start = syms["start"]
    assert start.signature == "function start(port)"
    assert start.docstring == "Start the server.\n@param {number} port the port"
    assert start.calls == ["express", "app.listen"]
    first = line_of(APP_JS, "function start")
    assert (start.start_line, start.end_line) == (first, first + 3)

    stop = syms["stop"]
    assert (stop.kind, stop.signature, stop.docstring) == ("function", "const stop = async (server) =>", "")
    assert stop.calls == ["server.close"]

    handle = syms["Server.handle"]
    assert (handle.kind, handle.parent, handle.signature) == ("method", "Server", "handle(req, res)")
    assert handle.docstring == "Handle a request."
    assert handle.calls == ["res.send", "render"]
    assert syms["Server"].signature == "class Server extends Base"


def test_typescript_and_tsx_symbols(repo: Path) -> None:
    index, _ = build_index(repo)
    ts = by_path(index)["web/types.ts"]
    assert ts.language == "typescript" and ts.parse_errors == 0
    assert ts.imports == ["./config", "path"]
    syms = by_qualname(ts)
    assert list(syms) == ["loadConfig", "double", "Store", "Store.add"]
    load = syms["loadConfig"]
    assert load.signature == "export async function loadConfig(file: string): Promise<Config>"
    assert load.docstring == "Load the config."
    assert load.calls == ["readConfig", "path.resolve"]
    assert load.start_line == line_of(TYPES_TS, "export async function")
    assert syms["double"].signature == "export const double = (n: number): number =>"
    assert syms["Store"].signature == "export class Store<T>"
    add = syms["Store.add"]
    assert (add.signature, add.docstring, add.calls) == ("add(item: T): void", "Add an item.", ["this.items.push"])

    tsx = by_path(index)["web/Button.tsx"]
    assert tsx.language == "tsx" and tsx.parse_errors == 0
    assert tsx.imports == ["react"]
    syms = by_qualname(tsx)
    assert list(syms) == ["Button", "App"]
    assert syms["Button"].signature == "export function Button({ label }: Props)"
    assert syms["Button"].docstring == "A button."
    assert syms["Button"].calls == ["track"]
    assert syms["App"].signature == "export default function App()"


def test_other_languages() -> None:
    go = extract_file("go", b'// Package srv serves.\npackage srv\n\nimport "fmt"\n\n'
                            b'// Server serves.\ntype Server struct{ n int }\n\n'
                            b'// Run runs it.\nfunc (s *Server) Run(n int) error { fmt.Println(n); return nil }\n')
    assert go[0] == "Package srv serves." and go[1] == ["fmt"]
    assert [(s.kind, s.qualname, s.docstring) for s in go[2]] == [
        ("class", "Server", "Server serves."), ("method", "Server.Run", "Run runs it.")]
    assert go[2][1].signature == "func (s *Server) Run(n int) error" and go[2][1].calls == ["fmt.Println"]

    rust = extract_file("rust", b"use std::fmt;\n/// A point.\npub struct P { x: i32 }\n"
                                b"impl P {\n    /// Norm.\n    pub fn norm(&self) -> i32 { abs(self.x) }\n}\n"
                                b"#[test]\nfn it_works() { assert_eq!(1, 1); }\n")
    assert rust[1] == ["std::fmt"]
    assert [(s.kind, s.qualname, s.docstring, s.is_test) for s in rust[2]] == [
        ("class", "P", "A point.", False), ("method", "P.norm", "Norm.", False),
        ("function", "it_works", "", True)]
    assert rust[2][2].decorators == ["test"] and rust[2][2].calls == ["assert_eq!"]

    java = extract_file("java", b"import java.util.List;\n/** Greets. */\npublic class Hello {\n"
                                b"  @Test\n  public void greet(String n) { System.out.println(n); }\n}\n")
    assert java[1] == ["java.util.List"]
    assert [(s.qualname, s.signature) for s in java[2]] == [
        ("Hello", "public class Hello"), ("Hello.greet", "public void greet(String n)")]
    assert java[2][0].docstring == "Greets." and java[2][1].is_test and java[2][1].decorators == ["Test"]

    ruby = extract_file("ruby", b"require 'json'\nmodule M\n  # Does it.\n  class K < B\n"
                                b"    def go(a)\n      helper(a)\n    end\n  end\nend\n")
    assert ruby[1] == ["json"]
    assert [(s.kind, s.qualname) for s in ruby[2]] == [("class", "M"), ("class", "M.K"), ("method", "M.K.go")]
    assert ruby[2][1].docstring == "Does it." and ruby[2][2].calls == ["helper"]

    cpp = extract_file("cpp", b"#include <vector>\nnamespace ns {\n/** A widget. */\nclass W {\n public:\n"
                              b"  int size() const { return v.size(); }\n};\n}\nint main() { return run(); }\n")
    assert cpp[1] == ["vector"]
    assert [(s.kind, s.qualname, s.parent) for s in cpp[2]] == [
        ("class", "ns.W", None), ("method", "ns.W.size", "ns.W"), ("function", "main", None)]
    assert cpp[2][0].docstring == "A widget." and cpp[2][2].calls == ["run"]

    c = extract_file("c", b'#include "a.h"\n/* Adds. */\nstatic int add(int a, int b) { return sum(a, b); }\n')
    assert c[1] == ["a.h"]
    assert [(s.qualname, s.signature, s.docstring) for s in c[2]] == [
        ("add", "static int add(int a, int b)", "Adds.")]


def test_commonjs_exports() -> None:
    src = b"""/** Fetch revisions. */
module.exports = async (repo, opts = {}) => { return spawn(repo) }
exports.named = function named(a) { go(a) }
module.exports.Store = class Store { get(k) { return load(k) } }
Cache.prototype.clear = function () { reset() }
"""
    _, _, symbols, _ = extract_file("javascript", src)
    assert [(s.kind, s.qualname, s.parent) for s in symbols] == [
        ("function", "module.exports", None), ("function", "named", None), ("class", "Store", None),
        ("method", "Store.get", "Store"), ("method", "Cache.clear", "Cache")]
    assert symbols[0].signature == "module.exports = async (repo, opts = {}) =>"
    assert symbols[0].docstring == "Fetch revisions." and symbols[0].calls == ["spawn"]
    assert symbols[4].signature == "Cache.prototype.clear = function ()" and symbols[4].calls == ["reset"]


def test_signature_is_one_line_without_comments_and_capped() -> None:
    src = (b"def f(\n    a,  # the first\n    b=(1,),\n):\n    pass\n\n"
           b"def g(x=" + b'"' + b"y" * 3000 + b'"' + b"):\n    pass\n")
    _, _, symbols, _ = extract_file("python", src)
    assert symbols[0].signature == "def f(a, b=(1,)):"
    assert len(symbols[1].signature) == code_index.MAX_SIGNATURE and symbols[1].signature.endswith("…")


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


def test_parse_errors_are_counted_and_the_file_kept(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"ok.py": "def fine():\n    pass\n", "bad.py": "def broken(:\n    x = \n"})
    index, stats = build_index(repo)
    files = by_path(index)
    assert files["bad.py"].parse_errors > 0 and files["ok.py"].parse_errors == 0
    assert stats.files_with_parse_errors == 1


def test_test_path_conventions() -> None:
    for path in ("tests/a.py", "test_x.py", "pkg/x_test.py", "conftest.py", "src/__tests__/a.js", "a.spec.ts",
                 "a.test.tsx", "x_test.go", "spec/a_spec.rb", "src/test/java/AppTest.java"):
        assert is_test_path(path), path
    for path in ("pkg/core.py", "src/app.ts", "testing_utils/a.go", "contest.py", "latest.js"):
        assert not is_test_path(path), path


# ---------------------------------------------------------------------------------------------------------
# walking and skipped files
# ---------------------------------------------------------------------------------------------------------


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


def test_include_tests_false_leaves_test_files_out(repo: Path) -> None:
    index, stats = build_index(repo, include_tests=False)
    assert [f.path for f in index.files] == [p for p in INDEXED if p not in ("tests/test_core.py", "web/app.test.js")]
    assert stats.tests_excluded == 2


# ---------------------------------------------------------------------------------------------------------
# the cache
# ---------------------------------------------------------------------------------------------------------


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
    real_sha256 = code_index.hashlib.sha256

    def counting_sha256(data: bytes = b""):
        hashed.append(len(data))
        return real_sha256(data)

    monkeypatch.setattr(code_index.hashlib, "sha256", counting_sha256)
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


@pytest.mark.parametrize("garbage", [b"{not json", b'{"schema_version": 999, "repo_root": "/x", "files": []}',
                                     b'{"files": "nope"}'])
def test_corrupted_or_outdated_cache_is_rebuilt(repo: Path, garbage: bytes) -> None:
    build_index(repo)
    (repo / INDEX_FILENAME).write_bytes(garbage)
    index, stats = build_index(repo)
    assert (stats.reparsed, stats.cached) == (len(INDEXED), 0)
    assert load_index(repo) == index


def test_index_is_deterministic_and_independent_of_workers(repo: Path) -> None:
    age(repo)
    build_index(repo, force=True, workers=1)
    serial = (repo / INDEX_FILENAME).read_bytes()
    build_index(repo, force=True, workers=1)
    assert (repo / INDEX_FILENAME).read_bytes() == serial
    _, stats = build_index(repo, force=True, workers=2)
    assert stats.reparsed == len(INDEXED)
    assert (repo / INDEX_FILENAME).read_bytes() == serial
    data = json.loads(serial)
    assert [f["path"] for f in data["files"]] == INDEXED


def test_grammars_load_without_network(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the indexer tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(code_index, "_LANGS", {})  # grammars are loaded again, from the wheel
    index, _ = build_index(repo, force=True)
    assert set(index.languages) == {"python", "javascript", "typescript", "tsx"}


# ---------------------------------------------------------------------------------------------------------
# failures
# ---------------------------------------------------------------------------------------------------------


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
    real_write = code_index.write_atomic
    target = repo.resolve() / INDEX_FILENAME

    def refuse_repo(path: Path, data: str | bytes) -> None:
        if Path(path) == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        real_write(path, data)

    monkeypatch.setattr(code_index, "write_atomic", refuse_repo)
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


def test_bad_arguments_are_invalid_input(repo: Path, ctx: ToolContext) -> None:
    with pytest.raises(ToolFailure) as info:
        call_tool("index_code", {"repo_path": str(repo), "max_file_bytes": 0}, ctx)
    assert info.value.kind is FailureKind.invalid_input
    assert registry.REGISTRY["index_code"].tab == "build"


def test_method_spans_and_docstring() -> None:
    src = textwrap.dedent('''\
        class A:
            def m(self):
                """Doc."""
                return 1
    ''')
    module_doc, imports, symbols, errors = extract_file("python", src.encode())
    assert (module_doc, imports, errors) == ("", [], 0)
    assert [(s.qualname, s.docstring, s.start_line, s.end_line) for s in symbols] == [
        ("A", "", 1, 4), ("A.m", "Doc.", 2, 4)]
