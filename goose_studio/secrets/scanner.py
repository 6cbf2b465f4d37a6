"""Scanning a text for secrets and replacing them.

The rules run in turn over the whole text: values the caller names (``known``), private key blocks, the
studio's token formats (:mod:`.tokens`), the ``detect-secrets`` plugins (:mod:`.plugins`), credentials in
URLs and headers (:mod:`.contexts`) and assignments (:mod:`.assignments`). Each yields spans; overlapping
spans are merged into one finding whose kind is that of its best-ranked rule, in that order. :func:`redact`
replaces each merged span by a placeholder (``<REDACTED:kind>`` unless the caller gives its own mask).
"""

from __future__ import annotations

import bisect
import re
from typing import Callable, Iterable, Iterator, Mapping

from .assignments import assignment_spans
from .contexts import header_spans, key_block_spans, url_credential_spans
from .findings import Finding, Redacted, placeholder, preview
from .plugins import plugin_spans
from .tokens import token_spans

Span = tuple[int, int, str, int]
MIN_KNOWN = 6
_KEY_LINE = re.compile(r"[A-Za-z0-9+/=]{16,}")


def _spans(text: str, where: str, known: Iterable[str] | Mapping[str, str]) -> Iterator[Span]:
    kinds = known if isinstance(known, Mapping) else {}
    values = {k for k in known if k and len(k) >= MIN_KNOWN}
    if len(values) > 32:  # keep only the values whose start occurs in the text
        starts = {text[i:i + MIN_KNOWN] for i in range(len(text) - MIN_KNOWN + 1)}
        values = {v for v in values if v[:MIN_KNOWN] in starts}
    for value in values:
        start = text.find(value)
        while start >= 0:
            yield start, start + len(value), kinds.get(value, "known_value"), 0
            start = text.find(value, start + len(value))
    if "PRIVATE KEY" in text or "PuTTY-User-Key-File-" in text:
        for start, end in key_block_spans(text):
            yield start, end, "private_key", 0
    lower = text.lower()
    for start, end, kind in token_spans(text, lower):
        yield start, end, kind, 1
    for start, end, kind in plugin_spans(text, lower):
        yield start, end, kind, 2
    if "://" in text:
        for start, end in url_credential_spans(text):
            yield start, end, "url_credentials", 3
    for start, end, kind in header_spans(text, lower):
        yield start, end, kind, 3
    for start, end, kind in assignment_spans(text, lower, where):
        yield start, end, kind, 4


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end, kind, rank in sorted(spans, key=lambda s: (s[0], s[3], -s[1])):
        if merged and start < merged[-1][1]:
            s, e, k, r = merged[-1]
            merged[-1] = (s, max(e, end), k if r <= rank else kind, min(r, rank))
        else:
            merged.append((start, end, kind, rank))
    return merged


def _findings(text: str, spans: list[Span], where: str) -> list[Finding]:
    lines = [i for i, ch in enumerate(text) if ch == "\n"] if len(spans) > 8 else None
    found: list[Finding] = []
    for start, end, kind, _rank in spans:
        line = bisect.bisect_left(lines, start) + 1 if lines is not None else text.count("\n", 0, start) + 1
        found.append(Finding(kind, line, start, end, preview(text[start:end]), where))
    return found


def scan(text: str, where: str = "", known: Iterable[str] | Mapping[str, str] = ()) -> list[Finding]:
    """The secrets in ``text``, in order of position.

    ``where`` labels the findings (a file path, maybe with ``:lines``) and tells configuration files, whose
    unquoted values are literal, from code. ``known`` are exact values that are secrets wherever they appear
    (the ones a caller put in an environment, or :func:`secret_values` found in a file), of six characters
    or more; a mapping gives each one's kind (``known_value`` otherwise).
    """
    if not text:
        return []
    return _findings(text, _merge(_spans(text, where, known)), where)


def secret_values(text: str, where: str = "") -> dict[str, str]:
    """The secret values in ``text`` (value → kind), to find again wherever they are quoted or paraphrased:
    each finding's text, a URL credential's password alone, and each line of a private key's body."""
    values: dict[str, str] = {}
    for f in scan(text, where):
        value = text[f.start:f.end]
        values[value] = f.kind
        if f.kind == "url_credentials" and ":" in value:
            values.setdefault(value.split(":", 1)[1], f.kind)
        elif f.kind == "private_key":
            for line in _KEY_LINE.findall(value):
                values.setdefault(line, f.kind)
    return {v: k for v, k in values.items() if len(v) >= MIN_KNOWN}


def redact(text: str, where: str = "", known: Iterable[str] | Mapping[str, str] = (),
           mask: Callable[[Finding], str] | None = None) -> Redacted:
    """``text`` with every secret :func:`scan` finds replaced by ``mask(finding)`` (default ``<REDACTED:kind>``)."""
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
