"""Scanning a text for secrets and replacing them.

Every rule yields candidate spans ``(start, end, kind, rank)``; overlapping spans are merged into one
finding whose kind is that of its best-ranked rule (a known token format before a URL credential before
a credential assignment). :func:`redact` replaces each merged span by :func:`~.findings.placeholder`.
"""

from __future__ import annotations

import bisect
import re
from typing import Callable, Iterable, Iterator

from .findings import Finding, Redacted, placeholder, preview

Span = tuple[int, int, str, int]

_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws_access_key_id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("github_fine_grained_token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}")),
    ("openai_api_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}")),
    ("huggingface_token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
)
_KEY_BLOCK = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.S,
)


def _spans(text: str, known: Iterable[str]) -> Iterator[Span]:
    for value in {k for k in known if k and len(k) >= 6}:
        start = text.find(value)
        while start >= 0:
            yield start, start + len(value), "known_value", 0
            start = text.find(value, start + len(value))
    for m in _KEY_BLOCK.finditer(text):
        yield m.start(), m.end(), "private_key", 0
    for kind, pattern in _TOKENS:
        for m in pattern.finditer(text):
            yield m.start(), m.end(), kind, 1


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end, kind, rank in sorted(spans):
        if merged and start < merged[-1][1]:
            s, e, k, r = merged[-1]
            merged[-1] = (s, max(e, end), k if r <= rank else kind, min(r, rank))
        else:
            merged.append((start, end, kind, rank))
    return merged


def _findings(text: str, spans: list[Span], where: str) -> list[Finding]:
    newlines = [m.start() for m in re.finditer("\n", text)] if spans else []
    return [Finding(kind, bisect.bisect_left(newlines, start) + 1, start, end, preview(text[start:end]), where)
            for start, end, kind, _rank in spans]


def scan(text: str, where: str = "", known: Iterable[str] = ()) -> list[Finding]:
    """The secrets in ``text``, in order; ``where`` labels the findings (a file path, a field name)."""
    return _findings(text, _merge(_spans(text, known)), where)


def redact(text: str, where: str = "", known: Iterable[str] = (),
           mask: Callable[[Finding], str] | None = None) -> Redacted:
    """``text`` with every secret replaced by ``mask(finding)`` (default ``<REDACTED:kind>``)."""
    findings = scan(text, where, known)
    if not findings:
        return Redacted(text, [])
    make = mask or (lambda f: placeholder(f.kind))
    parts: list[str] = []
    pos = 0
    for f in findings:
        parts += [text[pos:f.start], make(f)]
        pos = f.end
    parts.append(text[pos:])
    return Redacted("".join(parts), findings)
