"""The ``generate_pairs`` tool (tab "prepare"): instruction/answer training pairs from the code index.

No model is involved: every question and answer is assembled from the repository itself, from what the
code index (``.studio-index.json``, written by ``index_code``) records about each file and symbol
(signatures, docstrings, calls, imports, decorators, test flags, line spans) and from the source lines
those spans point at (function bodies, ``raise``/``throw`` statements, ``except`` handlers, JSX tags).
A file whose content changed since it was indexed is used through the index only, never through its
lines, so spans never point at the wrong code.

Categories (each pair carries one):

* ``explain``      what a function, method or class does: where it lives, signature, docstring, calls.
* ``generate``     the implementation of a symbol, the signature matching a docstring, and how to add a
                   new subclass / decorated function following the project's existing pattern.
* ``debug``        when a function raises an exception (condition and statement), where an error
                   message comes from, how an ``except`` handler deals with an error, which arguments a
                   function takes (the usual cause of a ``TypeError``).
* ``architecture`` what a module is responsible for, what it imports, who imports it, what a directory
                   holds, where a symbol is defined, an overview of the codebase.
* ``testing``      how a symbol is tested (the real test functions), what a test checks, which tests a
                   test file holds, and test skeletons built from real signatures and raise conditions.
* ``uiux``         React/JSX components: props, hooks, rendered child components, implementation.

Question wordings vary per symbol (picked by a stable hash) so that a model does not learn one template.

Output (in ``out_dir``): ``train.jsonl`` and ``eval.jsonl`` in alpaca form (``instruction``, ``input``,
``output`` plus ``category``, ``source`` = ``path:start-end``, ``group`` = the split key, ``id``),
``dataset_info.json`` registering both for LLaMA-Factory, and ``stats.json``. The same index, sources
and arguments give byte-identical files: keys are sorted, orders come from hashes and sorts, and only
repo-relative paths appear.

Selection: exact duplicates (whitespace- and case-normalized instruction, or output) are dropped, then
near-duplicate outputs within a category (Jaccard similarity of word 3-gram sets >= 0.85, candidates
found with a deterministic MinHash/LSH). The split (below) comes next, then the cap: above ``max_pairs``,
the number of pairs per category is that of a round-robin across categories over both sides together, so
the cap keeps them balanced; each category's number is then shared out, about ``held_out_ratio`` of it
(at least one for a category of 10 or more, and ``held_out_ratio * max_pairs`` rounded overall) taken
from the held-out files' pairs and the rest from the train files' pairs, each in a seeded hash order. The
cap thus never moves a pair to the other side, nor leaves the held-out side empty.

Split: by file, before the cap, and stratified by category. A pair's group is the one file it is about;
pairs about a directory or several files have no group and always go to train. Files are weighed in the
order of ``sha256(seed, path)``, and held-out files are added one at a time, each step taking the first
file that lowers a cost at least half as much as the best file would (the best of the first 256 files
that fit, in a very large repository). The cost is, for each category of
10 pairs or more, the squared relative gap between its held-out pairs and ``held_out_ratio`` of its pairs
(a surplus weighs a quarter of a shortfall), plus the same gap for all pairs together, plus 1 for a
smaller category whose pairs would all be held out. No step takes the held-out side past 1.5 times
``held_out_ratio`` of all pairs, and the train side keeps at least one file. A category of 10 pairs or
more with none held out then gets the file that fits best, or, when none fits, one swapped in for a
held-out file. With two or more files the held-out side gets at least one (the smallest, when no file
fits). With fewer than two files the same is done over source spans (``split_by = "symbol"``). The split
depends only on the pairs, the ratio and the seed, never on the order pairs are generated in.

Estimated training time::

    est_train_minutes = (sum over train pairs of (tokens + 12 template tokens)) * epochs
                        * seconds_per_1k_tokens / 1000 / 60

``tokens`` is ``ceil(chars / 4)`` of instruction plus output, or exact counts from ``tokenizer_path``.
The default 10 s per 1k tokens is a rough CPU figure for LoRA on a ~135M-parameter model.

Quality score (0-100), a coarse guide, not a measurement::

    30 * min(1, categories present / min(4, categories requested))     coverage
  + 25 * min(1, pairs / 200)                                          volume
  + 20 * normalized entropy of the per-category counts                balance (0 with one category)
  + 25 * share of pairs with 16..320 tokens                           fits a 384-token context
"""

from __future__ import annotations

import builtins
import hashlib
import json
import math
import posixpath
import re
import textwrap
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

from pydantic import BaseModel, Field, model_validator

from ..errors import FailureKind, ToolFailure, disk_full_from_oserror
from ..workspace import slugify, write_atomic, write_json
from .index_models import INDEX_FILENAME, CodeIndex, FileIndex, Symbol, load_index
from .registry import ToolContext, tool

CATEGORIES: tuple[str, ...] = ("explain", "generate", "debug", "architecture", "testing", "uiux")
CategoryName = Literal["explain", "generate", "debug", "architecture", "testing", "uiux"]

TEMPLATE_OVERHEAD_TOKENS = 12  # chat-template tokens added around each pair (estimate)
FIT_MIN_TOKENS = 16
FIT_MAX_TOKENS = 320
NEAR_DUP_JACCARD = 0.85
STRATIFY_MIN_PAIRS = 10  # a category with at least this many pairs gets a held-out share of its own
HELD_OUT_OVERSHOOT = 1.5  # the held-out side takes at most this times its target (bar one forced file)
_OVER_WEIGHT = 0.25  # holding out too much of a category costs less than holding out too little
_SPLIT_WINDOW = 256  # files weighed per greedy step, in seeded hash order
_SPLIT_NEAR_BEST = 0.5  # a greedy step takes the first file lowering the cost by this share of the best file
TRAIN_FILE = "train.jsonl"
EVAL_FILE = "eval.jsonl"
DATASET_INFO_FILE = "dataset_info.json"
STATS_FILE = "stats.json"


class GeneratePairsArgs(BaseModel):
    repo_path: str = Field(description="The repository the index describes; its files are read for code spans.")
    out_dir: str = Field(description="Where train.jsonl, eval.jsonl, dataset_info.json and stats.json go.")
    repo_name: str | None = Field(
        default=None, description="Project name used in questions; defaults to the repository folder's name."
    )
    index_path: str | None = Field(
        default=None, description=f"The code index; defaults to <repo_path>/{INDEX_FILENAME}."
    )
    seed: int = Field(default=0, description="Changes the held-out files, the cap's choice and the line order.")
    held_out_ratio: float = Field(default=0.1, gt=0.0, le=0.5, description="Share of pairs held out for eval.")
    min_pairs: int = Field(default=40, ge=1, description="Fewer pairs than this is an insufficient_data failure.")
    max_pairs: int = Field(default=400, ge=1, description="Cap on pairs, taken round-robin across categories.")
    categories: list[CategoryName] = Field(
        default_factory=lambda: list(CATEGORIES), min_length=1, description="Categories to generate."
    )
    max_answer_chars: int = Field(default=900, ge=300, le=20000, description="Longest answer, in characters.")
    max_code_lines: int = Field(default=25, ge=4, le=200, description="Longest code block in an answer, in lines.")
    tokenizer_path: str | None = Field(
        default=None, description="A local tokenizer folder for exact token counts (default: chars / 4)."
    )
    epochs: float = Field(default=3.0, gt=0, description="Epochs assumed by est_train_minutes.")
    seconds_per_1k_tokens: float = Field(
        default=10.0, gt=0, description="Training seconds per 1,000 tokens assumed by est_train_minutes."
    )

    @model_validator(mode="after")
    def _check_bounds(self) -> "GeneratePairsArgs":
        if self.max_pairs < self.min_pairs:
            raise ValueError(f"max_pairs ({self.max_pairs}) is smaller than min_pairs ({self.min_pairs})")
        return self


class PairStats(BaseModel):
    per_category: dict[str, int] = Field(description="Pairs written, per category (train + eval).")
    per_category_train: dict[str, int]
    per_category_eval: dict[str, int]
    candidates: int = Field(description="Pairs generated before de-duplication and the cap.")
    dedup_removed: int = Field(description="Exact and near duplicates dropped.")
    capped_removed: int = Field(description="Pairs left out by max_pairs.")
    avg_tokens: float = Field(description="Mean tokens of instruction + output.")
    max_tokens: int
    long_pairs: int = Field(description=f"Pairs above {FIT_MAX_TOKENS} tokens.")
    token_counter: Literal["chars/4", "tokenizer"]
    train_tokens: int = Field(description="Tokens of the train side, template overhead included.")
    est_train_minutes: float
    epochs: float
    seconds_per_1k_tokens: float
    quality_score: int = Field(ge=0, le=100)
    split_by: Literal["file", "symbol"]
    files_indexed: int
    files_used: int = Field(description="Files at least one written pair is about.")
    train_files: int
    eval_files: int
    stale_files: list[str] = Field(description="Files changed since indexing; used through the index only.")


class GeneratePairsResult(BaseModel):
    dataset_dir: str
    train_file: str
    eval_file: str
    dataset_info_path: str
    stats_path: str
    dataset_name_train: str
    dataset_name_eval: str
    train_pairs: int
    eval_pairs: int
    stats: PairStats


# --------------------------------------------------------------------------------------------------
# small text helpers

_WS_RE = re.compile(r"\s+")
_PY_BUILTINS = frozenset(dir(builtins))
_HASH_COMMENT_LANGS = frozenset({"python", "ruby", "bash", "shell", "yaml", "toml", "r", "perl", "elixir", "julia"})
_STRING_RE = re.compile(
    r"""(?P<prefix>[rRbBuUfF]{0,2})"""
    r"""(?P<lit>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)"""
)
_JS_LANGS = frozenset({"javascript", "typescript", "tsx", "jsx"})
_JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")
_TRIVIAL_DECORATORS = frozenset(
    {
        "property", "staticmethod", "classmethod", "abstractmethod", "abc.abstractmethod", "wraps",
        "functools.wraps", "overload", "typing.overload", "override", "typing.override", "cached_property",
        "functools.cached_property", "cache", "functools.cache", "lru_cache", "functools.lru_cache",
        "dataclass", "dataclasses.dataclass", "contextmanager", "contextlib.contextmanager",
        "total_ordering", "functools.total_ordering", "final", "typing.final",
    }
)
_TRIVIAL_BASES = frozenset({"object", "Generic", "typing.Generic"})


def _hash(*parts: object) -> int:
    data = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def _pick(options: list[str], *key: object) -> str:
    return options[_hash(*key) % len(options)]


def _norm(text: str) -> str:
    return _WS_RE.sub(" ", text).strip().lower()


def _summary(doc: str, limit: int = 300) -> str:
    """The docstring's first paragraph on one line, cut at a sentence end when it is long."""
    if not doc or not doc.strip():
        return ""
    para = re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0]
    para = _WS_RE.sub(" ", para).strip()
    if len(para) > limit:
        cut = para[:limit]
        dot = cut.rfind(". ")
        para = cut[: dot + 1] if dot >= limit // 3 else cut.rsplit(" ", 1)[0] + " ..."
    if para and para[-1] not in ".!?:)":
        para += "."
    return para


def _first_sentence(doc: str) -> str:
    text = _summary(doc, 400)
    match = re.search(r"(?<=[.!?])\s", text)
    if match:
        text = text[: match.start()]
    return text.strip().rstrip(".").strip()


def _names(items: list[str], limit: int = 8) -> str:
    """`a`, `b` and `c` (and N more)."""
    shown = [f"`{x}`" for x in items[:limit]]
    rest = len(items) - len(shown)
    if rest > 0:
        return ", ".join(shown) + f" and {rest} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def _inline(text: str, limit: int = 120) -> str:
    """Text fit for inline code: one line, no backticks, capped."""
    text = _WS_RE.sub(" ", text).strip().replace("`", "'")
    return text if len(text) <= limit else text[: limit - 4].rstrip() + " ..."


def _balance(text: str) -> int:
    """Open minus closed brackets, ignoring brackets inside simple string literals."""
    depth, quote, escaped = 0, "", False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth


def _split_top(text: str, sep: str = ",", angle: bool = False) -> list[str]:
    """Split on ``sep`` outside brackets and string literals."""
    out: list[str] = []
    cur: list[str] = []
    depth, quote = 0, ""
    opens, closes = ("([{<", ")]}>") if angle else ("([{", ")]}")
    prev = ""
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote and prev != "\\":
                quote = ""
            prev = ch
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in opens and not (ch == "<" and prev == "="):
            depth += 1
        elif ch in closes and not (ch == ">" and prev == "="):
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        prev = ch
    out.append("".join(cur))
    return out


def _paren_content(text: str, start: int) -> str | None:
    """The text inside the bracket pair opening at ``text[start]``."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    return None


def _matching(text: str, start: int) -> int:
    """Index of the bracket closing the one at ``text[start]`` (the last index when unbalanced)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "([{":
            depth += 1
        elif text[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return len(text) - 1


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 8)]
    nl = cut.rfind("\n")
    if nl > limit // 2:
        cut = cut[:nl]
    else:
        cut = cut.rsplit(" ", 1)[0]
    cut = cut.rstrip()
    if cut.count("```") % 2:
        cut += "\n```"
    else:
        cut += " ..."
    return cut


@dataclass
class _Code:
    """A code block whose length can still be reduced to fit an answer."""

    lines: list[str]
    lang: str

    def render(self, limit: int) -> str:
        shown = self.lines[:limit]
        rest = len(self.lines) - len(shown)
        body = list(shown)
        if rest > 0:
            comment = "#" if self.lang in _HASH_COMMENT_LANGS else "//"
            pad = " " * _indent(shown[-1]) if shown else ""
            body.append(f"{pad}{comment} ... ({_plural(rest, 'more line')})")
        fence = self.lang if re.fullmatch(r"[a-z0-9_+-]+", self.lang or "") else ""
        return f"```{fence}\n" + "\n".join(body) + "\n```"


def _compose(parts: list[str | _Code], max_chars: int, max_lines: int) -> str:
    codes = [p for p in parts if isinstance(p, _Code)]
    limit = min(max_lines, max((len(c.lines) for c in codes), default=0))
    while True:
        text = "".join(p if isinstance(p, str) else p.render(limit) for p in parts).strip()
        if len(text) <= max_chars or limit <= 3:
            break
        limit = max(3, limit - max(1, limit // 5))
    return _truncate(text, max_chars)


def _dedent_lines(lines: list[str]) -> list[str]:
    text = textwrap.dedent("\n".join(line.expandtabs(4).rstrip() for line in lines))
    out = text.split("\n")
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return out


# --------------------------------------------------------------------------------------------------
# signatures


@dataclass
class _Param:
    name: str
    annotation: str
    default: str | None
    kind: str  # "positional", "keyword-only", "var-positional", "var-keyword"
    optional: bool


def _param_text(signature: str, name: str) -> str | None:
    pos = signature.find(name + "(")
    if pos < 0:
        pos = signature.find(name)
    start = signature.find("(", max(pos, 0))
    if start < 0:
        return None
    return _paren_content(signature, start)


def _split_default(item: str) -> tuple[str, str | None]:
    depth = 0
    for i, ch in enumerate(item):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth == 0:
            before = item[i - 1] if i else ""
            after = item[i + 1] if i + 1 < len(item) else ""
            if before not in "=!<>" and after not in "=>":
                return item[:i].strip(), item[i + 1 :].strip()
    return item.strip(), None


def _params(sym: Symbol, lang: str) -> list[_Param] | None:
    text = _param_text(sym.signature, sym.name)
    if text is None:
        return None
    out: list[_Param] = []
    keyword_only = False
    for raw in _split_top(text, ",", angle=lang != "python"):
        item = _WS_RE.sub(" ", raw).strip()
        if not item or item == "/":
            continue
        if item == "*":
            keyword_only = True
            continue
        head, default = _split_default(item)
        if lang == "python":
            name, _, ann = head.partition(":")
        elif head.startswith(("{", "[")):
            end = _matching(head, 0)
            name, ann = head[: end + 1], head[end + 1 :].lstrip(" :?")
        else:
            name, _, ann = head.partition(":")
        name, ann = name.strip(), ann.strip()
        kind = "keyword-only" if keyword_only else "positional"
        if name.startswith("**"):
            kind = "var-keyword"
        elif name.startswith("*") or name.startswith("..."):
            kind, keyword_only = "var-positional", True
        optional = default is not None or name.endswith("?") or kind.startswith("var")
        name = name.rstrip("?")
        if lang != "python":
            name = re.sub(r"^(public|private|protected|readonly)\s+", "", name)
        out.append(_Param(name, ann, default, kind, optional))
    if lang == "python" and sym.kind == "method" and out and out[0].name in ("self", "cls"):
        out = out[1:]
    return out


def _describe_param(p: _Param) -> str:
    bits = [f"`{_inline(p.name, 60)}`"]
    extra = []
    if p.annotation:
        extra.append(f"`{_inline(p.annotation, 60)}`")
    if p.kind == "keyword-only":
        extra.append("keyword-only")
    if extra:
        bits.append("(" + ", ".join(extra) + ")")
    if p.kind == "var-positional":
        bits.append("collects any extra positional arguments")
    elif p.kind == "var-keyword":
        bits.append("collects any extra keyword arguments")
    elif p.default is not None:
        bits.append(f"optional, default `{_inline(p.default, 60)}`")
    elif p.optional:
        bits.append("optional")
    else:
        bits.append("required")
    return " ".join(bits)


def _bases(sym: Symbol, lang: str) -> list[str]:
    sig = _WS_RE.sub(" ", sym.signature)
    if lang == "python":
        match = re.search(r"class\s+\w+\s*(?:\[[^\]]*\])?\s*\(", sig)
        if not match:
            return []
        inner = _paren_content(sig, match.end() - 1) or ""
        out = []
        for item in _split_top(inner):
            item = item.strip()
            if not item or "=" in item or item.startswith("*"):
                continue
            base = item.split("[", 1)[0].strip()
            if base and base not in _TRIVIAL_BASES:
                out.append(base)
        return out
    match = re.search(r"\bextends\s+([A-Za-z_$][\w.$]*)", sig)
    return [match.group(1)] if match else []


def _deco_name(deco: str) -> str:
    match = re.match(r"\s*@?\s*([A-Za-z_][\w.]*)", deco)
    return match.group(1) if match else ""


def _deco_line(deco: str) -> str:
    deco = deco.strip()
    return deco if deco.startswith("@") else "@" + deco


# --------------------------------------------------------------------------------------------------
# the repository as seen through the index


@dataclass
class _Pair:
    category: str
    instruction: str
    output: str
    source: str
    group: str  # the split key: one file path, or "" for pairs about a directory or several files


@dataclass
class _Raise:
    exc: str
    line: int
    statement: str
    condition: str  # an English clause: "when `x` holds", ...
    message: str


@dataclass
class _File:
    index: FileIndex
    lines: list[str] | None  # None when missing, unreadable or changed since indexing

    @property
    def path(self) -> str:
        return self.index.path

    @property
    def lang(self) -> str:
        return self.index.language


SymRef = tuple[str, str, int]  # (path, qualname, start_line)


class _Repo:
    def __init__(self, index: CodeIndex, root: Path, name: str, max_chars: int, max_lines: int) -> None:
        self.name = name
        self.max_chars = max_chars
        self.max_lines = max_lines
        self.files: dict[str, _File] = {}
        self.stale: list[str] = []
        root_resolved = root.resolve()
        for fi in sorted(index.files, key=lambda f: f.path):
            self.files[fi.path] = _File(fi, self._read(root_resolved, fi))
        self.symbols: dict[SymRef, tuple[_File, Symbol]] = {}
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
        self._raises: dict[SymRef, list[_Raise]] = {}

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

    def span(self, f: _File, start: int, end: int) -> list[str] | None:
        if f.lines is None or start < 1 or end < start or end > len(f.lines):
            return None
        return f.lines[start - 1 : end]

    def code(self, f: _File, s: Symbol) -> _Code | None:
        lines = self.span(f, s.start_line, s.end_line)
        if not lines:
            return None
        return _Code(_dedent_lines(lines), f.lang)

    def signature_code(self, f: _File, s: Symbol, with_decorators: bool = True) -> _Code | None:
        sig = s.signature.strip()
        if not sig:
            first = self.span(f, s.start_line, s.start_line)
            if not first:
                return None
            sig = first[0]
        lines = sig.splitlines()[:8]
        if with_decorators and f.lang == "python":
            lines = [_deco_line(d) for d in s.decorators[:3]] + lines
        return _Code(_dedent_lines(lines), f.lang)

    def compose(self, parts: list[str | _Code]) -> str:
        return _compose(parts, self.max_chars, self.max_lines)

    # ---- classification

    @staticmethod
    def is_test(f: _File, s: Symbol | None = None) -> bool:
        return f.index.is_test or (s is not None and s.is_test)

    def code_symbols(self, kinds: tuple[str, ...] = ("class", "function", "method")) -> list[tuple[_File, Symbol]]:
        """Non-test, non-dunder symbols in file and line order."""
        out = []
        for f in self.files.values():
            if f.index.is_test:
                continue
            for s in f.index.symbols:
                if s.kind in kinds and not s.is_test and not (s.name.startswith("__") and s.name.endswith("__")):
                    out.append((f, s))
        return out

    def test_symbols(self) -> list[tuple[_File, Symbol]]:
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
                out += [(f, case) for case in _js_test_cases(f)]
        return out

    def is_component(self, f: _File, s: Symbol) -> bool:
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

    def where(self, f: _File, s: Symbol) -> str:
        lines = f"line {s.start_line}" if s.start_line == s.end_line else f"lines {s.start_line}-{s.end_line}"
        if s.kind == "method" and s.parent:
            return f"a method of the class `{s.parent}` in `{f.path}` ({lines})"
        return f"a {self.kind_word(s)} in `{f.path}` ({lines})"

    @staticmethod
    def source(f: _File, s: Symbol) -> str:
        return f"{f.path}:{s.start_line}-{s.end_line}"

    # ---- calls

    def describe_calls(self, f: _File, s: Symbol, limit: int = 8) -> str:
        items = []
        for call in s.calls:
            call = call.strip()
            if not call or call == s.name or len(call) > 60:
                continue
            if f.lang == "python" and call in _PY_BUILTINS:
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

    def _resolve_imports(self, f: _File) -> tuple[list[str], list[str]]:
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

    def _resolve(self, f: _File, spec: str) -> str | None:
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

    def module_summary(self, f: _File) -> str:
        doc = _first_sentence(f.index.module_docstring)
        if doc:
            return doc + "."
        classes = [s.name for s in f.index.symbols if s.kind == "class" and not s.parent]
        funcs = [s.name for s in f.index.symbols if s.kind == "function" and not s.parent]
        bits = []
        if classes:
            bits.append("classes " + _names(classes, 4))
        if funcs:
            bits.append("functions " + _names(funcs, 4))
        return ("defines " + "; ".join(bits)) if bits else f"a {f.lang} file"

    # ---- raise / throw statements

    def raises(self, f: _File, s: Symbol) -> list[_Raise]:
        ref = (f.path, s.qualname, s.start_line)
        if ref not in self._raises:
            self._raises[ref] = self._scan_raises(f, s)
        return self._raises[ref]

    def _nested_ranges(self, f: _File, s: Symbol) -> list[tuple[int, int]]:
        return [
            (o.start_line, o.end_line)
            for o in f.index.symbols
            if o is not s and o.kind in ("function", "method", "class")
            and s.start_line < o.start_line and o.end_line <= s.end_line
        ]

    def _scan_raises(self, f: _File, s: Symbol) -> list[_Raise]:
        if s.kind not in ("function", "method") or f.lines is None:
            return []
        if s.end_line > len(f.lines) or s.start_line < 1:
            return []
        nested = self._nested_ranges(f, s)
        lines = f.lines
        out: list[_Raise] = []
        in_doc = ""
        for no in range(s.start_line + 1, s.end_line + 1):
            line = lines[no - 1]
            stripped = line.strip()
            if f.lang == "python":
                if in_doc:
                    if stripped.count(in_doc) % 2 == 1:
                        in_doc = ""
                    continue
                for quote in ('"""', "'''"):
                    if stripped.count(quote) % 2 == 1:
                        in_doc = quote
                        break
                if in_doc or stripped.startswith(('"""', "'''", "#")):
                    continue
            elif stripped.startswith(("//", "*", "/*")):
                continue
            if any(a <= no <= b for a, b in nested):
                continue
            found = self._match_raise(f.lang, line)
            if not found:
                continue
            exc, inline_cond, col = found
            statement = self._statement(lines, no, col, s.end_line)
            if inline_cond is not None:
                condition = f"when `{_inline(inline_cond, 140)}` holds"
            else:
                condition = self._condition(f.lang, lines, no, s.start_line)
            out.append(_Raise(exc, no, statement, condition, self._message(statement, exc)))
        return out

    @staticmethod
    def _match_raise(lang: str, line: str) -> tuple[str, str | None, int] | None:
        if lang == "python":
            m = re.match(r"^\s*(?:(?:el)?if\s+(?P<cond>.+?):\s*)?raise\s+(?P<exc>[A-Za-z_][\w.]*)", line)
            if not m:
                return None
            return m.group("exc"), m.group("cond"), m.start("exc") - len("raise ")
        m = re.search(r"\bthrow\s+(?:new\s+)?(?P<exc>[A-Z][\w.$]*)\s*\(", line)
        if not m:
            return None
        cond = None
        head = line[: m.start()].strip()
        im = re.match(r"^(?:\}\s*)?(?:else\s+)?if\s*\(", head)
        if im:
            cond = _paren_content(head, im.end() - 1)
        return m.group("exc"), cond, m.start()

    @staticmethod
    def _statement(lines: list[str], no: int, col: int, end: int) -> str:
        text = lines[no - 1][col:].strip()
        depth = _balance(text)
        i = no
        while depth > 0 and i < min(end, no + 5):
            nxt = lines[i].strip()
            glue = "" if text.endswith(("(", "[", "{")) or nxt.startswith((")", "]", "}")) else " "
            text += glue + nxt
            depth += _balance(nxt)
            i += 1
        text = _WS_RE.sub(" ", text)
        return text if len(text) <= 220 else text[:216].rstrip() + " ..."

    @staticmethod
    def _message(statement: str, exc: str) -> str:
        tail = statement.split(exc, 1)[-1]
        m = _STRING_RE.search(tail)
        if not m:
            return ""
        lit = m.group("lit")
        msg = lit[1:-1]
        if "f" in m.group("prefix").lower():
            msg = re.sub(r"\{[^{}]*\}", "...", msg)
        if lit.startswith("`"):
            msg = re.sub(r"\$\{[^}]*\}", "...", msg)
        msg = _WS_RE.sub(" ", msg).strip()
        return msg

    def _condition(self, lang: str, lines: list[str], no: int, start: int) -> str:
        target = _indent(lines[no - 1])
        j = no - 1
        while j >= start:
            line = lines[j - 1]
            s = line.strip()
            if not s or s.startswith(("#", "//")) or _indent(line) >= target:
                j -= 1
                continue
            target = _indent(line)
            if lang == "python":
                s = re.sub(r"\s+#[^\"']*$", "", s)
            head = re.sub(r"^\}\s*", "", s)
            if re.match(r"(el)?if\b|else\s+if\b", head):
                return f"when `{self._cond_text(lang, lines, j, head)}` holds"
            if re.match(r"else\b", head):
                k = j - 1
                while k >= start:
                    other = lines[k - 1]
                    o = re.sub(r"^\}\s*", "", other.strip())
                    if _indent(other) == target and re.match(r"(el)?if\b|else\s+if\b", o):
                        return f"when `{self._cond_text(lang, lines, k, o)}` does not hold (the `else` branch)"
                    if _indent(other) < target and other.strip():
                        break
                    k -= 1
                return "in an `else` branch"
            if re.match(r"except\b|catch\b", head):
                return f"while handling an error caught by `{_inline(head.rstrip(':{ '), 100)}`"
            if re.match(r"(for|while|async for)\b", head):
                return f"inside the loop `{_inline(head.rstrip(':{ '), 100)}`"
            if re.match(r"(async\s+)?def\b|function\b|class\b", head) or j == start:
                break
            j -= 1
        return "unconditionally, whenever that line is reached"

    @staticmethod
    def _cond_text(lang: str, lines: list[str], j: int, head: str) -> str:
        if lang == "python":
            text = re.sub(r"\s+#[^\"']*$", "", head)
            k = j
            while not text.rstrip().endswith(":") and k < j + 3 and k < len(lines):
                text += " " + lines[k].strip()
                k += 1
            text = re.sub(r"^(el)?if\s+", "", text).rstrip().rstrip(":")
            return _inline(text, 140)
        m = re.search(r"\bif\s*\(", head)
        if m:
            inner = _paren_content(head, m.end() - 1)
            if inner is None:
                joined = " ".join([head] + [lines[k].strip() for k in range(j, min(j + 3, len(lines)))])
                inner = _paren_content(joined, joined.find("(", m.start())) or head
            return _inline(inner, 140)
        return _inline(head, 140)


# --------------------------------------------------------------------------------------------------
# the categories


def _explain(repo: _Repo) -> Iterable[_Pair]:
    for f, s in repo.code_symbols():
        if repo.is_component(f, s):
            continue
        doc = _summary(s.docstring)
        calls = repo.describe_calls(f, s)
        methods = [m.name for m in repo.methods[(f.path, s.qualname)]] if s.kind == "class" else []
        bases = _bases(s, f.lang) if s.kind == "class" else []
        if not (doc or calls or methods or bases):
            continue
        q, path = s.qualname, f.path
        if s.kind == "class":
            options = [
                f"Explain the class `{q}` in `{path}`.",
                f"What is the class `{q}` ({path}) for in the {repo.name} project?",
                f"What does the `{q}` class defined in `{path}` represent?",
                f"Describe the class `{q}` from `{path}`.",
            ]
        else:
            options = [
                f"What does `{q}` in `{path}` do?",
                f"In the {repo.name} project, what is the purpose of the {repo.kind_word(s)} `{q}` in `{path}`?",
                f"Explain `{q}` from `{path}`.",
                f"Briefly describe what `{q}` ({path}) is for.",
            ]
        parts: list[str | _Code] = [f"`{q}` is {repo.where(f, s)}."]
        if doc:
            parts.append(" " + doc)
        if s.kind == "class":
            if bases:
                parts.append(f" It inherits from {_names(bases, 4)}.")
            decos = [_deco_name(d) for d in s.decorators if _deco_name(d)]
            if decos:
                parts.append(f" It is decorated with {_names(['@' + d for d in decos], 3)}.")
            if methods:
                parts.append(f" Its {'method is' if len(methods) == 1 else 'methods are'} {_names(methods, 10)}.")
        else:
            sig = repo.signature_code(f, s)
            if sig:
                parts += ["\n\nSignature:\n", sig, "\n"]
            if calls:
                parts.append(f"\nIt calls {calls}.")
        yield _Pair("explain", _pick(options, "explain", path, q), repo.compose(parts), repo.source(f, s), path)


def _generate(repo: _Repo, skip_components: bool) -> Iterable[_Pair]:
    for f, s in repo.code_symbols():
        if skip_components and repo.is_component(f, s):
            continue
        q, path = s.qualname, f.path
        code = repo.code(f, s)
        if code and (s.kind != "class" or len(code.lines) <= 40) and len(code.lines) >= 2:
            options = [
                f"Show how `{q}` is implemented in `{path}`.",
                f"Write the code of `{q}` from the {repo.name} project.",
                f"How is the {repo.kind_word(s)} `{q}` in `{path}` implemented?",
                f"What is the source code of `{q}` ({path})?",
            ]
            head = f"`{q}` is {repo.where(f, s)}. Its implementation:\n"
            yield _Pair("generate", _pick(options, "generate-impl", path, q), repo.compose([head, code]),
                        repo.source(f, s), path)
        sentence = _first_sentence(s.docstring)
        if s.kind in ("function", "method") and len(sentence.split()) >= 4:
            sig = repo.signature_code(f, s)
            if sig:
                options = [
                    f'Write the signature of the {repo.name} {repo.kind_word(s)} described as: "{sentence}".',
                    f'Which {repo.kind_word(s)} in {repo.name} does this: "{sentence}"? Show its signature.',
                ]
                head = f"That is `{q}`, {repo.where(f, s)}:\n"
                yield _Pair("generate", _pick(options, "generate-sig", path, q), repo.compose([head, sig]),
                            repo.source(f, s), path)
    yield from _subclass_patterns(repo)
    yield from _decorator_patterns(repo)


def _listing(refs: list[tuple[_File, Symbol]], limit: int = 8) -> str:
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
        parts.append(f"{_names(take, limit)} in `{path}`")
    text = "; ".join(parts)
    if len(refs) > shown:
        text += f"; and {len(refs) - shown} more"
    return text


def _group_of(refs: list[tuple[_File, Symbol]]) -> tuple[str, str]:
    paths = sorted({f.path for f, _ in refs})
    if len(paths) == 1:
        lo = min(s.start_line for _, s in refs)
        hi = max(s.end_line for _, s in refs)
        return paths[0], f"{paths[0]}:{lo}-{hi}"
    spans = [f"{f.path}:{s.start_line}-{s.end_line}" for f, s in refs[:4]]
    return "", "; ".join(spans) + ("; ..." if len(refs) > 4 else "")


def _subclass_patterns(repo: _Repo) -> Iterable[_Pair]:
    by_base: dict[str, list[tuple[_File, Symbol]]] = defaultdict(list)
    for f, s in repo.code_symbols(("class",)):
        for base in _bases(s, f.lang):
            by_base[base].append((f, s))
    for base in sorted(by_base):
        subs = by_base[base]
        if len(subs) < 2:
            continue
        example_f, example = min(subs, key=lambda r: (r[1].end_line - r[1].start_line, r[0].path, r[1].qualname))
        common = [m.name for m in repo.methods[(example_f.path, example.qualname)]]
        for f, s in subs:
            names = {m.name for m in repo.methods[(f.path, s.qualname)]}
            common = [n for n in common if n in names]
        sig = repo.signature_code(example_f, example)
        if sig is None:
            continue
        lines = list(sig.lines)
        bare = len(lines)
        for m in repo.methods[(example_f.path, example.qualname)]:
            if m.name not in common:
                continue
            msig = m.signature.strip().splitlines()
            if not msig:
                continue
            body = _dedent_lines(msig[:4])
            lines += ["    " + x for x in body] + ["        ..."]
        if len(lines) == bare:
            lines.append("    ..." if example_f.lang == "python" else "  // ...")
        parts: list[str | _Code] = [f"The existing subclasses of `{base}` in {repo.name} are {_listing(subs, 6)}."]
        if common:
            parts.append(f" They all define {_names(common, 8)}.")
        parts.append(f" A new one follows the same shape; the smallest, `{example.qualname}`, is declared as:\n")
        parts.append(_Code(lines, example_f.lang))
        group, source = _group_of(subs)
        options = [
            f"How do I add a new subclass of `{base}` in {repo.name}, following the existing pattern?",
            f"In the {repo.name} project, what should a new `{base}` subclass look like?",
        ]
        yield _Pair("generate", _pick(options, "generate-sub", base), repo.compose(parts), source, group)


def _decorator_patterns(repo: _Repo) -> Iterable[_Pair]:
    by_deco: dict[str, list[tuple[_File, Symbol]]] = defaultdict(list)
    for f, s in repo.code_symbols():
        seen = set()
        for d in s.decorators:
            name = _deco_name(d)
            if not name or name in _TRIVIAL_DECORATORS or name.split(".")[-1] in ("setter", "getter", "deleter"):
                continue
            if name not in seen:
                seen.add(name)
                by_deco[name].append((f, s))
    for deco in sorted(by_deco):
        refs = by_deco[deco]
        if len(refs) < 2:
            continue
        example_f, example = min(refs, key=lambda r: (r[1].end_line - r[1].start_line, r[0].path, r[1].qualname))
        sig = repo.signature_code(example_f, example)
        if sig is None:
            continue
        kinds = {s.kind for _, s in refs}
        noun, nouns = ("class", "classes") if kinds == {"class"} else ("function", "functions")
        where = _listing(refs, 6)
        body = "    ..." if example_f.lang == "python" else "  // ..."
        parts: list[str | _Code] = [
            f"In {repo.name}, these use `@{deco}`: {where}. A new {noun} is declared the same way; "
            f"for example `{example.qualname}`:\n",
            _Code(list(sig.lines) + [body], example_f.lang),
        ]
        group, source = _group_of(refs)
        options = [
            f"How do I add a new {noun} that uses the `@{deco}` decorator in {repo.name}?",
            f"What is the pattern for `@{deco}` {nouns} in the {repo.name} project?",
        ]
        yield _Pair("generate", _pick(options, "generate-deco", deco), repo.compose(parts), source, group)


def _debug(repo: _Repo) -> Iterable[_Pair]:
    for f, s in repo.code_symbols(("function", "method")):
        q, path = s.qualname, f.path
        by_exc: dict[str, list[_Raise]] = defaultdict(list)
        for r in repo.raises(f, s):
            by_exc[r.exc].append(r)
        for exc in sorted(by_exc):
            found = by_exc[exc]
            raise_word = "raise" if f.lang == "python" else "throw"
            options = [
                f"When does `{q}` in `{path}` {raise_word} `{exc}`?",
                f"Why would `{q}` ({path}) {raise_word} a `{exc}`?",
                f"What makes `{q}` from `{path}` fail with `{exc}`?",
            ]
            verb = "raises" if f.lang == "python" else "throws"
            if len(found) == 1:
                r = found[0]
                parts: list[str | _Code] = [
                    f"`{q}` ({path}) {verb} `{exc}` at line {r.line} {r.condition}:\n",
                    _Code([r.statement], f.lang),
                ]
            else:
                items = "\n".join(f"- line {r.line}, {r.condition}: `{_inline(r.statement, 220)}`" for r in found[:5])
                more = f"\n- and {len(found) - 5} more" if len(found) > 5 else ""
                parts = [f"`{q}` ({path}) {verb} `{exc}` in {len(found)} places:\n{items}{more}"]
            yield _Pair("debug", _pick(options, "debug-raise", path, q, exc), repo.compose(parts),
                        repo.source(f, s), path)
            for r in found:
                if len(r.message) < 8 or " " not in r.message:
                    continue
                msg = _inline(r.message, 140).replace('"', "'")
                options = [
                    f'I get the error "{msg}" from {repo.name}. Where does it come from?',
                    f'What causes the {repo.name} error "{msg}"?',
                ]
                done = "raised" if verb == "raises" else "thrown"
                out = (f"That message is {done} as `{exc}` by `{q}` in `{path}` (line {r.line}), "
                       f"{r.condition}. The statement is `{_inline(r.statement, 220)}`.")
                yield _Pair("debug", _pick(options, "debug-msg", path, q, r.line), repo.compose([out]),
                            f"{path}:{r.line}-{r.line}", path)
        yield from _except_handlers(repo, f, s)
        private = s.name.startswith("_")
        params = _params(s, f.lang) if s.signature and not private and not repo.is_component(f, s) else None
        if params:
            options = [
                f"I get a TypeError when I call `{q}` from `{path}`. What arguments does it take?",
                f"Which parameters does `{q}` in `{path}` accept, and which are required?",
                f"How do I call `{q}` ({path}) correctly?",
            ]
            sig = repo.signature_code(f, s, with_decorators=False)
            parts = [f"`{q}` is {repo.where(f, s)}, defined as:\n"]
            if sig:
                parts += [sig, "\n"]
            parts.append(f"It takes {_plural(len(params), 'parameter')}:\n")
            parts.append("\n".join("- " + _describe_param(p) for p in params[:10]))
            required = [p.name for p in params if not p.optional]
            if required:
                parts.append(f"\nA call must pass {_names(required, 8)}.")
            else:
                parts.append("\nEvery parameter is optional.")
            if s.kind == "method" and s.parent and f.lang == "python":
                if "staticmethod" in [_deco_name(d) for d in s.decorators]:
                    parts.append(f" Call it as `{s.parent}.{s.name}(...)`.")
                elif "classmethod" in [_deco_name(d) for d in s.decorators]:
                    parts.append(f" Call it on the class, `{s.parent}.{s.name}(...)`; `cls` is passed for you.")
                else:
                    parts.append(f" Call it on a `{s.parent}` instance; `self` is passed for you.")
            yield _Pair("debug", _pick(options, "debug-args", path, q), repo.compose(parts), repo.source(f, s), path)


def _except_handlers(repo: _Repo, f: _File, s: Symbol) -> Iterable[_Pair]:
    if f.lang != "python" or f.lines is None or s.end_line > len(f.lines):
        return
    nested = repo._nested_ranges(f, s)
    seen: set[str] = set()
    for no in range(s.start_line + 1, s.end_line + 1):
        if any(a <= no <= b for a, b in nested):
            continue
        line = f.lines[no - 1]
        m = re.match(r"^\s*except\s+(?P<what>[^:]+?)(?:\s+as\s+\w+)?\s*:", line)
        if not m:
            continue
        what = _inline(m.group("what").strip("() "), 80)
        if what in seen:
            continue
        seen.add(what)
        base = _indent(line)
        block = [line]
        k = no
        while k < s.end_line and len(block) < 8:
            nxt = f.lines[k]
            if nxt.strip() and _indent(nxt) <= base:
                break
            block.append(nxt)
            k += 1
        code = _Code(_dedent_lines(block), f.lang)
        q, path = s.qualname, f.path
        options = [
            f"How does `{q}` in `{path}` handle `{what}`?",
            f"What happens in `{q}` ({path}) when `{what}` is raised?",
        ]
        head = f"`{q}` ({path}) catches `{what}` at line {no} and handles it like this:\n"
        yield _Pair("debug", _pick(options, "debug-except", path, q, what), repo.compose([head, code]),
                    f"{path}:{no}-{k}", path)


def _architecture(repo: _Repo) -> Iterable[_Pair]:
    for f in repo.files.values():
        path = f.path
        top = [s for s in f.index.symbols if s.kind in ("class", "function") and not s.parent]
        doc = _summary(f.index.module_docstring)
        if top or doc:
            options = [
                f"What is `{path}` responsible for in {repo.name}?",
                f"What is the role of the module `{path}` in the {repo.name} project?",
                f"Summarize what `{path}` contains.",
            ]
            parts: list[str] = [f"`{path}` is a {f.lang} {'test ' if f.index.is_test else ''}module"]
            parts.append(f": {doc}" if doc else ".")
            classes = [s.name for s in top if s.kind == "class"]
            funcs = [s.name for s in top if s.kind == "function"]
            if classes:
                parts.append(f" It defines the {'class' if len(classes) == 1 else 'classes'} {_names(classes, 8)}.")
            if funcs:
                parts.append(f" It {'also ' if classes else ''}defines the "
                             f"{'function' if len(funcs) == 1 else 'functions'} {_names(funcs, 8)}.")
            if f.index.imports:
                internal = repo.deps.get(path, [])
                if internal:
                    parts.append(f" It builds on {_names(internal, 5)}.")
            yield _Pair("architecture", _pick(options, "arch-module", path), repo.compose(["".join(parts)]),
                        f"{path}:1-{max(1, f.index.lines)}", path)
        internal, external = repo.deps.get(path, []), repo.external.get(path, [])
        if internal or external:
            options = [
                f"What does `{path}` depend on?",
                f"Which modules does `{path}` import in {repo.name}?",
            ]
            bits = []
            if internal:
                bits.append(f"these {repo.name} modules: {_names(internal, 10)}")
            if external:
                bits.append(f"these outside packages or standard modules: {_names(external, 10)}")
            out = f"`{path}` imports " + "; and ".join(bits) + "."
            yield _Pair("architecture", _pick(options, "arch-deps", path), repo.compose([out]),
                        f"{path}:1-{max(1, f.index.lines)}", path)
    for target in sorted(repo.importers):
        users = sorted(set(repo.importers[target]))
        if not users:
            continue
        options = [
            f"Which modules import `{target}`?",
            f"Where is `{target}` used in the {repo.name} codebase?",
        ]
        out = f"`{target}` is imported by {_plural(len(users), 'module')}: {_names(users, 12)}."
        yield _Pair("architecture", _pick(options, "arch-importers", target), repo.compose([out]),
                    "; ".join(users[:4]) + ("; ..." if len(users) > 4 else ""), "")
    by_dir: dict[str, list[_File]] = defaultdict(list)
    for f in repo.files.values():
        by_dir[posixpath.dirname(f.path)].append(f)
    for d in sorted(by_dir):
        members = by_dir[d]
        if len(members) < 2:
            continue
        label = f"`{d}/` directory" if d else "top-level directory"
        options = [
            f"What does the {label} of {repo.name} contain?",
            f"Give an overview of the {label} in the {repo.name} project.",
        ]
        items = [f"- `{f.path}`: {repo.module_summary(f)}" for f in members[:10]]
        more = f"\n- and {len(members) - 10} more files" if len(members) > 10 else ""
        where = f"`{d}/`" if d else f"The top level of {repo.name}"
        out = f"{where} holds {_plural(len(members), 'indexed file')}:\n" + "\n".join(items) + more
        yield _Pair("architecture", _pick(options, "arch-dir", d), repo.compose([out]), (d or ".") + "/", "")
    for qual in sorted(repo.defs_by_qual):
        refs = [repo.symbols[r] for r in repo.defs_by_qual[qual]]
        refs = [(f, s) for f, s in refs if not (s.name.startswith("__") and s.name.endswith("__"))]
        if not refs:
            continue
        options = [
            f"Where is `{qual}` defined in {repo.name}?",
            f"In which file of the {repo.name} project is `{qual}` defined?",
            f"Where can I find `{qual}` in the {repo.name} codebase?",
        ]
        if len(refs) == 1:
            f, s = refs[0]
            out = f"`{qual}` is {repo.where(f, s)}."
            group, source = f.path, repo.source(f, s)
        else:
            out = f"There are {len(refs)} definitions of `{qual}`:\n" + "\n".join(
                f"- {repo.where(f, s)}" for f, s in refs[:8])
            group, source = _group_of(refs)
        yield _Pair("architecture", _pick(options, "arch-where", qual), repo.compose([out]), source, group)
    if len(repo.files) >= 2:
        langs = Counter(f.lang for f in repo.files.values())
        lang_text = ", ".join(f"{lang} ({n})" for lang, n in sorted(langs.items(), key=lambda kv: (-kv[1], kv[0])))
        dirs = Counter(f.path.split("/")[0] for f in repo.files.values() if "/" in f.path)
        top_files = sorted(f.path for f in repo.files.values() if "/" not in f.path)
        out = f"{repo.name} has {_plural(len(repo.files), 'indexed source file')}: {lang_text}."
        if dirs:
            out += " Top-level directories: " + ", ".join(
                f"`{d}/` ({_plural(n, 'file')})" for d, n in sorted(dirs.items())[:10]) + "."
        if top_files:
            out += f" Top-level files: {_names(top_files, 8)}."
        tests = sorted(f.path for f in repo.files.values() if f.index.is_test)
        if tests:
            out += f" Tests live in {_names(sorted({posixpath.dirname(t) or '.' for t in tests}), 4)}."
        options = [
            f"Give an overview of the {repo.name} codebase.",
            f"How is the {repo.name} project laid out?",
        ]
        yield _Pair("architecture", _pick(options, "arch-overview"), repo.compose([out]), "./", "")


def _test_targets(repo: _Repo, tf: _File, ts: Symbol) -> list[SymRef]:
    imported = set(repo.deps.get(tf.path, []))
    found: list[SymRef] = []

    def add(name: str) -> None:
        defs = repo.defs_by_name.get(name, [])
        if len(defs) > 1:
            defs = [r for r in defs if r[0] in imported] or []
        for ref in defs[:3]:
            if ref not in found:
                found.append(ref)

    for call in ts.calls:
        last = call.strip().rsplit(".", 1)[-1]
        if last and not last.startswith("test"):
            add(last)
    words = [w for w in re.split(r"[\W_]+", re.sub(r"^test_?", "", ts.name, flags=re.I).lower()) if w]
    spans = {"_".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(len(words), i + 6) + 1)}
    spans |= {span.replace("_", "") for span in spans}
    parent = re.sub(r"^Test", "", ts.parent or "").lower()
    if parent:
        spans.add(parent)
    for span in sorted(spans):
        if len(span) >= 4:
            for name in repo.names_by_lower.get(span, []):
                add(name)
    return found


def _testing(repo: _Repo) -> Iterable[_Pair]:
    tests = repo.test_symbols()
    tested: dict[SymRef, list[tuple[_File, Symbol]]] = defaultdict(list)
    for tf, ts in tests:
        for ref in _test_targets(repo, tf, ts):
            tested[ref].append((tf, ts))
    for ref in sorted(tested):
        f, s = repo.symbols[ref]
        uses = tested[ref]
        q = s.qualname
        test_files = sorted({tf.path for tf, _ in uses})
        options = [
            f"How is `{q}` from `{f.path}` tested?",
            f"Which tests cover `{q}` ({f.path}) in {repo.name}?",
            f"Where are the tests for `{q}` in the {repo.name} project?",
        ]
        parts: list[str | _Code] = [f"`{q}` ({f.path}) is tested by {_listing(uses, 8)}."]
        if len(test_files) == 1:
            ex_f, ex = min(uses, key=lambda r: (r[1].end_line - r[1].start_line, r[1].qualname))
            code = repo.code(ex_f, ex)
            if code:
                parts += [f" For example, `{ex.qualname}`:\n", code]
            group, source = test_files[0], repo.source(ex_f, ex)
        else:
            group, source = _group_of(uses)
        yield _Pair("testing", _pick(options, "test-how", f.path, q), repo.compose(parts), source, group)
    by_file: dict[str, list[Symbol]] = defaultdict(list)
    for tf, ts in tests:
        by_file[tf.path].append(ts)
        doc = _summary(ts.docstring)
        calls = repo.describe_calls(tf, ts)
        code = repo.code(tf, ts)
        if not (doc or calls or code):
            continue
        options = [
            f"What does the test `{ts.qualname}` in `{tf.path}` check?",
            f"Explain the test `{ts.qualname}` ({tf.path}).",
        ]
        parts = [f"`{ts.qualname}` is a test in `{tf.path}` (lines {ts.start_line}-{ts.end_line})."]
        if doc:
            parts.append(" " + doc)
        if calls:
            parts.append(f" It calls {calls}.")
        if code:
            parts += [" The test:\n", code]
        yield _Pair("testing", _pick(options, "test-what", tf.path, ts.qualname), repo.compose(parts),
                    repo.source(tf, ts), tf.path)
    for path in sorted(by_file):
        members = by_file[path]
        options = [
            f"Which tests are in `{path}`?",
            f"What does the test file `{path}` cover?",
        ]
        items = []
        for ts in members[:12]:
            doc = _first_sentence(ts.docstring)
            items.append(f"- `{ts.qualname}`" + (f": {doc}." if doc else ""))
        more = f"\n- and {len(members) - 12} more" if len(members) > 12 else ""
        out = f"`{path}` holds {_plural(len(members), 'test')}:\n" + "\n".join(items) + more
        f = repo.files[path]
        yield _Pair("testing", _pick(options, "test-file", path), repo.compose([out]),
                    f"{path}:1-{max(1, f.index.lines)}", path)
    yield from _test_skeletons(repo, tested)


def _test_style(repo: _Repo) -> tuple[str, list[str]] | None:
    py_tests = [f for f in repo.files.values()
                if f.index.is_test and f.lang == "python" and any(s.is_test for s in f.index.symbols)]
    if not py_tests:
        return None
    top_level = any(
        s.kind == "function" and s.name.startswith("test") for f in py_tests for s in f.index.symbols)
    uses_pytest = any(any(i.split(".")[0] == "pytest" for i in f.index.imports) for f in py_tests)
    uses_unittest = any(any(i.split(".")[0] == "unittest" for i in f.index.imports) for f in py_tests)
    style = "unittest" if uses_unittest and not (uses_pytest or top_level) else "pytest"
    return style, sorted(f.path for f in py_tests)


def _test_skeletons(repo: _Repo, tested: dict[SymRef, list[tuple[_File, Symbol]]]) -> Iterable[_Pair]:
    found = _test_style(repo)
    if found is None:
        return
    style, test_paths = found
    for f, s in repo.code_symbols(("function", "method")):
        if f.lang != "python" or s.name.startswith("_") or s.signature.lstrip().startswith("async"):
            continue
        params = _params(s, f.lang)
        if params is None:
            continue
        module = repo.python_import_name(f.path)
        if not module:
            continue
        near = _nearby_tests(f.path, test_paths)
        if not near:
            continue
        test_dirs = Counter(posixpath.dirname(p) for p in near)
        test_dir = sorted(test_dirs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        stem = posixpath.basename(f.path)[:-3]
        existing = [p for p in near if posixpath.basename(p) in (f"test_{stem}.py", f"{stem}_test.py")]
        test_file = existing[0] if existing else f"{test_dir + '/' if test_dir else ''}test_{stem}.py"
        dir_text = f"`{test_dir}/`" if test_dir else "the top-level folder"
        args = ", ".join(f"{p.name}=..." for p in params if not p.optional)
        decos = [_deco_name(d) for d in s.decorators]
        if s.kind == "method" and s.parent:
            imported = s.parent.split(".")[0]
            if "staticmethod" in decos or "classmethod" in decos:
                call = f"{s.parent}.{s.name}({args})"
            else:
                init = next((m for m in repo.methods[(f.path, s.parent)] if m.name == "__init__"), None)
                init_params = _params(init, f.lang) if init else None
                if init_params is None:
                    init_args = "..."
                else:
                    init_args = ", ".join(f"{p.name}=..." for p in init_params if not p.optional)
                call = f"{s.parent}({init_args}).{s.name}({args})"
        else:
            imported = s.name
            call = f"{s.name}({args})"
        raises = repo.raises(f, s)
        ref = (f.path, s.qualname, s.start_line)
        intro = (f"This project's tests live in {dir_text}; put it in `{test_file}`. "
                 f"`{s.qualname}` is {repo.where(f, s)}. Replace each `...` with a real value:\n")
        if raises:
            r = raises[0]
            exc_import = _exception_import(repo, r.exc)
            if exc_import is None:
                continue
            lines = ["import pytest" if style == "pytest" else "import unittest", ""]
            lines.append(f"from {module} import {imported}")
            if exc_import:
                lines.append(exc_import)
            lines += ["", ""]
            comment = f"# {s.qualname} raises {r.exc} {r.condition.replace('`', '')} (line {r.line})"
            test_name = f"test_{s.name}_raises_{re.sub(r'[^a-z0-9]+', '_', r.exc.split('.')[-1].lower())}"
            if style == "pytest":
                lines += [f"def {test_name}():", f"    {comment}", f"    with pytest.raises({r.exc}):",
                          f"        {call}"]
            else:
                cls = "Test" + "".join(w.capitalize() for w in s.name.split("_"))
                lines += [f"class {cls}(unittest.TestCase):", f"    def {test_name}(self):", f"        {comment}",
                          f"        with self.assertRaises({r.exc}):", f"            {call}"]
            options = [
                f"Write a test that checks `{s.qualname}` in `{f.path}` raises `{r.exc}`.",
                f"How do I test the `{r.exc}` case of `{s.qualname}` ({f.path})?",
            ]
            yield _Pair("testing", _pick(options, "test-raise", f.path, s.qualname),
                        repo.compose([intro, _Code(lines, "python")]), repo.source(f, s), f.path)
        elif ref not in tested and _first_sentence(s.docstring):
            lines = ["import unittest", ""] if style == "unittest" else []
            lines += [f"from {module} import {imported}", "", ""]
            purpose = _first_sentence(s.docstring)
            if style == "pytest":
                lines += [f"def test_{s.name}():", f"    # {s.qualname}: {purpose}", f"    result = {call}",
                          "    assert result == ...  # the value the docstring promises"]
            else:
                cls = "Test" + "".join(w.capitalize() for w in s.name.split("_"))
                lines += [f"class {cls}(unittest.TestCase):", f"    def test_{s.name}(self):",
                          f"        # {s.qualname}: {purpose}", f"        result = {call}",
                          "        self.assertEqual(result, ...)  # the value the docstring promises"]
            options = [
                f"Write a {style} test for `{s.qualname}` in `{f.path}`.",
                f"`{s.qualname}` ({f.path}) has no test yet. How would I write one?",
            ]
            yield _Pair("testing", _pick(options, "test-new", f.path, s.qualname),
                        repo.compose([intro, _Code(lines, "python")]), repo.source(f, s), f.path)


def _test_root(path: str) -> str:
    """The folder a test file's suite belongs to: the part of its path before a tests/test folder."""
    parts = path.split("/")[:-1]
    for i, comp in enumerate(parts):
        if comp in ("tests", "test", "testing"):
            return "/".join(parts[:i])
    return "/".join(parts)


def _nearby_tests(path: str, test_paths: list[str]) -> list[str]:
    """The test files of the innermost test suite whose root folder holds ``path``."""
    best: list[str] = []
    best_len = -1
    for tp in test_paths:
        root = _test_root(tp)
        if root and not path.startswith(root + "/"):
            continue
        if len(root) > best_len:
            best, best_len = [tp], len(root)
        elif len(root) == best_len:
            best.append(tp)
    return best


_JS_TEST_RE = re.compile(r"""^\s*(?:test|it)(?:\.\w+)?\s*\(\s*(["'`])(?P<title>.+?)\1""")
_JS_CALL_RE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(")
_JS_NOT_CALLS = frozenset({
    "if", "for", "while", "switch", "catch", "function", "return", "typeof", "await", "async", "new", "expect",
    "describe", "it", "test", "require", "beforeEach", "afterEach", "beforeAll", "afterAll", "super",
})


def _js_test_cases(f: _File) -> list[Symbol]:
    """``test("...")`` / ``it("...")`` blocks of a JS/TS test file, as test symbols named by their titles."""
    if f.lines is None:
        return []
    cases = []
    for i, line in enumerate(f.lines):
        m = _JS_TEST_RE.match(line)
        if not m:
            continue
        depth, end = 0, i
        for j in range(i, min(len(f.lines), i + 80)):
            depth += _balance(f.lines[j])
            end = j
            if depth <= 0:
                break
        calls: list[str] = []
        for j in range(i, end + 1):
            for name in _JS_CALL_RE.findall(f.lines[j][m.end() if j == i else 0 :]):
                if name not in _JS_NOT_CALLS and not re.match(r"to[A-Z]", name) and name not in calls:
                    calls.append(name)
        title = _inline(m.group("title"), 100)
        cases.append(Symbol(kind="function", name=title, qualname=title, start_line=i + 1, end_line=end + 1,
                            calls=calls, is_test=True))
    return cases


def _exception_import(repo: _Repo, exc: str) -> str | None:
    """The import line a test needs for ``exc``: "" for builtins, None when it cannot be found."""
    if "." in exc:
        return f"import {exc.split('.')[0]}"
    if exc in _PY_BUILTINS:
        return ""
    defs = [r for r in repo.defs_by_name.get(exc, []) if repo.symbols[r][1].kind == "class"]
    if len(defs) != 1:
        return None
    module = repo.python_import_name(defs[0][0])
    return f"from {module} import {exc}" if module else None


def _uiux(repo: _Repo) -> Iterable[_Pair]:
    for f, s in repo.code_symbols(("function", "class")):
        if not repo.is_component(f, s):
            continue
        q, path = s.qualname, f.path
        body = repo.span(f, s.start_line, s.end_line) or []
        hooks: list[str] = []
        for call in s.calls:
            name = call.strip().rsplit(".", 1)[-1]
            if re.match(r"use[A-Z]", name) and name not in hooks:
                hooks.append(name)
        for line in body:
            for name in re.findall(r"\b(use[A-Z]\w*)\s*[(<]", line):
                if name not in hooks:
                    hooks.append(name)
        children: list[str] = []
        for line in body:
            for tag in re.findall(r"(?<![\w$.])<([A-Z][\w.]*)", line):
                if tag != s.name and tag not in children:
                    children.append(tag)
        props: list[str] = []
        params = _params(s, f.lang) if s.kind == "function" and s.signature else None
        prop_type = ""
        if params:
            first = params[0]
            if first.name.startswith("{"):
                for item in _split_top(first.name.strip("{} "), ","):
                    name = _split_default(item.split(":", 1)[0])[0].strip().lstrip(".")
                    if re.fullmatch(r"[A-Za-z_$][\w$]*", name):
                        props.append(name)
            prop_type = first.annotation
        doc = _summary(s.docstring)
        if not (props or hooks or children or doc):
            continue
        parts: list[str | _Code] = [f"`{q}` is a UI component in `{path}` (lines {s.start_line}-{s.end_line})."]
        if doc:
            parts.append(" " + doc)
        if props:
            parts.append(f" It takes the props {_names(props, 10)}"
                         + (f" (typed `{_inline(prop_type, 60)}`)" if prop_type else "") + ".")
        elif prop_type:
            parts.append(f" Its props are typed `{_inline(prop_type, 60)}`.")
        if hooks:
            parts.append(f" It uses the hooks {_names(hooks, 8)}.")
        if children:
            parts.append(f" It renders {_names(children, 10)}.")
        options = [
            f"What does the `{q}` component in `{path}` render?",
            f"Explain the React component `{q}` ({path}).",
            f"Which props and hooks does the `{q}` component in {repo.name} use?",
        ]
        yield _Pair("uiux", _pick(options, "ui-explain", path, q), repo.compose(parts), repo.source(f, s), path)
        code = repo.code(f, s)
        if code:
            options = [
                f"Show the implementation of the `{q}` component ({path}).",
                f"How is the `{q}` component in {repo.name} built?",
            ]
            head = f"`{q}` is defined in `{path}` (lines {s.start_line}-{s.end_line}):\n"
            yield _Pair("uiux", _pick(options, "ui-code", path, q), repo.compose([head, code]),
                        repo.source(f, s), path)


_GENERATORS: dict[str, Callable[[_Repo, set[str]], Iterable[_Pair]]] = {
    "explain": lambda repo, cats: _explain(repo),
    "generate": lambda repo, cats: _generate(repo, skip_components="uiux" in cats),
    "debug": lambda repo, cats: _debug(repo),
    "architecture": lambda repo, cats: _architecture(repo),
    "testing": lambda repo, cats: _testing(repo),
    "uiux": lambda repo, cats: _uiux(repo),
}


# --------------------------------------------------------------------------------------------------
# selection, split, counting


def _shingles(text: str) -> frozenset[str]:
    words = _norm(text).split()
    if len(words) < 3:
        return frozenset([" ".join(words)])
    return frozenset(" ".join(words[i : i + 3]) for i in range(len(words) - 2))


_MERSENNE = (1 << 61) - 1
_PERMS = [((i * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % _MERSENNE | 1, (i * 0xC2B2AE3D27D4EB4F + 7) % _MERSENNE)
          for i in range(1, 17)]
_BANDS = 8


def _minhash(shingles: frozenset[str]) -> list[int]:
    hashes = [zlib.crc32(s.encode("utf-8")) for s in shingles]
    return [min((a * h + b) % _MERSENNE for h in hashes) for a, b in _PERMS]


def _dedup(pairs: list[_Pair]) -> tuple[list[_Pair], int]:
    ordered = sorted(pairs, key=lambda p: (CATEGORIES.index(p.category), p.group, p.source, p.instruction, p.output))
    seen_instr: set[str] = set()
    seen_out: set[str] = set()
    buckets: dict[tuple[str, int, tuple[int, ...]], list[int]] = defaultdict(list)
    kept: list[_Pair] = []
    kept_shingles: list[frozenset[str]] = []
    removed = 0
    rows = len(_PERMS) // _BANDS
    for p in ordered:
        ki, ko = _norm(p.instruction), _norm(p.output)
        if ki in seen_instr or ko in seen_out:
            removed += 1
            continue
        sh = _shingles(p.output)
        sig = _minhash(sh)
        keys = [(p.category, b, tuple(sig[b * rows : (b + 1) * rows])) for b in range(_BANDS)]
        candidates = sorted({i for key in keys for i in buckets.get(key, [])})
        if any(len(sh & kept_shingles[i]) / max(1, len(sh | kept_shingles[i])) >= NEAR_DUP_JACCARD
               for i in candidates):
            removed += 1
            continue
        seen_instr.add(ki)
        seen_out.add(ko)
        for key in keys:
            buckets[key].append(len(kept))
        kept.append(p)
        kept_shingles.append(sh)
    return kept, removed


def _priority(p: _Pair, seed: int) -> tuple[int, str]:
    return _hash(seed, "pick", p.category, p.instruction), p.instruction


def _quotas(available: dict[str, int], limit: int) -> dict[str, int]:
    """Pairs per category under a round-robin cap: one of each category per round, in ``CATEGORIES`` order."""
    quota = {c: 0 for c in CATEGORIES}
    left, depth = limit, 0
    while left > 0:
        took = False
        for c in CATEGORIES:
            if depth < available.get(c, 0) and left > 0:
                quota[c] += 1
                left -= 1
                took = True
        if not took:
            break
        depth += 1
    return quota


def _cap(train_pool: list[_Pair], held_pool: list[_Pair], limit: int, ratio: float,
         seed: int) -> tuple[list[_Pair], list[_Pair]]:
    """At most ``limit`` pairs in all, taken per side: train pairs from train files, held-out from held-out files.

    The per-category counts are those of a round-robin cap over both sides together; each category's count
    is then apportioned, about ``ratio`` of it held out (at least one for a category of ``STRATIFY_MIN_PAIRS``
    or more) and ``ratio`` of ``limit`` held out overall, as far as the held-out files have pairs of that
    category. Within a side and category, pairs are taken in seeded hash order.
    """
    if len(train_pool) + len(held_pool) <= limit:
        return list(train_pool), list(held_pool)

    def queues(pool: list[_Pair]) -> dict[str, list[_Pair]]:
        return {c: sorted((p for p in pool if p.category == c), key=lambda p: _priority(p, seed)) for c in CATEGORIES}

    train_q, held_q = queues(train_pool), queues(held_pool)
    quota = _quotas({c: len(train_q[c]) + len(held_q[c]) for c in CATEGORIES}, limit)
    ideal = {c: ratio * quota[c] for c in CATEGORIES}
    held_n: dict[str, int] = {}
    high: dict[str, int] = {}
    for c in CATEGORIES:
        low = max(0, quota[c] - len(train_q[c]))  # what the train files cannot supply comes from held-out ones
        high[c] = min(quota[c], len(held_q[c]))
        wanted = math.floor(ideal[c])
        if quota[c] >= STRATIFY_MIN_PAIRS:
            wanted = max(wanted, 1)
        held_n[c] = min(high[c], max(low, wanted))
    target = max(1, math.floor(ratio * sum(quota.values()) + 0.5))
    while sum(held_n.values()) < target:
        open_cats = [c for c in CATEGORIES if held_n[c] < high[c]]
        if not open_cats:
            break
        pick = max(open_cats, key=lambda c: (ideal[c] - held_n[c], -CATEGORIES.index(c)))
        held_n[pick] += 1
    train = [p for c in CATEGORIES for p in train_q[c][: quota[c] - held_n[c]]]
    held = [p for c in CATEGORIES for p in held_q[c][: held_n[c]]]
    return train, held


def _choose_held_out(groups: dict[str, Counter[str]], ratio: float, seed: int) -> set[str]:
    """The groups (files, or source spans) to hold out: a stratified greedy choice, see the module docstring."""
    order = sorted(groups, key=lambda g: (_hash(seed, "split", g), g))
    if len(order) < 2:
        return set()
    rank = {g: i for i, g in enumerate(order)}
    size = {g: sum(groups[g].values()) for g in order}
    totals: Counter[str] = Counter()
    for g in order:
        totals.update(groups[g])
    target = ratio * sum(size.values())
    bound = HELD_OUT_OVERSHOOT * target
    want = {c: ratio * n for c, n in totals.items() if n >= STRATIFY_MIN_PAIRS}

    def term(c: str, h: int) -> float:
        if c in want:
            x = (h - want[c]) / want[c]
            return x * x if x < 0 else _OVER_WEIGHT * x * x
        return 1.0 if h and h == totals[c] >= 2 else 0.0  # a small category: train keeps some of it

    def overall(n: int) -> float:
        x = (n - target) / target
        return x * x

    def cost(have: Counter[str], count: int) -> float:
        """0 when every category and the whole held-out side sit at their targets; lower is better."""
        return overall(count) + sum(term(c, have[c]) for c in sorted(totals))

    held: set[str] = set()
    have: Counter[str] = Counter()
    count = 0
    items = {g: sorted(groups[g].items()) for g in order}

    def gain(g: str) -> float:
        """How much adding ``g`` changes the cost (negative: better)."""
        d = overall(count + size[g]) - overall(count)
        for c, n in items[g]:
            d += term(c, have[c] + n) - term(c, have[c])
        return d

    def swapped(out: str, new: str) -> tuple[Counter[str], int]:
        moved = have + groups[new]
        moved.subtract(groups[out])
        return moved, count - size[out] + size[new]

    def add(g: str) -> None:
        nonlocal count
        held.add(g)
        have.update(groups[g])
        count += size[g]

    # greedy: add the first file (in seeded order) that lowers the cost nearly as much as the best one does,
    # looking at the first _SPLIT_WINDOW files that fit (all of them in a repository of ordinary size)
    while len(held) + 1 < len(order):
        gains: list[tuple[str, float]] = []
        for g in order:
            if g not in held and count + size[g] <= bound:
                gains.append((g, gain(g)))
                if len(gains) >= _SPLIT_WINDOW:
                    break
        best = min((d for _, d in gains), default=0.0)
        if best >= -1e-9:
            break
        add(next(g for g, d in gains if d <= _SPLIT_NEAR_BEST * best))

    # a category with enough pairs and none held out gets a file of its own or, when none fits, a swap
    for c in CATEGORIES:
        if c not in want or have[c]:
            continue
        options = [g for g in order if groups[g][c] and g not in held]
        fitting = [g for g in options if count + size[g] <= bound]
        if fitting and len(held) + 1 < len(order):
            add(min(fitting, key=lambda g: (gain(g), rank[g])))
            continue
        covered = [k for k in want if have[k]]
        swaps = []
        for new in options[:_SPLIT_WINDOW]:
            for out in sorted(held, key=rank.__getitem__):
                moved, n = swapped(out, new)
                if n <= bound and all(moved[k] > 0 for k in covered):
                    swaps.append((cost(moved, n), rank[new], rank[out], out, new))
        if swaps:
            *_, out, new = min(swaps)
            held.discard(out)
            have.subtract(groups[out])
            count -= size[out]
            add(new)

    if not held:
        add(min(order, key=lambda g: (size[g], rank[g])))
    return held


def _split(pairs: list[_Pair], ratio: float, seed: int) -> tuple[list[_Pair], list[_Pair], str]:
    """Train and held-out pairs, by file (``split_by = "file"``) or, with fewer than two files, by source span."""
    split_by = "file"
    key: Callable[[_Pair], str] = lambda p: p.group  # noqa: E731
    if len({p.group for p in pairs if p.group}) < 2:
        split_by = "symbol"
        key = lambda p: p.source if p.group else ""  # noqa: E731
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for p in pairs:
        if key(p):
            groups[key(p)][p.category] += 1
    held = _choose_held_out(groups, ratio, seed)
    train = [p for p in pairs if key(p) not in held]
    held_out = [p for p in pairs if key(p) in held]
    return train, held_out, split_by


class _TokenCounter:
    def __init__(self, tokenizer_path: str | None) -> None:
        self.kind: Literal["chars/4", "tokenizer"] = "chars/4"
        self._tok: Any = None
        if tokenizer_path is None:
            return
        path = Path(tokenizer_path).expanduser()
        if not path.exists():
            raise ToolFailure(
                FailureKind.not_found,
                f"There is no tokenizer at {path}.",
                hint="Pass a local folder holding tokenizer files (tokenizer.json / tokenizer_config.json), "
                "or leave tokenizer_path out to estimate tokens as chars / 4.",
                details={"tokenizer_path": str(path)},
            )
        try:
            from transformers import AutoTokenizer
        except ImportError as exc:
            raise ToolFailure(
                FailureKind.missing_dependency,
                "The transformers package is needed to count tokens with a tokenizer.",
                hint="Install the studio's training dependencies, or leave tokenizer_path out.",
                details={"error": str(exc)},
            ) from None
        try:
            self._tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any loader error means the folder is not usable
            raise ToolFailure(
                FailureKind.corrupted,
                f"The tokenizer at {path} could not be loaded: {exc}",
                hint="Point tokenizer_path at a complete tokenizer folder, or leave it out.",
                details={"tokenizer_path": str(path)},
            ) from None
        self.kind = "tokenizer"

    def count(self, text: str) -> int:
        if self._tok is None:
            return math.ceil(len(text) / 4)
        return len(self._tok(text, add_special_tokens=False)["input_ids"])


def _quality(per_category: dict[str, int], requested: int, token_counts: list[int]) -> int:
    total = sum(per_category.values())
    if total == 0:
        return 0
    present = [n for n in per_category.values() if n > 0]
    coverage = min(1.0, len(present) / max(1, min(4, requested)))
    volume = min(1.0, total / 200)
    if len(present) > 1:
        entropy = -sum((n / total) * math.log(n / total) for n in present)
        balance = entropy / math.log(len(present))
    else:
        balance = 0.0
    fit = sum(1 for t in token_counts if FIT_MIN_TOKENS <= t <= FIT_MAX_TOKENS) / len(token_counts)
    return max(0, min(100, round(30 * coverage + 25 * volume + 20 * balance + 25 * fit)))


# --------------------------------------------------------------------------------------------------
# the tool


def _record(p: _Pair) -> dict[str, str]:
    return {
        "category": p.category,
        "group": p.group,
        "id": hashlib.sha256(f"{p.category}\x1f{p.instruction}".encode("utf-8")).hexdigest()[:16],
        "input": "",
        "instruction": p.instruction,
        "output": p.output,
        "source": p.source,
    }


def _jsonl(pairs: list[_Pair]) -> str:
    return "".join(json.dumps(_record(p), ensure_ascii=False, sort_keys=True) + "\n" for p in pairs)


def dataset_info(name_train: str, name_eval: str) -> dict[str, Any]:
    """LLaMA-Factory's ``dataset_info.json`` entries for the two alpaca files."""
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    return {
        name_train: {"file_name": TRAIN_FILE, "formatting": "alpaca", "columns": dict(columns)},
        name_eval: {"file_name": EVAL_FILE, "formatting": "alpaca", "columns": dict(columns)},
    }


@tool("generate_pairs", tab="prepare")
def generate_pairs(args: GeneratePairsArgs, ctx: ToolContext) -> GeneratePairsResult:
    """Build instruction/answer training pairs from the code index, split by file into train and eval.

    Deterministic and model-free: answers are assembled from the repository's own signatures, docstrings,
    calls, imports, raise statements and tests. Writes LLaMA-Factory alpaca JSONL plus dataset_info.json.
    """
    repo_root = Path(args.repo_path).expanduser()
    if not repo_root.is_dir():
        raise ToolFailure(FailureKind.not_found, f"There is no repository folder at {repo_root}.",
                          hint="Check the path, or fetch the source first (clone).",
                          details={"repo_path": str(repo_root)})
    index_path = Path(args.index_path).expanduser() if args.index_path else repo_root / INDEX_FILENAME
    index = load_index(index_path)
    name = (args.repo_name or "").strip() or repo_root.resolve().name or "repo"
    ctx.progress(stage="index", files=len(index.files))

    repo = _Repo(index, repo_root, name, args.max_answer_chars, args.max_code_lines)
    requested = [c for c in CATEGORIES if c in set(args.categories)]
    per_category_limit = max(4 * args.max_pairs, 2000)
    candidates: list[_Pair] = []
    tried: dict[str, int] = {}
    for category in requested:
        made = [p for p in _GENERATORS[category](repo, set(requested)) if p.output.strip()]
        tried[category] = len(made)
        if len(made) > per_category_limit:
            made = sorted(made, key=lambda p: _priority(p, args.seed))[:per_category_limit]
        candidates += made
        ctx.progress(stage="generate", category=category, candidates=len(made))

    unique, removed = _dedup(candidates)
    ctx.progress(stage="dedup", kept=len(unique), removed=removed)
    train_pool, held_pool, split_by = _split(unique, args.held_out_ratio, args.seed)
    train, held_out = _cap(train_pool, held_pool, args.max_pairs, args.held_out_ratio, args.seed)
    chosen = train + held_out
    per_category = {c: sum(1 for p in chosen if p.category == c) for c in requested}
    if len(chosen) < args.min_pairs:
        raise ToolFailure(
            FailureKind.insufficient_data,
            f"Only {len(chosen)} training pairs could be built from {len(index.files)} indexed files "
            f"(tried {', '.join(requested)}); at least {args.min_pairs} are needed.",
            hint="Point the studio at a repository with more source code (functions, docstrings, tests), "
            "index more of it, or lower --min-pairs.",
            details={"pairs": len(chosen), "min_pairs": args.min_pairs, "per_category": per_category,
                     "candidates_per_category": tried, "files_indexed": len(index.files),
                     "dedup_removed": removed},
        )

    if not held_out:
        raise ToolFailure(
            FailureKind.insufficient_data,
            f"The {len(chosen)} pairs cannot be split into train and eval: they all come from one place.",
            hint="Index more files of the repository, so that some can be held out for evaluation.",
            details={"pairs": len(chosen), "min_pairs": args.min_pairs, "per_category": per_category,
                     "files_indexed": len(index.files)},
        )
    order = lambda p: (_hash(args.seed, "order", p.instruction), p.instruction)  # noqa: E731
    train.sort(key=order)
    held_out.sort(key=order)

    counter = _TokenCounter(args.tokenizer_path)
    tokens = {id(p): counter.count(p.instruction) + counter.count(p.output) for p in chosen}
    counts = [tokens[id(p)] for p in chosen]
    train_tokens = sum(tokens[id(p)] + TEMPLATE_OVERHEAD_TOKENS for p in train)
    est_minutes = train_tokens * args.epochs * args.seconds_per_1k_tokens / 1000 / 60
    group_key = (lambda p: p.group) if split_by == "file" else (lambda p: p.source if p.group else "")
    train_groups = {group_key(p) for p in train if group_key(p)}
    eval_groups = {group_key(p) for p in held_out if group_key(p)}
    used_files = {p.group for p in chosen if p.group}
    stats = PairStats(
        per_category=per_category,
        per_category_train={c: sum(1 for p in train if p.category == c) for c in requested},
        per_category_eval={c: sum(1 for p in held_out if p.category == c) for c in requested},
        candidates=len(candidates),
        dedup_removed=removed,
        capped_removed=len(unique) - len(chosen),
        avg_tokens=round(sum(counts) / len(counts), 1),
        max_tokens=max(counts),
        long_pairs=sum(1 for t in counts if t > FIT_MAX_TOKENS),
        token_counter=counter.kind,
        train_tokens=train_tokens,
        est_train_minutes=round(est_minutes, 1),
        epochs=args.epochs,
        seconds_per_1k_tokens=args.seconds_per_1k_tokens,
        quality_score=_quality(per_category, len(requested), counts),
        split_by=split_by,  # type: ignore[arg-type]
        files_indexed=len(index.files),
        files_used=len(used_files),
        train_files=len(train_groups),
        eval_files=len(eval_groups),
        stale_files=sorted(repo.stale),
    )

    base = slugify(name, "repo").replace("-", "_")
    name_train, name_eval = f"{base}_train", f"{base}_eval"
    out_dir = Path(args.out_dir).expanduser()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(out_dir / TRAIN_FILE, _jsonl(train))
        write_atomic(out_dir / EVAL_FILE, _jsonl(held_out))
        write_json(out_dir / DATASET_INFO_FILE, dataset_info(name_train, name_eval))
        write_json(out_dir / STATS_FILE, {
            **stats.model_dump(mode="json"),
            "dataset_name_train": name_train,
            "dataset_name_eval": name_eval,
            "train_file": TRAIN_FILE,
            "eval_file": EVAL_FILE,
            "train_pairs": len(train),
            "eval_pairs": len(held_out),
            "categories_requested": requested,
        })
    except OSError as exc:
        failure = disk_full_from_oserror(exc, str(out_dir))
        if failure:
            raise failure from exc
        raise ToolFailure(FailureKind.invalid_input, f"Cannot write the dataset to {out_dir}: {exc}",
                          hint="Choose an output folder you can write to.",
                          details={"out_dir": str(out_dir), "errno": exc.errno}) from None
    ctx.progress(stage="write", train=len(train), eval=len(held_out))
    resolved = out_dir.resolve()
    return GeneratePairsResult(
        dataset_dir=str(resolved),
        train_file=str(resolved / TRAIN_FILE),
        eval_file=str(resolved / EVAL_FILE),
        dataset_info_path=str(resolved / DATASET_INFO_FILE),
        stats_path=str(resolved / STATS_FILE),
        dataset_name_train=name_train,
        dataset_name_eval=name_eval,
        train_pairs=len(train),
        eval_pairs=len(held_out),
        stats=stats,
    )
