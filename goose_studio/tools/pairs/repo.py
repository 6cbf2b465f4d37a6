"""The repository as seen through the code index: the pair, file and repository models.

A :class:`Repo` reads each indexed file (only when its bytes still match the index), maps symbols and
definitions by name, resolves Python and JS/TS imports to repository files, finds test functions (with
the JS/TS ``test(...)``/``it(...)`` blocks of :mod:`.jstests`), keeps each function's raise statements
(:mod:`.raises`) and composes answers within the length limits. :func:`listing` and :func:`group_of`
describe a set of symbols for an answer and for the split.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..index_models import CodeIndex, FileIndex, Symbol
from .jstests import js_test_cases
from .raises import Raise, scan_raises
from .signatures import decorator_line
from .text import PY_BUILTINS, Code, compose, dedent_lines, first_sentence, name_list

_JS_LANGS = frozenset({"javascript", "typescript", "tsx", "jsx"})
_JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")


@dataclass
class Pair:
    """One instruction/answer pair, with its category, source span and split group.

    Phrasings of one fact share ``fact`` (a stable key) and count up ``variant`` from 0; ``origin`` says
    what the pair was made from: ``code``, ``docs``, ``user`` (the user's own pairs) or ``brain``.
    """

    category: str
    instruction: str
    output: str
    source: str
    group: str  # the split key: one file path, or "" for pairs about a directory or several files
    fact: str = ""
    variant: int = 0
    origin: str = "code"


@dataclass
class File:
    """An indexed file and, when they can be trusted, its lines."""

    index: FileIndex
    lines: list[str] | None  # None when missing, unreadable or changed since indexing

    @property
    def path(self) -> str:
        return self.index.path

    @property
    def lang(self) -> str:
        return self.index.language


SymRef = tuple[str, str, int]  # (path, qualname, start_line)


class Repo:
    """The repository as seen through the index: files, symbols, definitions by name, imports both ways."""

    def __init__(self, index: CodeIndex, root: Path, name: str, max_chars: int, max_lines: int) -> None:
        self.name = name
        self.max_chars = max_chars
        self.max_lines = max_lines
        self.files: dict[str, File] = {}
        self.stale: list[str] = []
        root_resolved = root.resolve()
        self.root = root_resolved
        for fi in sorted(index.files, key=lambda f: f.path):
            self.files[fi.path] = File(fi, self._read(root_resolved, fi))
        self.symbols: dict[SymRef, tuple[File, Symbol]] = {}
        self.defs_by_name: dict[str, list[SymRef]] = defaultdict(list)
        self.defs_by_qual: dict[str, list[SymRef]] = defaultdict(list)
        self.methods: dict[tuple[str, str], list[Symbol]] = defaultdict(list)
        for f in self.files.values():
            for s in f.index.symbols:
                ref = (f.path, s.qualname, s.start_line)
                self.symbols[ref] = (f, s)
                if s.parent and s.kind == "method":
                    self.methods[(f.path, s.parent)].append(s)
                if s.kind in ("class", "function", "method") and not self.is_test(f, s):
                    self.defs_by_name[s.name].append(ref)
                    self.defs_by_qual[s.qualname].append(ref)
        self.names_by_lower: dict[str, list[str]] = defaultdict(list)
        for bare in sorted(self.defs_by_name):
            self.names_by_lower[bare.lower()].append(bare)
        self._module_paths = self._python_modules()
        self.deps: dict[str, list[str]] = {}
        self.external: dict[str, list[str]] = {}
        self.importers: dict[str, list[str]] = defaultdict(list)
        for f in self.files.values():
            internal, external = self._resolve_imports(f)
            self.deps[f.path] = internal
            self.external[f.path] = external
            for target in internal:
                self.importers[target].append(f.path)
        self._raises: dict[SymRef, list[Raise]] = {}
        self.cache: dict[str, object] = {}  # what the fact generators compute once per repository
        self.phrasings = 3  # questions asked per fact by the fact generators

    # ---- reading

    def _read(self, root: Path, fi: FileIndex) -> list[str] | None:
        if fi.path.startswith("/") or ".." in fi.path.split("/"):
            return None
        target = root / fi.path
        try:
            data = target.read_bytes()
        except OSError:
            self.stale.append(fi.path)
            return None
        if fi.sha256 and hashlib.sha256(data).hexdigest() != fi.sha256:
            self.stale.append(fi.path)
            return None
        # split on "\n" only, the way the index counts lines (str.splitlines also splits on \x0c, \u2028, ...)
        return [line.rstrip("\r") for line in data.decode("utf-8", errors="replace").split("\n")]

    def span(self, f: File, start: int, end: int) -> list[str] | None:
        if f.lines is None or start < 1 or end < start or end > len(f.lines):
            return None
        return f.lines[start - 1 : end]

    def code(self, f: File, s: Symbol) -> Code | None:
        lines = self.span(f, s.start_line, s.end_line)
        if not lines:
            return None
        return Code(dedent_lines(lines), f.lang)

    def signature_code(self, f: File, s: Symbol, with_decorators: bool = True) -> Code | None:
        sig = s.signature.strip()
        if not sig:
            first = self.span(f, s.start_line, s.start_line)
            if not first:
                return None
            sig = first[0]
        lines = sig.splitlines()[:8]
        if with_decorators and f.lang == "python":
            lines = [decorator_line(d) for d in s.decorators[:3]] + lines
        return Code(dedent_lines(lines), f.lang)

    def compose(self, parts: list[str | Code]) -> str:
        return compose(parts, self.max_chars, self.max_lines)

    # ---- classification

    @staticmethod
    def is_test(f: File, s: Symbol | None = None) -> bool:
        return f.index.is_test or (s is not None and s.is_test)

    def code_symbols(self, kinds: tuple[str, ...] = ("class", "function", "method")) -> list[tuple[File, Symbol]]:
        """Non-test, non-dunder symbols in file and line order."""
        out = []
        for f in self.files.values():
            if f.index.is_test:
                continue
            for s in f.index.symbols:
                if s.kind in kinds and not s.is_test and not (s.name.startswith("__") and s.name.endswith("__")):
                    out.append((f, s))
        return out

    def test_symbols(self) -> list[tuple[File, Symbol]]:
        out = []
        for f in self.files.values():
            found = False
            for s in f.index.symbols:
                if s.kind not in ("function", "method"):
                    continue
                if s.is_test or (f.index.is_test and re.match(r"test", s.name, re.I)):
                    out.append((f, s))
                    found = True
            if not found and f.index.is_test and f.lang in _JS_LANGS:
                out += [(f, case) for case in js_test_cases(f.lines)]
        return out

    def is_component(self, f: File, s: Symbol) -> bool:
        if s.kind not in ("function", "class") or not s.name[:1].isupper() or self.is_test(f, s):
            return False
        if f.lang in ("tsx", "jsx") or f.path.endswith((".tsx", ".jsx")):
            return True
        if f.lang in ("javascript", "typescript"):
            body = self.span(f, s.start_line, s.end_line) or []
            return any(re.search(r"</|/>", line) for line in body)
        return False

    def kind_word(self, s: Symbol) -> str:
        return {"class": "class", "function": "function", "method": "method"}.get(s.kind, s.kind)

    def where(self, f: File, s: Symbol) -> str:
        lines = f"line {s.start_line}" if s.start_line == s.end_line else f"lines {s.start_line}-{s.end_line}"
        if s.kind == "method" and s.parent:
            return f"a method of the class `{s.parent}` in `{f.path}` ({lines})"
        return f"a {self.kind_word(s)} in `{f.path}` ({lines})"

    @staticmethod
    def source(f: File, s: Symbol) -> str:
        return f"{f.path}:{s.start_line}-{s.end_line}"

    # ---- calls

    def describe_calls(self, f: File, s: Symbol, limit: int = 8) -> str:
        items = []
        for call in s.calls:
            call = call.strip()
            if not call or call == s.name or len(call) > 60:
                continue
            if f.lang == "python" and call in PY_BUILTINS:
                continue
            defs = self.defs_by_name.get(call.rsplit(".", 1)[-1], [])
            if len(defs) == 1 and defs[0][0] != f.path:
                items.append(f"{call}` (from `{defs[0][0]}`)")
            else:
                items.append(call + "`")
        if not items:
            return ""
        shown = ["`" + x for x in items[:limit]]
        rest = len(items) - len(shown)
        if rest > 0:
            return ", ".join(shown) + f" and {rest} more"
        if len(shown) == 1:
            return shown[0]
        return ", ".join(shown[:-1]) + " and " + shown[-1]

    # ---- modules and imports

    def _module_names(self, path: str) -> tuple[list[str], str]:
        """The dotted names a Python file may be imported as (the likeliest first), and a bare fallback.

        The likeliest name starts at the outermost directory of the file's chain of packages (folders
        with an ``__init__.py``); names after a ``src``/``lib`` folder and the full path follow. A file in
        a folder that is not a package also answers to its bare name, with the lowest priority.
        """
        if not path.endswith(".py"):
            return [], ""
        parts = path[:-3].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts:
            return [], ""
        dirs = path.split("/")[:-1]
        start = len(dirs)
        while start > 0 and "/".join(dirs[:start]) + "/__init__.py" in self.files:
            start -= 1
        names: list[str] = []
        if start < len(dirs) or not dirs:
            names.append(".".join(parts[start:]))
        for i, comp in enumerate(parts[:-1]):
            if comp in ("src", "lib"):
                names.append(".".join(parts[i + 1 :]))
        names.append(".".join(parts))
        unique = list(dict.fromkeys(n for n in names if n))
        bare = parts[-1] if dirs and start == len(dirs) else ""
        return unique, bare

    def _python_modules(self) -> dict[str, str]:
        out: dict[str, str] = {}
        named = [(path, *self._module_names(path)) for path, f in self.files.items() if f.lang == "python"]
        for path, names, _ in named:
            if names:
                out.setdefault(names[-1], path)
        for path, names, _ in named:
            for dotted in names:
                out.setdefault(dotted, path)
        for path, _, bare in named:
            if bare:
                out.setdefault(bare, path)
        return out

    def python_import_name(self, path: str) -> str:
        names, bare = self._module_names(path)
        return names[0] if names else bare

    def _resolve_imports(self, f: File) -> tuple[list[str], list[str]]:
        internal: list[str] = []
        external: list[str] = []
        for spec in f.index.imports:
            spec = spec.strip()
            if not spec:
                continue
            target = self._resolve(f, spec)
            if target:
                if target != f.path and target not in internal:
                    internal.append(target)
                continue
            if spec.startswith("."):
                continue
            if f.lang == "python":
                top = spec.split(".")[0]
            elif f.lang in _JS_LANGS:
                bits = spec.split("/")
                top = "/".join(bits[:2]) if spec.startswith("@") else bits[0]
            else:
                top = spec
            if top and top not in external:
                external.append(top)
        return internal, external

    def _resolve(self, f: File, spec: str) -> str | None:
        if f.lang == "python":
            if spec.startswith("."):
                dots = len(spec) - len(spec.lstrip("."))
                rest = spec[dots:]
                pkg = f.path.split("/")[:-1]
                if dots > 1:
                    pkg = pkg[: len(pkg) - (dots - 1)] if dots - 1 <= len(pkg) else []
                dotted = ".".join([*pkg, *([rest] if rest else [])])
            else:
                dotted = spec
            parts = dotted.split(".")
            while parts:
                hit = self._module_paths.get(".".join(parts))
                if hit:
                    return hit
                parts = parts[:-1]
            return None
        if f.lang in _JS_LANGS and spec.startswith((".", "/", "@/", "~/")):
            if spec.startswith(("@/", "~/")):
                base = posixpath.normpath("src/" + spec[2:])
            else:
                base = posixpath.normpath(posixpath.join(posixpath.dirname(f.path), spec))
            candidates = [base] + [base + ext for ext in _JS_EXTS] + [f"{base}/index{ext}" for ext in _JS_EXTS]
            if base.endswith(".js"):
                candidates += [base[:-3] + ext for ext in (".ts", ".tsx")]
            for cand in candidates:
                if cand in self.files:
                    return cand
        return None

    def module_summary(self, f: File) -> str:
        doc = first_sentence(f.index.module_docstring)
        if doc:
            return doc + "."
        classes = [s.name for s in f.index.symbols if s.kind == "class" and not s.parent]
        funcs = [s.name for s in f.index.symbols if s.kind == "function" and not s.parent]
        bits = []
        if classes:
            bits.append("classes " + name_list(classes, 4))
        if funcs:
            bits.append("functions " + name_list(funcs, 4))
        return ("defines " + "; ".join(bits)) if bits else f"a {f.lang} file"

    # ---- raise / throw statements

    def raises(self, f: File, s: Symbol) -> list[Raise]:
        """The ``raise``/``throw`` statements of ``s``, scanned once and then kept."""
        ref = (f.path, s.qualname, s.start_line)
        if ref not in self._raises:
            self._raises[ref] = scan_raises(f.lang, f.lines, f.index.symbols, s)
        return self._raises[ref]


def listing(refs: list[tuple[File, Symbol]], limit: int = 8) -> str:
    """`A` and `B` in `x.py`; `C` in `y.py` -- names grouped by file, in first-seen order."""
    by_path: dict[str, list[str]] = {}
    for f, s in refs:
        by_path.setdefault(f.path, []).append(s.qualname)
    parts = []
    shown = 0
    for path, names in by_path.items():
        if shown >= limit:
            break
        take = names[: limit - shown]
        shown += len(take)
        parts.append(f"{name_list(take, limit)} in `{path}`")
    text = "; ".join(parts)
    if len(refs) > shown:
        text += f"; and {len(refs) - shown} more"
    return text


def group_of(refs: list[tuple[File, Symbol]]) -> tuple[str, str]:
    """The split group and source of a pair about these symbols: their file and span, or "" and a few spans."""
    paths = sorted({f.path for f, _ in refs})
    if len(paths) == 1:
        lo = min(s.start_line for _, s in refs)
        hi = max(s.end_line for _, s in refs)
        return paths[0], f"{paths[0]}:{lo}-{hi}"
    spans = [f"{f.path}:{s.start_line}-{s.end_line}" for f, s in refs[:4]]
    return "", "; ".join(spans) + ("; ..." if len(refs) > 4 else "")
