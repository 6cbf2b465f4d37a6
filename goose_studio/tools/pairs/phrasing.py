"""People's words for code: identifiers as phrases, several phrasings of one question, and answers that
cite where a fact comes from.

A fact is asked in several ways (What / Why / Where / How, short and long): :func:`phrasings` picks a
stable subset of the question templates for a fact, and each phrasing becomes its own pair with the same
``fact`` key, so that de-duplication keeps the family and the split keeps it on one side.
"""

from __future__ import annotations

import re
from typing import Iterable

from .repo import Pair
from .text import stable_hash

_ABBREVIATIONS = {
    "max": "maximum", "min": "minimum", "len": "length", "num": "number", "cnt": "count", "cfg": "configuration",
    "conf": "configuration", "config": "configuration", "dir": "directory", "dirs": "directories",
    "env": "environment", "var": "variable", "vars": "variables", "msg": "message", "tmp": "temporary",
    "temp": "temporary", "sec": "seconds", "secs": "seconds", "ms": "milliseconds", "db": "database",
    "auth": "authentication", "args": "arguments", "kwargs": "keyword arguments", "repo": "repository",
    "pkg": "package", "src": "source", "dst": "destination", "idx": "index", "attr": "attribute",
    "attrs": "attributes", "param": "parameter", "params": "parameters", "req": "request", "resp": "response",
    "err": "error", "errs": "errors", "str": "string", "obj": "object", "fn": "function", "func": "function",
    "cb": "callback", "ctx": "context", "info": "information", "prio": "priority", "fmt": "format",
    "ext": "extension", "exts": "extensions", "lang": "language", "lib": "library", "addr": "address",
    "buf": "buffer", "val": "value", "vals": "values", "init": "initial", "desc": "description",
    "doc": "documentation", "docs": "documentation", "impl": "implementation", "spec": "specification",
    "proc": "process", "ts": "timestamp", "url": "URL", "uri": "URI", "http": "HTTP", "id": "id", "ids": "ids",
    "api": "API", "cli": "command line", "io": "I/O", "utf": "UTF", "json": "JSON", "csv": "CSV", "xml": "XML",
    "html": "HTML", "sql": "SQL", "ical": "iCalendar", "ttl": "time-to-live", "ui": "UI",
}
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(identifier: str) -> list[str]:
    """The words of an identifier: ``MAX_TITLE_LENGTH`` -> [max, title, length], ``JsonStore`` -> [json, store]."""
    out: list[str] = []
    for chunk in re.split(r"[_\W]+", identifier):
        out += [w.lower() for w in _CAMEL_RE.findall(chunk)]
    return out


def humanize(identifier: str) -> str:
    """An identifier as a phrase people say: ``MAX_TITLE_LENGTH`` -> "maximum title length"."""
    name = identifier.rsplit(".", 1)[-1]
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words(name)) or name


def sentence(text: str) -> str:
    """Text as one sentence: whitespace collapsed, a capital first letter, a full stop at the end."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return ""
    if text[0].islower() and not text.startswith(("`", "e.g", "i.e")):
        text = text[0].upper() + text[1:]
    if text[-1] not in ".!?:":
        text += "."
    return text


def lower_first(text: str) -> str:
    """The text with its first letter lower-cased, unless it starts an acronym or a code name."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and not text.startswith("`"):
        return text[0].lower() + text[1:]
    return text


def cite(source: str) -> str:
    """The short citation that ends an answer: ``(see path:lines)``."""
    return f"(see {source})" if source else ""


def with_cite(text: str, source: str) -> str:
    """``text`` with its citation; the sentence's final full stop moves after the citation."""
    text = text.rstrip()
    if not source:
        return text
    if text.endswith("."):
        return f"{text[:-1]} {cite(source)}."
    return f"{text} {cite(source)}"


def phrasings(templates: list[str], count: int, *key: object) -> list[tuple[int, str]]:
    """``count`` of the templates (all when fewer), in a stable order chosen by ``key``; with their ranks.

    Rank 0 is the fact's first phrasing: when pairs must be dropped, later ranks go first.
    """
    if not templates:
        return []
    start = stable_hash("phrasing", *key) % len(templates)
    order = templates[start:] + templates[:start]
    seen: list[str] = []
    for t in order:
        if t not in seen:
            seen.append(t)
    return list(enumerate(seen[:count]))


def plural_noun(phrase: str) -> bool:
    """Whether the phrase's last word looks plural (``events``, ``aliases``), for "is"/"are"."""
    last = phrase.split()[-1] if phrase.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


def singular(phrase: str) -> str:
    """A plural phrase's singular (``exit codes`` -> ``exit code``), the phrase itself otherwise."""
    parts = phrase.split()
    if not parts:
        return phrase
    last = parts[-1]
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith(("ses", "xes", "ches", "shes")):
        last = last[:-2]
    elif plural_noun(last):
        last = last[:-1]
    return " ".join([*parts[:-1], last])


def family(category: str, key: str, questions: list[str], answers: list[str], source: str, group: str,
           count: int, origin: str = "code") -> Iterable[Pair]:
    """One pair per phrasing of a fact: ``count`` of the questions, each with the next answer in turn.

    Answers are given short first and long after; every one should already carry its citation.
    """
    answers = [a for a in answers if a and a.strip()]
    if not answers:
        return
    for rank, question in phrasings([q for q in questions if q], count, category, key):
        yield Pair(category, question, answers[rank % len(answers)], source, group, fact=f"{category}:{key}",
                   variant=rank, origin=origin)
