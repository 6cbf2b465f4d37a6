"""Which files the indexer reads and in which language: extensions, labels, shebangs and test-file rules."""

from __future__ import annotations

import re

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".rb": "ruby",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".c++": "cpp",
    ".hh": "cpp", ".hpp": "cpp", ".hxx": "cpp", ".h++": "cpp", ".ipp": "cpp",
}
CPP_EXTS = frozenset(e for e, lang in EXTENSIONS.items() if lang == "cpp")

LANGUAGE_LABELS: dict[str, str] = {
    "python": "Python", "javascript": "JavaScript", "typescript": "TypeScript", "tsx": "TSX", "go": "Go",
    "rust": "Rust", "java": "Java", "ruby": "Ruby", "c": "C", "cpp": "C++",
}

# An extension-less file is read when its shebang names one of these interpreters (python by default).
SHEBANG_RE = re.compile(rb"^#![^\n]*?\b(python[0-9.]*|node|ruby)\b")
SHEBANG_LANGUAGES = {b"node": "javascript", b"ruby": "ruby"}

_TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "specs"})
_TEST_NAME_RE = re.compile(
    r"""(
        ^test_.*\.py[iw]?$ | ^.*_test\.py$ | ^conftest\.py$
      | \.(test|spec)\.[cm]?[jt]sx?$
      | _test\.go$
      | (Test|Tests|TestCase|IT)\.java$
      | _(spec|test)\.rb$ | ^test_.*\.rb$
      | ^test_.*\.(c|cc|cpp|cxx)$ | _(test|unittest)\.(c|cc|cpp|cxx)$
    )""",
    re.X,
)


def language_for(path: str) -> str | None:
    """The language of a file by its extension (None when the studio does not read it)."""
    dot = path.rfind(".")
    if dot <= path.rfind("/"):
        return None
    return EXTENSIONS.get(path[dot:].lower())


def is_test_path(rel_path: str) -> bool:
    """True for test files by the usual conventions (test dirs, test_*.py, *.spec.ts, *_test.go, ...)."""
    parts = rel_path.split("/")
    if any(p in _TEST_DIRS for p in parts[:-1]):
        return True
    if "src/test/" in rel_path:
        return True
    return bool(_TEST_NAME_RE.search(parts[-1]))
