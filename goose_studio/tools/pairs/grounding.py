"""Is an answer grounded in the repository? Every file, symbol and value it names must exist there.

:class:`Vocabulary` holds what the repository contains: its file paths (indexed and documentation
files), symbol names, and every word and number of its source and documentation text.
:meth:`Vocabulary.unknown` lists the names and values of an answer that the repository does not have:
paths (``a/b.py``, ``README.md``, with an optional ``:lines``), code spans in backticks, identifiers
that look like code (``snake_case``, ``CamelCase``, ``dotted.names``) and numbers. Plain English words
are never flagged. The generators' own answers pass by construction; the check is for answers written by
a model, and it gives the dashboard its share of grounded pairs.
"""

from __future__ import annotations

import re

from .repo import Repo

_TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?")
_PATH_RE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)+[\w.-]+\.\w+|[\w-]+\.(?:py|md|rst|txt|toml|json|yaml|yml|cfg|ini|"
                      r"js|ts|tsx|jsx|go|rs|java|rb|c|h|cpp|hpp|cs|kt|swift|adoc|lock))(?![\w.])(?::\d+(?:-\d+)?)?")
_CODE_RE = re.compile(r"`([^`\n]{1,200})`")
_IDENT_RE = re.compile(r"(?<![\w.`/-])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[a-z]+_[a-z0-9_]+|[A-Z][a-z0-9]+[A-Z]\w*)(?![\w`/])")
_NUMBER_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]|\.\d)")
_CITED_NUMBER = re.compile(r"\blines? \d+(?:\s*-\s*\d+)?|\d+ (?:more|other|parameters?|places?|files?|tests?|"
                           r"modules?|definitions?|classes|class|functions?|methods?|pairs?|members?|lines?|"
                           r"subclasses|exceptions?|items?|entries|options?|commands?|indexed)\b")
_COMMON_NUMBERS = frozenset({str(i) for i in range(0, 11)} | {"100", "1000"})


class Vocabulary:
    """What the repository contains, for checking answers against it."""

    def __init__(self, repo: Repo, doc_texts: dict[str, str] | None = None) -> None:
        self.paths: set[str] = set(repo.files) | set(doc_texts or {})
        self.basenames = {p.rsplit("/", 1)[-1] for p in self.paths}
        self.tokens: set[str] = set()
        self.literals: set[str] = set()  # path-like strings written in the code (file names it reads or writes)
        for f in repo.files.values():
            self.tokens.update(s.qualname for s in f.index.symbols)
            self.tokens.update(s.name for s in f.index.symbols)
            if f.lines:
                for line in f.lines:
                    self.tokens.update(_TOKEN_RE.findall(line))
                    self.literals.update(m.group(1) for m in _PATH_RE.finditer(line))
        for text in (doc_texts or {}).values():
            self.tokens.update(_TOKEN_RE.findall(text))
            self.literals.update(m.group(1) for m in _PATH_RE.finditer(text))
        self.tokens.update(w for p in self.paths for w in _TOKEN_RE.findall(p))
        self.tokens.add(repo.name)

    def known_path(self, path: str) -> bool:
        path = path.split(":", 1)[0].strip("./") if not path.startswith("./") else path[2:].split(":", 1)[0]
        return path in self.paths or path in self.basenames or any(p.endswith("/" + path) for p in self.paths)

    def known_words(self, text: str) -> bool:
        """Every identifier and number inside ``text`` (a code span) occurs in the repository."""
        return all(self._known(t) for t in _TOKEN_RE.findall(text))

    def _known(self, token: str) -> bool:
        return token in self.tokens or (token.isalpha() and token.lower() in self.tokens)

    def unknown(self, answer: str, question: str = "") -> list[str]:
        """The paths, code spans, identifiers and numbers of ``answer`` the repository does not contain
        (a value the question itself gives is not counted)."""
        asked = set(_TOKEN_RE.findall(question))
        bad: list[str] = []
        for m in _PATH_RE.finditer(answer):
            if not self.known_path(m.group(1)) and m.group(1) not in self.literals:
                bad.append(m.group(1))
        stripped = _PATH_RE.sub(" ", answer)
        for m in _CODE_RE.finditer(stripped):
            span = m.group(1)
            if span.endswith("..."):
                continue  # shortened for the answer: its last word is cut
            words = [t for t in _TOKEN_RE.findall(span) if t not in asked]
            if words and not all(self._known(t) for t in words):
                bad.append(span)
        prose = _CODE_RE.sub(" ", stripped)
        for m in _IDENT_RE.finditer(prose):
            ident = m.group(1)
            if ident not in asked and not all(part in self.tokens for part in ident.split(".")):
                bad.append(ident)
        for m in _NUMBER_RE.finditer(_CITED_NUMBER.sub(" ", prose)):
            num = m.group(1)
            if num not in self.tokens and num not in asked and num not in _COMMON_NUMBERS:
                bad.append(num)
        return list(dict.fromkeys(bad))

    def grounded(self, answer: str, question: str = "") -> bool:
        return not self.unknown(answer, question)
