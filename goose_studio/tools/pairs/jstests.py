"""Test cases of JS/TS test files: ``test("...")``/``it("...")`` blocks, which the index does not record as
symbols, turned into test symbols (title, line span, functions called)."""

from __future__ import annotations

import re

from ..index_models import Symbol
from .text import bracket_balance, inline

_JS_TEST_RE = re.compile(r"""^\s*(?:test|it)(?:\.\w+)?\s*\(\s*(["'`])(?P<title>.+?)\1""")
_JS_CALL_RE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(")
_JS_NOT_CALLS = frozenset({
    "if", "for", "while", "switch", "catch", "function", "return", "typeof", "await", "async", "new", "expect",
    "describe", "it", "test", "require", "beforeEach", "afterEach", "beforeAll", "afterAll", "super",
})


def js_test_cases(lines: list[str] | None) -> list[Symbol]:
    """``test("...")`` / ``it("...")`` blocks of a JS/TS test file's lines, as test symbols named by their titles."""
    if lines is None:
        return []
    cases = []
    for i, line in enumerate(lines):
        m = _JS_TEST_RE.match(line)
        if not m:
            continue
        depth, end = 0, i
        for j in range(i, min(len(lines), i + 80)):
            depth += bracket_balance(lines[j])
            end = j
            if depth <= 0:
                break
        calls: list[str] = []
        for j in range(i, end + 1):
            for name in _JS_CALL_RE.findall(lines[j][m.end() if j == i else 0 :]):
                if name not in _JS_NOT_CALLS and not re.match(r"to[A-Z]", name) and name not in calls:
                    calls.append(name)
        title = inline(m.group("title"), 100)
        cases.append(Symbol(kind="function", name=title, qualname=title, start_line=i + 1, end_line=end + 1,
                            calls=calls, is_test=True))
    return cases
