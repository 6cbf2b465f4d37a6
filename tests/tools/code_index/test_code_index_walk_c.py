"""index_code: C and C++ functions, classes in namespaces, methods, includes and doc comments."""

from __future__ import annotations

from goose_studio.tools.code_index import extract_file


def test_cpp() -> None:
    cpp = extract_file("cpp", b"#include <vector>\nnamespace ns {\n/** A widget. */\nclass W {\n public:\n"
                              b"  int size() const { return v.size(); }\n};\n}\nint main() { return run(); }\n")
    assert cpp[1] == ["vector"]
    assert [(s.kind, s.qualname, s.parent) for s in cpp[2]] == [
        ("class", "ns.W", None), ("method", "ns.W.size", "ns.W"), ("function", "main", None)]
    assert cpp[2][0].docstring == "A widget." and cpp[2][2].calls == ["run"]


def test_c() -> None:
    c = extract_file("c", b'#include "a.h"\n/* Adds. */\nstatic int add(int a, int b) { return sum(a, b); }\n')
    assert c[1] == ["a.h"]
    assert [(s.qualname, s.signature, s.docstring) for s in c[2]] == [
        ("add", "static int add(int a, int b)", "Adds.")]
