"""Looking things up once per repository for the fact generators: each Python file's facts, the symbol
around a line, where a name is used, and the value of a module constant.

Everything is computed on first use and kept in ``repo.cache``; test files are left out, since people
ask about the library, not its tests.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..index_models import Symbol
from .pyfacts import Assigned, PyFacts, read_facts
from .repo import File, Repo

_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def library_files(repo: Repo, lang: str = "python") -> list[File]:
    """Non-test files of a language whose lines can be trusted, in path order."""
    return [f for f in repo.files.values() if f.lang == lang and not f.index.is_test and f.lines is not None]


def facts_of(repo: Repo, f: File) -> PyFacts:
    """The :class:`~.pyfacts.PyFacts` of one Python file, read once."""
    cache: dict[str, PyFacts] = repo.cache.setdefault("pyfacts", {})  # type: ignore[assignment]
    if f.path not in cache:
        cache[f.path] = read_facts(f.lines or []) if f.lang == "python" else PyFacts()
    return cache[f.path]


def symbol_at(f: File, line: int) -> Symbol | None:
    """The innermost function, method or class of ``f`` whose span holds ``line``."""
    best: Symbol | None = None
    for s in f.index.symbols:
        if s.kind in ("function", "method", "class") and s.start_line <= line <= s.end_line:
            if best is None or s.start_line >= best.start_line:
                best = s
    return best


def _word_index(repo: Repo) -> dict[str, list[tuple[str, int]]]:
    index = repo.cache.get("words")
    if index is None:
        built: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for f in library_files(repo):
            for no, line in enumerate(f.lines or [], 1):
                code = line.split("#", 1)[0]
                for word in set(_WORD_RE.findall(code)):
                    built[word].append((f.path, no))
        repo.cache["words"] = index = built
    return index  # type: ignore[return-value]


def usages(repo: Repo, name: str, skip: tuple[str, int] | None = None, limit: int = 12
           ) -> list[tuple[File, Symbol | None, int, str]]:
    """Where ``name`` appears in the library's Python code: (file, enclosing symbol, line, the line's code)."""
    out = []
    for path, no in _word_index(repo).get(name, []):
        if skip and (path, no) == skip:
            continue
        f = repo.files[path]
        out.append((f, symbol_at(f, no), no, (f.lines or [""])[no - 1].strip()))
        if len(out) >= limit:
            break
    return out


def constants(repo: Repo) -> dict[str, list[tuple[File, Assigned]]]:
    """Module constants by name, across the library."""
    found = repo.cache.get("constants")
    if found is None:
        built: dict[str, list[tuple[File, Assigned]]] = defaultdict(list)
        for f in library_files(repo):
            for a in facts_of(repo, f).assigned:
                if a.kind == "constant":
                    built[a.name].append((f, a))
        repo.cache["constants"] = found = built
    return found  # type: ignore[return-value]


def constant_note(repo: Repo, expression: str) -> str:
    """`` (`NAME` is `value`)`` for each module constant named in ``expression`` with a short value."""
    notes = []
    for word in dict.fromkeys(_WORD_RE.findall(expression)):
        hits = constants(repo).get(word, [])
        if len(hits) == 1 and hits[0][1].value and hits[0][1].value != expression and len(hits[0][1].value) <= 60:
            notes.append(f"`{word}` is `{hits[0][1].value}`")
    return f" ({'; '.join(notes[:2])})" if notes else ""


def plain_value(value: str) -> str:
    """A literal as people write it: quotes dropped from a simple string."""
    m = re.fullmatch(r"""[rbuRBU]?(["'])(.*)\1""", value)
    if m and m.group(2) and "\\" not in m.group(2) and m.group(1) not in m.group(2):
        return m.group(2)
    return value
