"""``index_code``: parse a repository with tree-sitter into a :class:`CodeIndex` (``.studio-index.json``).

Every source file in a supported language is parsed with the grammars bundled in
``tree_sitter_language_pack`` (shipped inside the wheel, so nothing is fetched at run time). For each file
the index keeps its module docstring or leading comment, its imports, and its classes, functions and
methods with signature, docstring / doc comment, decorators, the names called in the body (at most
:data:`MAX_CALLS`), 1-based line spans (decorators included) and test flags. See
:mod:`goose_studio.tools.index_models` for the data model. A ``.h`` file is read as C++ when it holds C++
constructs (or the project has C++ sources and no C ones), as C otherwise.

Walk: sorted, deterministic; hidden files and directories, ``node_modules``, virtual environments (any
directory holding ``pyvenv.cfg``, plus ``venv``/``.venv``), ``__pycache__``, ``dist``, ``build``, ``.tox``
and ``site-packages`` are not entered, and symbolic links are not followed. Extension-less files are
indexed when their shebang names python, node or ruby.

Skipped files: only files that *would* be indexed are reported (``too_large`` over ``max_file_bytes``,
``binary`` when a NUL byte shows up in the first 8 KiB, ``unreadable`` on an OS error). Files in
languages the studio does not read are not listed (they are counted, by extension, for the error raised
when a repository has no supported source at all). The list is capped at :data:`MAX_SKIPPED_LISTED`
entries; ``skipped_total`` has the full count.

Cache: the index is written atomically to ``<repo>/.studio-index.json``. On the next call a file whose
size and modification time (``mtime_ns``) match its cached entry is reused without being read; otherwise
it is read and hashed, and re-parsed only when its sha256 changed. An mtime within two seconds of the
indexing run is not trusted (stored as 0, so the file is hashed next time) and a same-second edit is
never missed. ``mtime_ns`` is the only field that depends on the checkout rather than the content: once
the mtimes have settled the index is byte-identical from run to run (an unchanged index is not even
rewritten), and consumers must not read ``mtime_ns`` (nor ``repo_root``) when they build anything from
it. A missing, corrupted or outdated cache is rebuilt silently. When the repository cannot be written,
the tool keeps the index in the workspace cache instead.

Speed: files are parsed in worker processes (fork, Linux only) when there are enough of them to pay for
it; the result does not depend on the number of workers.
"""

from __future__ import annotations

import ast
import bisect
import errno
import hashlib
import inspect
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, Field, ValidationError

from ..errors import FailureKind, ToolFailure
from ..workspace import write_atomic
from .index_models import INDEX_FILENAME, INDEX_SCHEMA_VERSION, CodeIndex, FileIndex, SkippedFile, Symbol, load_index
from .registry import ToolContext, tool

# Bumped whenever extraction changes, so that a cache written by an older extractor is rebuilt.
EXTRACTOR_VERSION = 1

MAX_SKIPPED_LISTED = 500
MAX_CALLS = 30
MAX_SIGNATURE = 1000  # characters; longer signatures are cut and end with "…"
PROGRESS_EVERY = 50
BINARY_PROBE_BYTES = 8192
RACY_MTIME_NS = 2_000_000_000

# ----------------------------------------------------------------------------------------------------------
# languages
# ----------------------------------------------------------------------------------------------------------

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
_CPP_EXTS = {e for e, lang in EXTENSIONS.items() if lang == "cpp"}

LANGUAGE_LABELS: dict[str, str] = {
    "python": "Python", "javascript": "JavaScript", "typescript": "TypeScript", "tsx": "TSX", "go": "Go",
    "rust": "Rust", "java": "Java", "ruby": "Ruby", "c": "C", "cpp": "C++",
}

_SHEBANG_RE = re.compile(rb"^#![^\n]*?\b(python[0-9.]*|node|ruby)\b")
_SHEBANG_LANG = {b"node": "javascript", b"ruby": "ruby"}

SKIP_DIRS = frozenset({
    "node_modules", "__pycache__", "dist", "build", "site-packages", "venv", "bower_components",
})

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

# Tree-sitter queries, per language: callee expressions ("callee": the text is the called name; "call": the
# text up to the arguments is), imported modules ("m"), and comments ("c").
_CALLS = {
    "python": "(call function: (_) @callee)",
    "javascript": "(call_expression function: (_) @callee) (new_expression constructor: (_) @callee)",
    "go": "(call_expression function: (_) @callee)",
    "rust": "(call_expression function: (_) @callee) (macro_invocation macro: (_) @macro)",
    "java": "(method_invocation) @call (object_creation_expression type: (_) @callee)",
    "ruby": "(call) @call",
    "c": "(call_expression function: (_) @callee)",
    "cpp": "(call_expression function: (_) @callee) (new_expression type: (_) @callee)",
}
_CALLS["typescript"] = _CALLS["tsx"] = _CALLS["javascript"]

_JS_IMPORTS = """
(import_statement source: (string (string_fragment) @m))
(export_statement source: (string (string_fragment) @m))
(call_expression function: (identifier) @f arguments: (arguments . (string (string_fragment) @m))
  (#eq? @f "require"))
(call_expression function: (import) arguments: (arguments . (string (string_fragment) @m)))
"""
_IMPORTS = {
    "python": """
(import_statement name: (dotted_name) @m)
(import_statement name: (aliased_import name: (dotted_name) @m))
(import_from_statement module_name: (_) @m)
""",
    "javascript": _JS_IMPORTS,
    "typescript": _JS_IMPORTS,
    "tsx": _JS_IMPORTS,
    "go": "(import_spec path: (_) @m)",
    "rust": "(use_declaration argument: (_) @m) (extern_crate_declaration name: (_) @m)",
    "java": "(import_declaration) @m",
    "ruby": """
(call method: (identifier) @f arguments: (argument_list . (string (string_content) @m))
  (#match? @f "^(require|require_relative|load)$"))
""",
    "c": "(preproc_include path: (_) @m)",
    "cpp": "(preproc_include path: (_) @m)",
}
_COMMENTS = {
    "javascript": "(comment) @c", "typescript": "(comment) @c", "tsx": "(comment) @c", "go": "(comment) @c",
    "rust": "[(line_comment) (block_comment)] @c", "java": "[(line_comment) (block_comment)] @c",
    "ruby": "(comment) @c", "c": "(comment) @c", "cpp": "(comment) @c",
}


class _Lang:
    """A loaded grammar with its parser and compiled queries."""

    def __init__(self, name: str) -> None:
        try:
            from tree_sitter import Parser, Query
            from tree_sitter_language_pack import get_language
        except ImportError as exc:  # pragma: no cover - the dependency is declared
            raise ToolFailure(
                FailureKind.missing_dependency,
                f"The tree-sitter packages are not installed ({exc}).",
                hint="Install the studio's dependencies: pip install 'tree-sitter-language-pack==0.13.0'.",
            ) from exc
        try:
            self.language = get_language(name)  # type: ignore[arg-type]
        except (LookupError, OSError) as exc:
            raise ToolFailure(
                FailureKind.missing_dependency,
                f"The tree-sitter grammar for {LANGUAGE_LABELS.get(name, name)} could not be loaded ({exc}).",
                hint="Reinstall tree-sitter-language-pack==0.13.0; its grammars ship inside the wheel.",
                details={"language": name},
            ) from exc
        self.name = name
        self.parser = Parser(self.language)
        # One query for everything: running a query costs a walk of the whole tree, whatever it matches.
        self.query = Query(self.language, "\n".join((_CALLS[name], _IMPORTS[name], _COMMENTS.get(name, ""),
                                                      "(ERROR) @e")))


_LANGS: dict[str, _Lang] = {}


def _lang(name: str) -> _Lang:
    lang = _LANGS.get(name)
    if lang is None:
        lang = _LANGS[name] = _Lang(name)
    return lang


def get_parser(language: str) -> Any:
    """The (cached) tree-sitter parser the indexer uses for ``language``."""
    return _lang(language).parser


def _captures(query: Any, node: Any) -> dict[str, list[Any]]:
    from tree_sitter import QueryCursor

    return QueryCursor(query).captures(node)


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


# ----------------------------------------------------------------------------------------------------------
# text helpers
# ----------------------------------------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")
_TRAILING_COMMA_RE = re.compile(r",\s*\n\s*([)\]}])")
_OPEN_NL_RE = re.compile(r"([(\[{])[ \t]*\r?\n\s*")
_NL_CLOSE_RE = re.compile(r"\s*\n\s*([)\]}])")
_DOTTED_RE = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::|->|\?\.)[A-Za-z_$#][\w$]*)*!?$")
_TRAILING_NAME_RE = re.compile(r"([A-Za-z_$][\w$]*)!?\s*$")
_GENERIC_ARGS_RE = re.compile(r"<[^<>]*>")
_JAVA_IMPORT_RE = re.compile(r"^import\s+(static\s+)?")
_LICENSE_RE = re.compile(
    r"\b(copyright|spdx-license-identifier|licensed under|permission is hereby granted|all rights reserved)\b",
    re.I,
)
_DIRECTIVE_RE = re.compile(
    r"^\s*(eslint|jshint|jslint|global\s|@ts-|prettier-ignore|istanbul|frozen_string_literal|-\*-|vim?:|"
    r"encoding[:=]|coding[:=]|typed:|rubocop|clang-format|NOLINT|@flow|@jsx|webpack|#region|#endregion|"
    r"!\[|go:build|\+build)",
    re.I,
)


def _one_line(text: str) -> str:
    """A declaration header on one line, single-spaced (multi-line parameter lists folded)."""
    if "\n" in text:
        text = _TRAILING_COMMA_RE.sub(r"\1", text)
        text = _OPEN_NL_RE.sub(r"\1", text)
        text = _NL_CLOSE_RE.sub(r"\1", text)
    return " ".join(text.split())


def _clean_comment(parts: list[str]) -> str:
    """Doc text from comment tokens: markers (``/** */``, leading ``*``, ``///``, ``//``, ``#``) removed."""
    lines: list[str] = []
    for part in parts:
        if part.startswith("/*"):
            body = part[2:-2] if part.endswith("*/") else part[2:]
            body = body.lstrip("*!")
            for ln in body.splitlines():
                ln = ln.lstrip()
                if ln.startswith("*"):
                    ln = ln[1:]
                    if ln.startswith(" "):
                        ln = ln[1:]
                lines.append(ln)
        else:
            for prefix in ("///", "//!", "//", "#"):
                if part.startswith(prefix):
                    part = part[len(prefix):]
                    break
            lines.append(part[1:] if part.startswith(" ") else part)
    return inspect.cleandoc("\n".join(lines)).strip()


def _py_string(text: str) -> str:
    """The value of a Python string literal (used for docstrings)."""
    for q in ('"""', "'''"):
        # the common case, a plain triple-quoted string without escapes, needs no evaluation
        if text.startswith(q) and text.endswith(q) and len(text) >= 6 and "\\" not in text:
            inner = text[3:-3]
            if q not in inner:
                return inspect.cleandoc(inner).strip()
    try:

        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = None
    if not isinstance(value, str):
        stripped = text.lstrip("rRbBuUfF")
        for q in ('"""', "'''", '"', "'"):
            if stripped.startswith(q) and stripped.endswith(q) and len(stripped) >= 2 * len(q):
                stripped = stripped[len(q):-len(q)]
                break
        value = stripped
    return inspect.cleandoc(value).strip()


def _callee_name(text: str) -> str:
    text = text.strip()
    if "<" in text:
        for _ in range(3):
            text = _GENERIC_ARGS_RE.sub("", text)
    if _DOTTED_RE.match(text):
        return text[:120]
    compact = _WS_RE.sub("", text)
    if _DOTTED_RE.match(compact):
        return compact[:120]
    m = _TRAILING_NAME_RE.search(text)
    return m.group(1) if m else ""


# ----------------------------------------------------------------------------------------------------------
# extraction
# ----------------------------------------------------------------------------------------------------------


@dataclass
class _Def:
    kind: str
    name: str
    qualname: str
    parent: str | None
    span_start: int  # byte where the symbol's span starts (decorators included)
    start_line: int
    end_byte: int
    end_line: int
    header_start: int  # signature = src[header_start:header_end]
    header_end: int
    header_node: Any  # where comments inside the header are looked for
    decorators: list[str]
    doc: str
    is_test: bool
    sig_prefix: str = ""  # text put before the header (a declaration keyword shared by several declarators)
    calls: list[str] = field(default_factory=list)
    parent_idx: int = -1


def _end_line(node: Any) -> int:
    row, col = node.end_point
    if col == 0 and row > node.start_point[0]:
        return row
    return row + 1


class _Extractor:
    """Extracts one file's module doc, imports, symbols and parse-error count."""

    def __init__(self, lang: _Lang, src: bytes, is_test_file: bool) -> None:
        self.lang = lang
        self.name = lang.name
        self.src = src
        self.is_test_file = is_test_file
        self.tree = lang.parser.parse(src)
        self.root = self.tree.root_node
        self.caps = _captures(lang.query, self.root)
        self.defs: list[_Def] = []
        self._comment_starts: list[int] = []
        self._comment_ends: list[int] = []
        self._comment_nodes: list[Any] = []
        self._used_doc_comments: set[int] = set()

    # -- small helpers -----------------------------------------------------------------------------------

    def text(self, node: Any) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def slice(self, a: int, b: int) -> str:
        return self.src[a:b].decode("utf-8", "replace")

    def add(self, *, kind: str, name: str, qualname: str, parent: str | None, node: Any, span_start_node: Any,
            header_start: int, header_end: int, decorators: list[str], doc: str, is_test: bool,
            header_node: Any = None, sig_prefix: str = "") -> None:
        self.defs.append(_Def(
            kind=kind, name=name, qualname=qualname, parent=parent,
            span_start=span_start_node.start_byte, start_line=span_start_node.start_point[0] + 1,
            end_byte=node.end_byte, end_line=_end_line(node),
            header_start=header_start, header_end=max(header_start, header_end),
            header_node=node if header_node is None else header_node,
            decorators=decorators, doc=doc, is_test=is_test, sig_prefix=sig_prefix,
        ))

    def signature(self, d: _Def) -> str:
        raw = self.src[d.header_start:d.header_end].rstrip()
        markers = (b"#",) if self.name in ("python", "ruby") else (b"//", b"/*")
        if any(m in raw for m in markers):
            cuts: list[tuple[int, int]] = []
            stack = [d.header_node]
            while stack:
                node = stack.pop()
                if node.end_byte <= d.header_start or node.start_byte >= d.header_end:
                    continue
                if "comment" in node.type:
                    cuts.append((max(node.start_byte, d.header_start), min(node.end_byte, d.header_end)))
                    continue
                stack.extend(node.children)
            if cuts:
                pieces, pos = [], d.header_start
                for a, b in sorted(cuts):
                    pieces.append(self.src[pos:a])
                    pos = b
                pieces.append(self.src[pos:d.header_end])
                raw = b"".join(pieces)
        sig = _one_line(d.sig_prefix + raw.decode("utf-8", "replace"))
        if self.name != "python":
            sig = sig.rstrip("{;").rstrip()
        if len(sig) > MAX_SIGNATURE:  # e.g. parameters carrying whole documents in annotations
            sig = sig[:MAX_SIGNATURE - 1].rstrip() + "…"
        return sig

    # -- comments ----------------------------------------------------------------------------------------

    def load_comments(self) -> None:
        nodes = self.caps.get("c")
        if not nodes:
            return
        nodes.sort(key=lambda n: n.start_byte)
        self._comment_nodes = nodes
        self._comment_starts = [n.start_byte for n in nodes]
        self._comment_ends = [n.end_byte for n in nodes]

    def _own_line(self, start: int) -> bool:
        line_start = self.src.rfind(b"\n", 0, start) + 1
        return not self.src[line_start:start].strip()

    def _comment_before(self, pos: int) -> int:
        """Index of the comment that ends right before ``pos`` (only whitespace, at most one newline)."""
        i = bisect.bisect_right(self._comment_ends, pos) - 1
        if i < 0:
            return -1
        gap = self.src[self._comment_ends[i]:pos]
        if gap.strip() or gap.count(b"\n") > 1:
            return -1
        if not self._own_line(self._comment_starts[i]):
            return -1
        return i

    def doc_before(self, pos: int, style: str) -> str:
        """The doc comment just above ``pos``. style: jsdoc (``/** */`` only), rust (``///``/``/**``),
        lines (a run of line comments, or one block comment)."""
        i = self._comment_before(pos)
        if i < 0:
            return ""
        first = self.text(self._comment_nodes[i])
        if style == "jsdoc":
            if not first.startswith("/**") or first.startswith("/**/"):
                return ""
            self._used_doc_comments.add(i)
            return _clean_comment([first])
        if style == "rust":
            if first.startswith("/**") and not first.startswith("/**/"):
                self._used_doc_comments.add(i)
                return _clean_comment([first])
            if not first.startswith("///") or first.startswith("////"):
                return ""
        if first.startswith("/*"):
            self._used_doc_comments.add(i)
            return _clean_comment([first])
        parts, idx = [first], [i]
        while True:
            j = self._comment_before(self._comment_starts[idx[-1]])
            if j < 0:
                break
            prev = self.text(self._comment_nodes[j])
            if prev.startswith("/*") or (style == "rust" and (not prev.startswith("///") or prev.startswith("////"))):
                break
            parts.append(prev)
            idx.append(j)
        parts.reverse()
        if all(_DIRECTIVE_RE.match(_clean_comment([p]) or "") for p in parts):
            return ""
        self._used_doc_comments.update(idx)
        return _clean_comment(parts)

    def leading_comment(self) -> str:
        """The file's leading comment block (license headers and tool directives are passed over)."""
        if not self._comment_nodes:
            return ""
        code_start = len(self.src)
        for child in self.root.named_children:
            if "comment" not in child.type and child.type != "hash_bang_line":
                code_start = child.start_byte
                break
        blocks: list[list[int]] = []
        for i, start in enumerate(self._comment_starts):
            if start >= code_start:
                break
            prev_is_line = bool(blocks) and not self.src.startswith(b"/*", self._comment_starts[blocks[-1][-1]])
            if (blocks and prev_is_line and not self.src.startswith(b"/*", start)
                    and self.src[self._comment_ends[blocks[-1][-1]]:start].count(b"\n") <= 1):
                blocks[-1].append(i)
            else:
                blocks.append([i])
        for block in blocks:
            if any(i in self._used_doc_comments for i in block):
                continue
            parts = [self.text(self._comment_nodes[i]) for i in block]
            doc = _clean_comment(parts)
            if not doc or _LICENSE_RE.search(doc):
                continue
            lines = [ln for ln in doc.splitlines() if ln.strip()]
            if all(_DIRECTIVE_RE.match(ln) for ln in lines):
                continue
            return doc
        return ""

    # -- imports, calls, errors --------------------------------------------------------------------------

    def imports(self) -> list[str]:
        nodes = self.caps.get("m", [])
        nodes.sort(key=lambda n: n.start_byte)
        out: list[str] = []
        seen: set[str] = set()
        for node in nodes:
            value = self.text(node)
            if self.name in ("go", "c", "cpp"):
                value = value.strip().strip('"<>`')
            elif self.name == "java":
                value = _JAVA_IMPORT_RE.sub("", value.strip()).removesuffix(";")
                value = _WS_RE.sub("", value)
            elif self.name == "rust":
                value = _WS_RE.sub("", value).replace(",", ", ")
            else:
                value = value.strip()
            if value and value not in seen:
                seen.add(value)
                out.append(value)
        return out

    def assign_calls(self) -> None:
        defs = [d for d in self.defs]
        if not defs:
            return
        defs.sort(key=lambda d: (d.header_start, -d.end_byte))
        stack: list[int] = []
        for k, d in enumerate(defs):
            while stack and defs[stack[-1]].end_byte <= d.header_start:
                stack.pop()
            d.parent_idx = stack[-1] if stack else -1
            stack.append(k)
        starts = [d.header_start for d in defs]
        caps = self.caps
        lists = []
        for key, suffix in (("callee", ""), ("macro", "!")):
            nodes = caps.get(key)
            if nodes:
                lists.append([(n.start_byte, n.end_byte, suffix) for n in nodes])
        call_nodes = caps.get("call")
        if call_nodes:
            spans = []
            for node in call_nodes:
                end = node.end_byte
                for fname in ("arguments", "block"):
                    sub = node.child_by_field_name(fname)
                    if sub is not None and sub.start_byte < end:
                        end = sub.start_byte
                spans.append((node.start_byte, end, ""))
            lists.append(spans)
        if not lists:
            return
        # captures do not come back in document order when patterns overlap; the order of calls must not vary
        items = sorted(x for lst in lists for x in lst)
        src = self.src
        seen_raw: dict[int, set[bytes]] = {}
        seen_names: dict[int, set[str]] = {}
        bisect_right = bisect.bisect_right
        for pos, end, suffix in items:
            i = bisect_right(starts, pos) - 1
            while i >= 0 and pos >= defs[i].end_byte:
                i = defs[i].parent_idx
            if i < 0:
                continue
            d = defs[i]
            if len(d.calls) >= MAX_CALLS:
                continue
            raw = src[pos:end]
            raws = seen_raw.setdefault(i, set())
            if raw in raws:
                continue
            raws.add(raw)
            name = _callee_name(raw.decode("utf-8", "replace"))
            if not name or name in ("import", "require"):
                continue
            name += suffix
            names = seen_names.setdefault(i, set())
            if name not in names:
                names.add(name)
                d.calls.append(name)

    def parse_errors(self) -> int:
        return len(self.caps.get("e", ()))

    # -- the whole file ----------------------------------------------------------------------------------

    def run(self) -> tuple[str, list[str], list[Symbol], int]:
        self.load_comments()
        walker = getattr(self, f"_walk_{_WALKERS[self.name]}")
        walker()
        if self.name == "python":
            module_doc = self._py_module_doc()
        else:
            module_doc = self.leading_comment()
        self.assign_calls()
        self.defs.sort(key=lambda d: (d.span_start, d.header_start))
        symbols = [
            Symbol(
                kind=d.kind, name=d.name, qualname=d.qualname, signature=self.signature(d), docstring=d.doc,
                start_line=d.start_line, end_line=max(d.start_line, d.end_line), parent=d.parent,
                decorators=d.decorators, calls=d.calls, is_test=d.is_test,
            )
            for d in self.defs
        ]
        return module_doc, self.imports(), symbols, self.parse_errors()

    # -- python --------------------------------------------------------------------------------------------

    def _py_docstring(self, block: Any) -> str:
        if block is None:
            return ""
        for stmt in block.named_children:
            if stmt.type == "comment":
                continue
            node = stmt
            if stmt.type == "expression_statement" and stmt.named_child_count == 1:
                node = stmt.named_children[0]
            if node.type in ("string", "concatenated_string"):
                return _py_string(self.text(node))
            return ""
        return ""

    def _py_module_doc(self) -> str:
        return self._py_docstring(self.root)

    _PY_CLAUSES = frozenset({"elif_clause", "else_clause", "except_clause", "except_group_clause", "finally_clause"})
    _PY_COMPOUND = frozenset({"if_statement", "try_statement", "with_statement"})

    def _walk_python(self) -> None:
        self._py_block(self.root, "", None, False)

    def _py_block(self, block: Any, prefix: str, cls: str | None, in_test_class: bool) -> None:
        for child in block.named_children:
            t = child.type
            if t == "decorated_definition":
                definition = child.child_by_field_name("definition")
                decorators = [c for c in child.named_children if c.type == "decorator"]
                if definition is not None:
                    self._py_def(definition, child, decorators, prefix, cls, in_test_class)
            elif t in ("function_definition", "class_definition"):
                self._py_def(child, child, [], prefix, cls, in_test_class)
            elif t in self._PY_COMPOUND:
                for sub in child.named_children:
                    if sub.type == "block":
                        self._py_block(sub, prefix, cls, in_test_class)
                    elif sub.type in self._PY_CLAUSES:
                        for b in sub.named_children:
                            if b.type == "block":
                                self._py_block(b, prefix, cls, in_test_class)

    def _py_def(self, node: Any, outer: Any, decorators: list[Any], prefix: str, cls: str | None,
                in_test_class: bool) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None:
            return
        name = self.text(name_node)
        qualname = prefix + name
        decos = [_one_line(self.text(d).lstrip("@")) for d in decorators]
        is_class = node.type == "class_definition"
        if is_class:
            is_test = in_test_class or bool(_PY_TEST_CLASS_RE.search(name))
            kind = "class"
        else:
            is_test = in_test_class or bool(_PY_TEST_FUNC_RE.match(name))
            kind = "method" if cls is not None else "function"
        self.add(kind=kind, name=name, qualname=qualname, parent=cls, node=outer, span_start_node=outer,
                 header_start=node.start_byte, header_end=body.start_byte if body is not None else node.end_byte,
                 decorators=decos, doc=self._py_docstring(body), is_test=is_test)
        if is_class and body is not None:
            self._py_block(body, qualname + ".", qualname, is_test)

    # -- javascript / typescript ---------------------------------------------------------------------------

    _JS_FUNCS = frozenset({"function_declaration", "generator_function_declaration", "function_expression",
                           "function", "generator_function", "arrow_function"})
    _JS_CLASSES = frozenset({"class_declaration", "class", "abstract_class_declaration"})

    def _first_code_child(self, node: Any) -> Any:
        for c in node.children:
            if c.type != "decorator" and "comment" not in c.type:
                return c
        return node

    def _decorators(self, *nodes: Any) -> list[Any]:
        out = []
        for n in nodes:
            out.extend(c for c in n.children if c.type == "decorator")
        return out

    def _walk_js(self) -> None:
        for stmt in self.root.named_children:
            self._js_statement(stmt)

    def _js_statement(self, stmt: Any) -> None:
        decl, outer, default = stmt, stmt, False
        if stmt.type == "export_statement":
            decl = stmt.child_by_field_name("declaration") or stmt.child_by_field_name("value")
            if decl is None:
                return
            default = any(c.type == "default" for c in stmt.children)
        dt = decl.type
        decorators = self._decorators(outer, decl) if decl is not outer else self._decorators(outer)
        span_node = decorators[0] if decorators else outer
        header_start = self._first_code_child(outer).start_byte
        if dt in self._JS_FUNCS:
            name_node = decl.child_by_field_name("name")
            name = self.text(name_node) if name_node is not None else ("default" if default else "")
            if not name:
                return
            body = decl.child_by_field_name("body")
            self.add(kind="function", name=name, qualname=name, parent=None, node=outer, span_start_node=span_node,
                     header_start=header_start, header_end=body.start_byte if body is not None else outer.end_byte,
                     decorators=[_one_line(self.text(d).lstrip("@")) for d in decorators],
                     doc=self.doc_before(span_node.start_byte, "jsdoc"), is_test=False)
        elif dt in self._JS_CLASSES:
            name_node = decl.child_by_field_name("name")
            name = self.text(name_node) if name_node is not None else ("default" if default else "")
            if name:
                self._js_class(decl, outer, span_node, header_start, name, decorators)
        elif dt in ("lexical_declaration", "variable_declaration"):
            declarators = [c for c in decl.named_children if c.type == "variable_declarator"]
            for k, declarator in enumerate(declarators):
                value = declarator.child_by_field_name("value")
                name_node = declarator.child_by_field_name("name")
                if value is None or name_node is None or name_node.type != "identifier":
                    continue
                name = self.text(name_node)
                first = k == 0
                node_for_span = span_node if first else declarator
                if value.type in self._JS_FUNCS:
                    body = value.child_by_field_name("body")
                    prefix = self.slice(header_start, declarators[0].start_byte)
                    self.add(kind="function", name=name, qualname=name, parent=None,
                             node=outer if len(declarators) == 1 else declarator, span_start_node=node_for_span,
                             header_start=declarator.start_byte,
                             header_end=body.start_byte if body is not None else declarator.end_byte,
                             decorators=[], doc=self.doc_before(node_for_span.start_byte, "jsdoc") if first else "",
                             is_test=False, header_node=declarator, sig_prefix=prefix)
                elif value.type in self._JS_CLASSES:
                    self._js_class(value, outer if len(declarators) == 1 else declarator, node_for_span,
                                   header_start if first else declarator.start_byte, name, [])
        elif dt == "expression_statement" and decl is stmt:
            self._js_assignment(stmt)

    _JS_NAME_RE = re.compile(r"^[A-Za-z_$][\w$]*$")

    def _js_assignment(self, stmt: Any) -> None:
        """``exports.f = function``, ``module.exports = (a) => ...``, ``Foo.prototype.m = function``."""
        expr = stmt.named_children[0] if stmt.named_child_count else None
        if expr is None or expr.type != "assignment_expression":
            return
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        if left is None or right is None or left.type != "member_expression":
            return
        is_class = right.type in self._JS_CLASSES
        if right.type not in self._JS_FUNCS and not is_class:
            return
        parts = _WS_RE.sub("", self.text(left)).split(".")
        if parts[:2] == ["module", "exports"]:
            parts = parts[2:]
        elif parts[:1] == ["exports"]:
            parts = parts[1:]
        if not parts:  # the module's single export: named after the function or class when it has a name
            own = right.child_by_field_name("name")
            parts = [self.text(own) if own is not None else "module.exports"]
        elif not all(self._JS_NAME_RE.match(p) for p in parts):
            return
        if is_class:
            self._js_class(right, stmt, stmt, stmt.start_byte, ".".join(parts), [])
            return
        parent = None
        if len(parts) >= 3 and parts[-2] == "prototype":
            parent = ".".join(parts[:-2])
            parts = parts[:-2] + parts[-1:]
        body = right.child_by_field_name("body")
        self.add(kind="method" if parent else "function", name=parts[-1], qualname=".".join(parts),
                 parent=parent, node=stmt, span_start_node=stmt, header_start=stmt.start_byte,
                 header_end=body.start_byte if body is not None else stmt.end_byte, decorators=[],
                 doc=self.doc_before(stmt.start_byte, "jsdoc"), is_test=False)

    def _js_class(self, decl: Any, outer: Any, span_node: Any, header_start: int, name: str,
                  decorators: list[Any]) -> None:
        body = decl.child_by_field_name("body")
        self.add(kind="class", name=name, qualname=name, parent=None, node=outer, span_start_node=span_node,
                 header_start=header_start, header_end=body.start_byte if body is not None else outer.end_byte,
                 decorators=[_one_line(self.text(d).lstrip("@")) for d in decorators],
                 doc=self.doc_before(span_node.start_byte, "jsdoc"), is_test=False)
        if body is None:
            return
        pending: list[Any] = []
        for member in body.named_children:
            mt = member.type
            if mt == "decorator":
                pending.append(member)
                continue
            if "comment" in mt:
                continue
            decos = pending + self._decorators(member)
            pending = []
            value = None
            if mt == "method_definition":
                value = member
            elif mt in ("public_field_definition", "field_definition"):
                v = member.child_by_field_name("value")
                if v is not None and v.type in self._JS_FUNCS:
                    value = v
            if value is None:
                continue
            name_node = member.child_by_field_name("name") or member.child_by_field_name("property")
            if name_node is None:
                continue
            mname = self.text(name_node)
            mbody = value.child_by_field_name("body")
            span = decos[0] if decos else member
            self.add(kind="method", name=mname, qualname=f"{name}.{mname}", parent=name, node=member,
                     span_start_node=span, header_start=self._first_code_child(member).start_byte,
                     header_end=mbody.start_byte if mbody is not None else member.end_byte,
                     decorators=[_one_line(self.text(d).lstrip("@")) for d in decos],
                     doc=self.doc_before(span.start_byte, "jsdoc"), is_test=False)

    # -- go ------------------------------------------------------------------------------------------------

    def _walk_go(self) -> None:
        for node in self.root.named_children:
            t = node.type
            if t in ("function_declaration", "method_declaration"):
                name_node = node.child_by_field_name("name")
                body = node.child_by_field_name("body")
                if name_node is None:
                    continue
                name = self.text(name_node)
                parent = None
                if t == "method_declaration":
                    receiver = node.child_by_field_name("receiver")
                    rtype = None
                    if receiver is not None:
                        for p in receiver.named_children:
                            if p.type == "parameter_declaration":
                                rtype = p.child_by_field_name("type")
                                break
                    if rtype is not None:
                        parent = re.sub(r"\[.*$", "", self.text(rtype)).lstrip("*").strip() or None
                is_test = self.is_test_file and bool(re.match(r"^(Test|Benchmark|Example|Fuzz)", name))
                self.add(kind="method" if parent else "function", name=name,
                         qualname=f"{parent}.{name}" if parent else name, parent=parent, node=node,
                         span_start_node=node, header_start=node.start_byte,
                         header_end=body.start_byte if body is not None else node.end_byte, decorators=[],
                         doc=self.doc_before(node.start_byte, "lines"), is_test=is_test)
            elif t == "type_declaration":
                specs = [c for c in node.named_children if c.type == "type_spec"]
                for spec in specs:
                    tnode = spec.child_by_field_name("type")
                    name_node = spec.child_by_field_name("name")
                    if tnode is None or name_node is None or tnode.type not in ("struct_type", "interface_type"):
                        continue
                    single = len(specs) == 1
                    outer = node if single else spec
                    brace = tnode.end_byte
                    for c in tnode.children:
                        if c.type in ("field_declaration_list", "{"):
                            brace = c.start_byte
                            break
                    name = self.text(name_node)
                    self.add(kind="class", name=name, qualname=name, parent=None, node=outer, span_start_node=outer,
                             header_start=outer.start_byte, header_end=brace, decorators=[],
                             doc=self.doc_before(outer.start_byte, "lines"), is_test=False)

    # -- rust ----------------------------------------------------------------------------------------------

    def _walk_rust(self) -> None:
        self._rust_items(self.root, "", None)

    def _rust_type_name(self, node: Any) -> str:
        if node.type == "generic_type":
            inner = node.child_by_field_name("type")
            if inner is not None:
                node = inner
        return _WS_RE.sub("", self.text(node))

    def _rust_items(self, container: Any, prefix: str, parent: str | None) -> None:
        pending: list[Any] = []
        for item in container.named_children:
            t = item.type
            if t == "attribute_item":
                pending.append(item)
                continue
            if t in ("line_comment", "block_comment"):
                continue
            attrs, pending = pending, []
            span = attrs[0] if attrs else item
            decos = [_one_line(self.text(a))[2:-1].strip() for a in attrs]
            name_node = item.child_by_field_name("name")
            body = item.child_by_field_name("body")
            if t == "function_item" and name_node is not None:
                name = self.text(name_node)
                is_test = any(re.match(r"^(\w+::)*test\b", d) for d in decos)
                self.add(kind="method" if parent else "function", name=name,
                         qualname=f"{prefix}{parent}.{name}" if parent else prefix + name, parent=parent,
                         node=item, span_start_node=span, header_start=item.start_byte,
                         header_end=body.start_byte if body is not None else item.end_byte, decorators=decos,
                         doc=self.doc_before(span.start_byte, "rust"), is_test=is_test)
            elif t in ("struct_item", "enum_item", "union_item", "trait_item") and name_node is not None:
                name = self.text(name_node)
                self.add(kind="class", name=name, qualname=prefix + name, parent=None, node=item,
                         span_start_node=span, header_start=item.start_byte,
                         header_end=body.start_byte if body is not None else item.end_byte, decorators=decos,
                         doc=self.doc_before(span.start_byte, "rust"), is_test=False)
                if t == "trait_item" and body is not None:
                    self._rust_items(body, prefix, name)
            elif t == "impl_item" and body is not None:
                tnode = item.child_by_field_name("type")
                if tnode is not None:
                    self._rust_items(body, prefix, self._rust_type_name(tnode))
            elif t == "mod_item" and body is not None and name_node is not None:
                self._rust_items(body, prefix + self.text(name_node) + ".", None)

    # -- java ----------------------------------------------------------------------------------------------

    _JAVA_TYPES = frozenset({"class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
                             "annotation_type_declaration"})
    _JAVA_METHODS = frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"})

    def _walk_java(self) -> None:
        self._java_body(self.root, "", None, False)

    def _java_header(self, node: Any) -> tuple[int, list[str]]:
        """Where the header starts once annotations are passed over, and the annotations' text."""
        mods = next((c for c in node.children if c.type == "modifiers"), None)
        if mods is None:
            return node.start_byte, []
        kinds = ("marker_annotation", "annotation")
        annotations = [c for c in mods.children if c.type in kinds]
        rest = [c for c in mods.children if c.type not in kinds and "comment" not in c.type]
        if rest:
            start = rest[0].start_byte
        else:
            nxt = mods.next_sibling
            start = nxt.start_byte if nxt is not None else node.start_byte
        return start, [_one_line(self.text(a).lstrip("@")) for a in annotations]

    def _java_body(self, body: Any, prefix: str, cls: str | None, in_test: bool) -> None:
        for node in body.named_children:
            t = node.type
            if t == "enum_body_declarations":
                self._java_body(node, prefix, cls, in_test)
                continue
            if t not in self._JAVA_TYPES and not (t in self._JAVA_METHODS and cls is not None):
                continue
            name_node = node.child_by_field_name("name")
            if name_node is None:
                continue
            name = self.text(name_node)
            header_start, decos = self._java_header(node)
            sub = node.child_by_field_name("body")
            if t in self._JAVA_TYPES:
                qual = prefix + name
                is_test = in_test or bool(re.search(r"(Test|Tests|TestCase|IT)$", name))
                self.add(kind="class", name=name, qualname=qual, parent=cls, node=node, span_start_node=node,
                         header_start=header_start, header_end=sub.start_byte if sub is not None else node.end_byte,
                         decorators=decos, doc=self.doc_before(node.start_byte, "jsdoc"), is_test=is_test)
                if sub is not None:
                    self._java_body(sub, qual + ".", qual, is_test)
            else:
                is_test = any(re.match(r"^(\w+\.)*(Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate)\b", d)
                              for d in decos)
                self.add(kind="method", name=name, qualname=f"{cls}.{name}", parent=cls, node=node,
                         span_start_node=node, header_start=header_start,
                         header_end=sub.start_byte if sub is not None else node.end_byte, decorators=decos,
                         doc=self.doc_before(node.start_byte, "jsdoc"), is_test=is_test)

    # -- ruby ----------------------------------------------------------------------------------------------

    def _walk_ruby(self) -> None:
        self._ruby_body(self.root, "", None, False)

    def _ruby_body(self, body: Any, prefix: str, cls: str | None, in_test: bool) -> None:
        for node in body.named_children:
            t = node.type
            if t in ("class", "module"):
                name_node = node.child_by_field_name("name")
                if name_node is None:
                    continue
                name = _WS_RE.sub("", self.text(name_node))
                qual = prefix + name
                is_test = in_test or bool(re.search(r"(Test|Spec)$", name))
                inner = node.child_by_field_name("body")
                header_end = name_node.end_byte
                superclass = node.child_by_field_name("superclass")
                if superclass is not None:
                    header_end = superclass.end_byte
                self.add(kind="class", name=name.split("::")[-1], qualname=qual, parent=cls, node=node,
                         span_start_node=node, header_start=node.start_byte, header_end=header_end, decorators=[],
                         doc=self.doc_before(node.start_byte, "lines"), is_test=is_test)
                if inner is not None:
                    self._ruby_body(inner, qual + ".", qual, is_test)
            elif t == "singleton_class":
                inner = node.child_by_field_name("body")
                if inner is not None:
                    self._ruby_body(inner, prefix, cls, in_test)
            elif t in ("method", "singleton_method"):
                name_node = node.child_by_field_name("name")
                if name_node is None:
                    continue
                name = self.text(name_node)
                params = node.child_by_field_name("parameters")
                header_end = params.end_byte if params is not None else name_node.end_byte
                self.add(kind="method" if cls else "function", name=name,
                         qualname=f"{cls}.{name}" if cls else prefix + name, parent=cls, node=node,
                         span_start_node=node, header_start=node.start_byte, header_end=header_end, decorators=[],
                         doc=self.doc_before(node.start_byte, "lines"),
                         is_test=name.startswith("test_") or (in_test and name.startswith("test")))

    # -- c / c++ -------------------------------------------------------------------------------------------

    _C_CLASSES = frozenset({"class_specifier", "struct_specifier", "union_specifier"})
    _C_NESTED = frozenset({"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef",
                           "declaration_list"})

    def _walk_c(self) -> None:
        self._c_body(self.root, "", None)

    def _c_body(self, body: Any, prefix: str, cls: str | None) -> None:
        for node in body.named_children:
            self._c_item(node, node, prefix, cls)

    def _c_item(self, node: Any, outer: Any, prefix: str, cls: str | None) -> None:
        t = node.type
        if t == "function_definition":
            self._c_function(node, outer, prefix, cls)
        elif t == "template_declaration":
            inner = next((c for c in reversed(node.named_children)
                          if c.type in ("function_definition", "declaration", "template_declaration")
                          or c.type in self._C_CLASSES), None)
            if inner is not None:
                self._c_item(inner, outer, prefix, cls)
        elif t in self._C_CLASSES:
            self._c_class(node, outer, None, prefix, cls)
        elif t in ("declaration", "type_definition", "field_declaration"):
            spec = node.child_by_field_name("type")
            if spec is not None and spec.type in self._C_CLASSES:
                alias = None
                if t == "type_definition":
                    decl = node.child_by_field_name("declarator")
                    alias = self.text(decl) if decl is not None and decl.type == "type_identifier" else None
                self._c_class(spec, outer, alias, prefix, cls)
        elif t == "namespace_definition":
            name_node = node.child_by_field_name("name")
            inner = node.child_by_field_name("body")
            if inner is not None:
                ns = _WS_RE.sub("", self.text(name_node)).replace("::", ".") + "." if name_node is not None else ""
                self._c_body(inner, prefix + ns, cls)
        elif t == "linkage_specification":
            inner = node.child_by_field_name("body")
            if inner is not None:
                if inner.type == "declaration_list":
                    self._c_body(inner, prefix, cls)
                else:
                    self._c_item(inner, inner, prefix, cls)
        elif t in self._C_NESTED:
            self._c_body(node, prefix, cls)

    def _c_class(self, spec: Any, outer: Any, alias: str | None, prefix: str, cls: str | None) -> None:
        body = spec.child_by_field_name("body")
        name_node = spec.child_by_field_name("name")
        if body is None:
            return
        name = self.text(name_node) if name_node is not None else alias
        if not name:
            return
        qual = prefix + name
        self.add(kind="class", name=name, qualname=qual, parent=cls, node=outer, span_start_node=outer,
                 header_start=outer.start_byte, header_end=body.start_byte, decorators=[],
                 doc=self.doc_before(outer.start_byte, "lines"), is_test=False)
        self._c_body(body, qual + ".", qual)

    def _c_function(self, node: Any, outer: Any, prefix: str, cls: str | None) -> None:
        decl = node.child_by_field_name("declarator")
        depth = 0
        while decl is not None and decl.type != "function_declarator" and depth < 8:
            nxt = decl.child_by_field_name("declarator")
            if nxt is None:
                named = decl.named_children
                nxt = named[-1] if named else None
            decl = nxt
            depth += 1
        if decl is None:
            return
        name_node = decl.child_by_field_name("declarator")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        full = _WS_RE.sub("", self.text(name_node))
        parent = cls
        name = full
        if "::" in full:
            scope, _, name = full.rpartition("::")
            parent = prefix + scope.replace("::", ".")
        qual = f"{parent}.{name}" if parent else prefix + name
        self.add(kind="method" if parent else "function", name=name, qualname=qual, parent=parent, node=outer,
                 span_start_node=outer, header_start=outer.start_byte, header_end=body.start_byte, decorators=[],
                 doc=self.doc_before(outer.start_byte, "lines"),
                 is_test=self.is_test_file and name.lower().startswith("test"))


_WALKERS = {
    "python": "python", "javascript": "js", "typescript": "js", "tsx": "js", "go": "go", "rust": "rust",
    "java": "java", "ruby": "ruby", "c": "c", "cpp": "c",
}
_PY_TEST_FUNC_RE = re.compile(r"^test(_|[A-Z0-9]|$)")
_PY_TEST_CLASS_RE = re.compile(r"^Test([A-Z0-9_]|$)|(Test|Tests|TestCase)$")


def extract_file(language: str, src: bytes, is_test_file: bool = False) -> tuple[str, list[str], list[Symbol], int]:
    """Parse ``src`` and return (module doc, imports, symbols, parse-error count)."""
    return _Extractor(_lang(language), src, is_test_file).run()


# ----------------------------------------------------------------------------------------------------------
# walking the repository
# ----------------------------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    rel: str
    path: str  # absolute
    language: str
    size: int
    mtime_ns: int
    is_test: bool
    header: bool = False  # a .h file: C or C++, told apart by its content


@dataclass
class _Scan:
    candidates: list[_Candidate] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    other_extensions: Counter = field(default_factory=Counter)
    tests_excluded: int = 0
    cpp_project: bool = False  # C++ sources and no C ones: headers are C++ whatever they hold


def _is_venv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def _scan(repo: Path, max_file_bytes: int, include_tests: bool) -> _Scan:
    scan = _Scan()
    root = str(repo)
    stack: list[tuple[str, str]] = [(root, "")]
    has_cpp = has_c = False
    while stack:
        dir_path, rel_dir = stack.pop()
        try:
            with os.scandir(dir_path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            if rel_dir:
                scan.skipped.append(SkippedFile(path=rel_dir, reason="unreadable"))
            continue
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if name in SKIP_DIRS or _is_venv(entry.path):
                        continue
                    subdirs.append((entry.path, rel))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                scan.skipped.append(SkippedFile(path=rel, reason="unreadable"))
                continue
            dot = name.rfind(".")
            ext = name[dot:].lower() if dot > 0 else ""
            language = EXTENSIONS.get(ext)
            if language is None and not ext and 0 < st.st_size <= max_file_bytes:
                language = _shebang_language(entry.path)
            if language is None:
                scan.other_extensions[ext or "(no extension)"] += 1
                continue
            if st.st_size > max_file_bytes:
                scan.skipped.append(SkippedFile(path=rel, reason="too_large", size=st.st_size))
                continue
            is_test = is_test_path(rel)
            if is_test and not include_tests:
                scan.tests_excluded += 1
                continue
            scan.candidates.append(_Candidate(rel, entry.path, language, st.st_size, st.st_mtime_ns, is_test,
                                              header=ext == ".h"))
            if ext in _CPP_EXTS:
                has_cpp = True
            elif ext == ".c":
                has_c = True
        stack.extend(reversed(subdirs))
    scan.cpp_project = has_cpp and not has_c
    scan.candidates.sort(key=lambda c: c.rel)
    scan.skipped.sort(key=lambda s: s.path)
    return scan


_CPP_HEADER_RE = re.compile(
    rb"^[ \t]*(?:namespace\s+\w|class\s+\w+[^;\n]*[{:]|template\s*<|(?:public|private|protected)\s*:"
    rb"|using\s+namespace\b|extern\s+\"C\+\+\")|\bstd::",
    re.M,
)


def _header_language(data: bytes, cpp_project: bool) -> str:
    """C or C++ for a .h file: C++ in a C++-only project or when C++ constructs show up."""
    if cpp_project or _CPP_HEADER_RE.search(data, 0, 65536):
        return "cpp"
    return "c"


def _shebang_language(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(128)
    except OSError:
        return None
    m = _SHEBANG_RE.match(head)
    if not m:
        return None
    return _SHEBANG_LANG.get(m.group(1), "python")


# ----------------------------------------------------------------------------------------------------------
# the index
# ----------------------------------------------------------------------------------------------------------


@dataclass
class IndexStats:
    index_path: str
    files: int
    symbols: int
    reparsed: int  # files parsed in this call
    cached: int  # files reused from the cached index
    skipped_total: int
    tests_excluded: int
    files_with_parse_errors: int
    written: bool  # False when the index on disk was already up to date
    duration_s: float


def _read_cache(paths: list[Path]) -> tuple[CodeIndex, Path] | None:
    """The first usable cached index among ``paths``; a broken or outdated one is ignored."""
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        try:
            index = CodeIndex.model_validate_json(raw)
        except (ValidationError, ValueError):
            continue
        if index.schema_version == INDEX_SCHEMA_VERSION and index.extractor_version == EXTRACTOR_VERSION:
            return index, path
    return None


def _check_repo(repo_path: str | os.PathLike[str]) -> Path:
    repo = Path(repo_path).expanduser()
    if not repo.exists():
        raise ToolFailure(
            FailureKind.not_found,
            f"The path {repo} does not exist.",
            hint="Pass the directory of a local repository (or fetch one first with the source tool).",
            details={"repo_path": str(repo)},
        )
    if not repo.is_dir():
        raise ToolFailure(
            FailureKind.invalid_input,
            f"{repo} is a file, not a directory.",
            hint="Pass the repository's root directory, not a single file in it.",
            details={"repo_path": str(repo)},
        )
    return repo.resolve()


def _no_source_failure(repo: Path, scan: _Scan, include_tests: bool) -> ToolFailure:
    readable = ", ".join(LANGUAGE_LABELS.values())
    seen = scan.other_extensions.most_common(12)
    has = ", ".join(f"{ext} x{n}" for ext, n in seen) if seen else "no files at all"
    hint = f"Goose Studio reads {readable} sources; this repository has only: {has}."
    skipped = Counter(s.reason for s in scan.skipped)
    if skipped.get("too_large"):
        hint += f" {skipped['too_large']} source file(s) are larger than max_file_bytes; raise it to include them."
    if scan.tests_excluded and not include_tests:
        hint += f" {scan.tests_excluded} test file(s) were left out because include_tests is false."
    return ToolFailure(
        FailureKind.insufficient_data,
        f"No source files the studio can read were found in {repo}.",
        hint=hint,
        details={
            "repo_path": str(repo),
            "extensions": dict(seen),
            "skipped": dict(skipped),
            "tests_excluded": scan.tests_excluded,
            "supported_extensions": sorted(EXTENSIONS),
        },
    )


def _write_index(index: CodeIndex, path: Path) -> None:
    write_atomic(path, index.model_dump_json(indent=2) + "\n")


def build_index(
    repo_path: str | os.PathLike[str],
    *,
    max_file_bytes: int = 512_000,
    include_tests: bool = True,
    force: bool = False,
    index_path: str | os.PathLike[str] | None = None,
    fallback_index_path: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> tuple[CodeIndex, IndexStats]:
    """Index ``repo_path`` and write the index (default ``<repo>/.studio-index.json``).

    Unchanged files are taken from the previous index unless ``force``. When the index cannot be written
    where asked for lack of permission and ``fallback_index_path`` is given, it is written there (and read
    back from there next time). ``workers``: processes used to parse (None: chosen from the amount of work
    and the CPUs; 1: parse in this process). Raises :class:`ToolFailure` only.
    """
    t0 = time.perf_counter()
    now_ns = time.time_ns()
    repo = _check_repo(repo_path)
    target = Path(index_path) if index_path is not None else repo / INDEX_FILENAME
    fallback = Path(fallback_index_path) if fallback_index_path is not None else None

    scan = _scan(repo, max_file_bytes, include_tests)
    if not scan.candidates:
        raise _no_source_failure(repo, scan, include_tests)

    found = None if force else _read_cache([target] + ([fallback] if fallback else []))
    previous, previous_path = found if found else (None, None)
    cached_files = {f.path: f for f in previous.files} if previous else {}

    slots: list[FileIndex | None] = []
    jobs: list[tuple[int, _Job]] = []
    skipped = list(scan.skipped)
    cached = 0
    for cand in scan.candidates:
        entry = cached_files.get(cand.rel)
        usable = entry is not None and entry.is_test == cand.is_test and (
            entry.language == cand.language or (cand.header and entry.language in ("c", "cpp")))
        if usable and entry.mtime_ns and entry.mtime_ns == cand.mtime_ns and entry.size == cand.size:
            slots.append(entry)
            cached += 1
            continue
        try:
            with open(cand.path, "rb") as fh:
                data = fh.read()
        except OSError:
            skipped.append(SkippedFile(path=cand.rel, reason="unreadable", size=cand.size))
            continue
        if b"\0" in data[:BINARY_PROBE_BYTES]:
            skipped.append(SkippedFile(path=cand.rel, reason="binary", size=len(data)))
            continue
        language = _header_language(data, scan.cpp_project) if cand.header else cand.language
        sha = hashlib.sha256(data).hexdigest()
        mtime_ns = cand.mtime_ns if cand.mtime_ns < now_ns - RACY_MTIME_NS else 0
        if usable and entry.sha256 == sha and entry.size == len(data) and entry.language == language:
            slots.append(entry if entry.mtime_ns == mtime_ns else entry.model_copy(update={"mtime_ns": mtime_ns}))
            cached += 1
        else:
            jobs.append((len(slots), (cand.rel, language, cand.is_test, data, sha, mtime_ns)))
            slots.append(None)
    total = len(slots)
    if progress is not None and cached:
        progress(cached, total)

    def parsed(done: int) -> None:
        if progress is not None:
            progress(cached + done, total)

    for (slot, _), file_index in zip(jobs, _parse_jobs([job for _, job in jobs], workers, parsed)):
        slots[slot] = file_index
    files = [f for f in slots if f is not None]
    reparsed = len(jobs)

    if not files:
        scan.skipped = skipped
        raise _no_source_failure(repo, scan, include_tests)

    skipped.sort(key=lambda s: s.path)
    languages = Counter(f.language for f in files)
    index = CodeIndex(
        repo_root=str(repo),
        files=files,
        skipped=skipped[:MAX_SKIPPED_LISTED],
        skipped_total=len(skipped),
        languages=dict(sorted(languages.items())),
        extractor_version=EXTRACTOR_VERSION,
    )
    if previous is not None and previous_path is not None and index == previous:
        written_to, written = previous_path, False
    else:
        written_to, written = _store(index, target, fallback), True
    stats = IndexStats(
        index_path=str(written_to),
        files=len(files),
        symbols=sum(len(f.symbols) for f in files),
        reparsed=reparsed,
        cached=cached,
        skipped_total=len(skipped),
        tests_excluded=scan.tests_excluded,
        files_with_parse_errors=sum(1 for f in files if f.parse_errors),
        written=written,
        duration_s=round(time.perf_counter() - t0, 4),
    )
    return index, stats


def _store(index: CodeIndex, target: Path, fallback: Path | None) -> Path:
    try:
        _write_index(index, target)
        return target
    except OSError as exc:  # ENOSPC was already turned into a disk_full ToolFailure by write_atomic
        if fallback is not None and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            try:
                _write_index(index, fallback)
                return fallback
            except OSError as exc2:
                exc = exc2
        raise ToolFailure(
            FailureKind.invalid_input,
            f"Could not write the code index to {target}: {exc.strerror or exc}.",
            hint="Make the repository directory writable, or index a writable copy of it.",
            details={"path": str(target), "errno": exc.errno},
        ) from exc


# (path, language, is_test, bytes, sha256, mtime_ns): one file to parse
_Job = tuple[str, str, bool, bytes, str, int]

PARALLEL_MIN_FILES = 64
PARALLEL_MIN_BYTES = 512_000
MAX_WORKERS = 8


def _index_file(job: _Job) -> FileIndex:
    rel, language, is_test, data, sha, mtime_ns = job
    module_doc, imports, symbols, errors = extract_file(language, data, is_test)
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return FileIndex(
        path=rel,
        language=language,
        sha256=sha,
        size=len(data),
        lines=lines,
        module_docstring=module_doc,
        imports=imports,
        symbols=symbols,
        is_test=is_test,
        parse_errors=errors,
        mtime_ns=mtime_ns,
    )


def _parse_chunk(chunk: list[_Job]) -> list[bytes]:
    """Worker side: parse a chunk of files; the results travel back as JSON (cheaper than pickling models)."""
    return [_index_file(job).model_dump_json().encode("utf-8") for job in chunk]


def _auto_workers(jobs: list[_Job]) -> int:
    if not sys.platform.startswith("linux"):  # fork is only cheap and safe enough on Linux
        return 1
    if len(jobs) < PARALLEL_MIN_FILES or sum(len(j[3]) for j in jobs) < PARALLEL_MIN_BYTES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, len(jobs) // (PARALLEL_MIN_FILES // 2)))


def _chunks(jobs: list[_Job], n_chunks: int) -> list[list[_Job]]:
    """Consecutive chunks of about equal byte size (order kept)."""
    budget = max(1, sum(len(j[3]) for j in jobs) // n_chunks)
    chunks: list[list[_Job]] = [[]]
    size = 0
    for job in jobs:
        if size >= budget and chunks[-1]:
            chunks.append([])
            size = 0
        chunks[-1].append(job)
        size += len(job[3])
    return chunks


def _parse_jobs(jobs: list[_Job], workers: int | None, done: Callable[[int], None]) -> list[FileIndex]:
    """Parse every job, in several processes when that pays; results in the order of ``jobs``."""
    n = _auto_workers(jobs) if workers is None else max(1, workers)
    if n > 1 and len(jobs) > 1:
        results = _parse_parallel(jobs, n, done)
        if results is not None:
            return results
    out: list[FileIndex] = []
    for k, job in enumerate(jobs, 1):
        out.append(_index_file(job))
        if k % PROGRESS_EVERY == 0 or k == len(jobs):
            done(k)
    return out


def _parse_parallel(jobs: list[_Job], workers: int, done: Callable[[int], None]) -> list[FileIndex] | None:
    """None when the process pool cannot be used; the caller then parses in this process."""
    import multiprocessing
    import warnings
    from concurrent.futures import ProcessPoolExecutor

    try:
        mp = multiprocessing.get_context("fork")
    except ValueError:
        return None
    out: list[FileIndex] = []
    try:
        with warnings.catch_warnings():
            # the children only parse and serialise; no lock of another thread is taken there
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            with ProcessPoolExecutor(max_workers=workers, mp_context=mp) as pool:
                for chunk in pool.map(_parse_chunk, _chunks(jobs, workers * 4)):
                    out.extend(FileIndex.model_validate_json(raw) for raw in chunk)
                    done(len(out))
    except Exception:  # a broken pool (killed worker, no /dev/shm, ...) or a failure that the serial path reports
        return None
    return out


# ----------------------------------------------------------------------------------------------------------
# the tool
# ----------------------------------------------------------------------------------------------------------


class IndexCodeArgs(BaseModel):
    repo_path: str = Field(description="The repository's root directory.")
    max_file_bytes: int = Field(512_000, ge=1, description="Larger source files are skipped (too_large).")
    include_tests: bool = Field(True, description="Index test files too (they are flagged is_test).")
    force: bool = Field(False, description="Ignore the cached index and parse every file again.")


class IndexCodeResult(BaseModel):
    index_path: str
    files: int  # files indexed
    symbols: int
    languages: dict[str, int]
    skipped: list[SkippedFile]  # the first MAX_SKIPPED_LISTED, sorted by path
    skipped_total: int
    tests_excluded: int
    files_with_parse_errors: int
    reparsed: int  # files parsed in this call
    cached: int  # files reused from the cached index
    duration_s: float


def workspace_index_path(workspace_cache: Path, repo: Path) -> Path:
    """Where the index of a repository that cannot be written lives, inside the workspace cache."""
    key = hashlib.sha256(str(repo).encode("utf-8")).hexdigest()[:16]
    return workspace_cache / "code-index" / f"{key}.json"


@tool("index_code", tab="build")
def index_code(args: IndexCodeArgs, ctx: ToolContext) -> IndexCodeResult:
    """Parse a repository with tree-sitter into a code index of files, imports, classes, functions and methods.

    Reads Python, JavaScript, TypeScript/TSX, Go, Rust, Java, Ruby and C/C++. The index is written to
    ``<repo>/.studio-index.json`` (or the workspace cache when the repository is read-only); unchanged
    files are reused from it on the next call.
    """
    repo = _check_repo(args.repo_path)

    def report(done: int, total: int) -> None:
        ctx.progress(files_done=done, files_total=total)

    index, stats = build_index(
        repo,
        max_file_bytes=args.max_file_bytes,
        include_tests=args.include_tests,
        force=args.force,
        fallback_index_path=workspace_index_path(ctx.workspace.cache, repo),
        progress=report,
    )
    return IndexCodeResult(
        index_path=stats.index_path,
        files=stats.files,
        symbols=stats.symbols,
        languages=dict(index.languages),
        skipped=list(index.skipped),
        skipped_total=stats.skipped_total,
        tests_excluded=stats.tests_excluded,
        files_with_parse_errors=stats.files_with_parse_errors,
        reparsed=stats.reparsed,
        cached=stats.cached,
        duration_s=stats.duration_s,
    )
