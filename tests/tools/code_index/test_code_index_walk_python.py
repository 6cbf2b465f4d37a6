"""index_code: Python modules, classes, functions, methods and test flags."""

from __future__ import annotations

import textwrap
from pathlib import Path

from goose_studio.tools.code_index import build_index, extract_file
from code_index_helpers import CORE_PY, by_path, by_qualname, line_of, repo  # noqa: F401  (fixtures)


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
