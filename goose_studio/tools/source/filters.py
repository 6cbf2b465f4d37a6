"""Filters for pairs from datasets: length, language, exact duplicates, and a balance of categories.

:func:`detect_language` is a small deterministic detector: the Unicode script decides for non-Latin text
(Chinese, Japanese, Korean, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai); Latin text is told apart by
its most common short words (English, German, French, Spanish, Italian, Portuguese, Dutch). Text that is too
short or has no telling words is ``None`` (unknown), and a language filter keeps unknown text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from typing import Iterable

from .records import Pair

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and is are of to in that it for with as was on be this by not you what how which".split()),
    "de": frozenset("der die das und ist nicht ein eine zu mit den von sich des auf für im dem wie was".split()),
    "fr": frozenset("le la les et est un une des du pour que qui dans pas sur au avec ce sont comment".split()),
    "es": frozenset("el la los las y es un una de que en por para con no se del al como qué son está pero muy "
                    "también esto su".split()),
    "it": frozenset("il lo la gli le e è un una di che per non con del della sono come cosa nel".split()),
    "pt": frozenset("o a os as e é um uma de que em para com não do da dos das como são na ao mais pelo pela "
                    "também você isso muito".split()),
    "nl": frozenset("de het een en is van dat niet te op voor met zijn er die hoe wat".split()),
}
SCRIPTS = (("CJK", "zh"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"), ("CYRILLIC", "ru"),
           ("GREEK", "el"), ("ARABIC", "ar"), ("HEBREW", "he"), ("DEVANAGARI", "hi"), ("THAI", "th"))
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_LETTER_RE = re.compile(r"[^\W\d_]")
_NON_LATIN_RE = re.compile(r"[^\W\d_\u0000-\u024f]")  # letters beyond the Latin blocks
SAMPLE_CHARS = 800  # the start of a text tells its language
MIXED_SHARE = 0.2  # a second language with at least this share of pairs makes a dataset "mixed"
MIXED_MIN = 20


def detect_language(text: str) -> str | None:
    """An ISO 639-1 code for ``text``, or None when it cannot tell (see the module doc)."""
    sample = text[:SAMPLE_CHARS]
    letters = len(_LETTER_RE.findall(sample))
    if letters < 8:
        return None
    others = _NON_LATIN_RE.findall(sample)
    if len(others) >= 0.3 * letters:
        scripts: Counter[str] = Counter()
        for c in others:
            name = unicodedata.name(c, "")
            for key, lang in SCRIPTS:
                if key in name:
                    scripts[lang] += 1
                    break
        if scripts:
            top, n = scripts.most_common(1)[0]
            if top == "zh" and scripts["ja"] > 0.1 * n:
                return "ja"
            return top
        return None
    words = Counter(w for w in _WORD_RE.findall(sample.lower()) if len(w) > 1)  # "a", "y", "e": too ambiguous
    if sum(words.values()) < 3:
        return None
    hits = {lang: sum(n for w, n in words.items() if w in stop) for lang, stop in STOPWORDS.items()}
    best = max(hits, key=lambda k: hits[k])
    ranked = sorted(hits.values(), reverse=True)
    if ranked[0] < 2 or ranked[0] == ranked[1]:  # one telling word is not enough
        return None
    return best


def pair_language(pair: Pair) -> str | None:
    return detect_language(f"{pair.instruction}\n{pair.output}")


def languages_of(pairs: Iterable[Pair]) -> Counter[str]:
    return Counter(pair_language(p) or "unknown" for p in pairs)


def mixed(languages: Counter[str]) -> tuple[str, str] | None:
    """(main, second) language when a second language holds a large share of the known ones."""
    known = Counter({k: v for k, v in languages.items() if k != "unknown"})
    if len(known) < 2:
        return None
    (main, _), (second, n2) = known.most_common(2)
    if n2 >= MIXED_MIN and n2 >= MIXED_SHARE * sum(known.values()):
        return main, second
    return None


def dedupe(pairs: list[Pair]) -> tuple[list[Pair], int]:
    """Pairs without exact repeats (same instruction, input and output), in order; and how many went."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for p in pairs:
        k = p.key()
        if k not in seen:
            seen.add(k)
            kept.append(p)
    return kept, len(pairs) - len(kept)


def by_length(pairs: list[Pair], min_chars: int, max_chars: int) -> tuple[list[Pair], int]:
    """Pairs whose instruction and output each have at least ``min_chars`` and together at most ``max_chars``."""
    kept = [p for p in pairs if len(p.instruction) >= min_chars and len(p.output) >= min_chars
            and len(p.instruction) + len(p.input) + len(p.output) <= max_chars]
    return kept, len(pairs) - len(kept)


def by_language(pairs: list[Pair], language: str | None) -> tuple[list[Pair], int]:
    """Pairs in ``language`` (an ISO code; unknown ones are kept); ``None`` or ``all`` keeps every pair."""
    if not language or language.lower() == "all":
        return pairs, 0
    want = language.lower()
    kept = [p for p in pairs if (pair_language(p) or want) == want]
    return kept, len(pairs) - len(kept)


def balance(pairs: list[Pair], limit: int) -> tuple[list[Pair], dict[str, int]]:
    """At most ``limit`` pairs, the categories taking turns so that none crowds out the others.

    Pairs without a category count as one category. Returns the pairs (in their first order within a
    category) and how many of each category were kept.
    """
    groups: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        groups[p.category].append(p)
    if len(pairs) <= limit:
        return pairs, {k: len(v) for k, v in groups.items()}
    taken: dict[str, int] = {k: 0 for k in groups}
    out: list[Pair] = []
    while len(out) < limit:
        moved = False
        for cat, items in groups.items():
            if taken[cat] < len(items) and len(out) < limit:
                out.append(items[taken[cat]])
                taken[cat] += 1
                moved = True
        if not moved:
            break
    return out, {k: v for k, v in taken.items() if v}
