"""Fast searching helpers shared by the rules: where a word starts, and matches anchored on a needle."""

from __future__ import annotations

import re
from typing import Iterator


def is_word_char(ch: str) -> bool:
    """Whether ``ch`` is a letter, a digit or ``_`` (what ``\\b`` treats as part of a word)."""
    return ch.isalnum() or ch == "_"


def anchored(pattern: re.Pattern[str], text: str, hay: str, needle: str) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` that start where ``needle`` occurs in ``hay`` (``text`` or its lower case)
    after a character that is not a letter, digit or ``_``.

    Looking for the needle with a substring search and matching only there is much faster than searching
    with a case-insensitive or boundary-led pattern. When lower-casing changed the text's length (a few
    non-ASCII letters do), every match of the pattern is taken instead.
    """
    if len(hay) != len(text):
        yield from pattern.finditer(text)
        return
    i = hay.find(needle)
    while i >= 0:
        if not i or not is_word_char(text[i - 1]):
            m = pattern.match(text, i)
            if m:
                yield m
        i = hay.find(needle, i + 1)
