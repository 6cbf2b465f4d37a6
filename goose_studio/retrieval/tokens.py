"""Search terms of code and prose: identifiers split into their words (``reserveStock``, ``reserve_stock``
→ ``reserve``, ``stock``) next to the whole identifier, lower-cased, common English words dropped and a
light plural / verb-form folding, so that a question in people's words meets the code's names."""

from __future__ import annotations

import re

TOKENIZER_VERSION = 1

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

STOPWORDS = frozenset("""
a an and are as at be been being but by can could did do does doing for from had has have how i if in into
is it its itself me my of on or our so than that the their them then there these they this those to was we
were what when where which while who whom why will with would you your yours should shall may might must
not no nor only own same too very just also any each few more most other some such about above after again
against all am before below between both during further here once out over under until up down off via per
use used uses using get gets value values return returns
""".split())


def fold(word: str) -> str:
    """A light stem: plurals and common verb endings folded (``reserves``, ``reserved`` → ``reserv``)."""
    if len(word) <= 4:
        return word
    for suffix in ("ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            return stem + "y" if suffix == "ies" else stem
    return word


def terms(text: str) -> list[str]:
    """The search terms of ``text``, in order (duplicates kept: BM25 counts them)."""
    out: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        parts = [p for piece in word.split("_") for p in _CAMEL.findall(piece)]
        whole = word.lower().strip("_")
        if len(parts) > 1 and whole and whole not in STOPWORDS:
            out.append(whole)
        for part in parts:
            low = part.lower()
            if len(low) > 1 and low not in STOPWORDS:
                out.append(fold(low))
    return out
