"""Which natural language a text is written in, well enough to tell a dataset's languages apart.

Scripts first (CJK, Cyrillic, Arabic, Greek, Hebrew, Devanagari, Hangul, Thai), then, for Latin script,
the language whose most common short words occur most often (English, German, French, Spanish,
Italian, Portuguese, Dutch). Code spans and identifiers are left out before counting. A text with too
few words to tell is ``"und"`` (undetermined), which never counts as a language of its own.
"""

from __future__ import annotations

import re

_SCRIPTS = (
    ("zh", re.compile(r"[\u4e00-\u9fff]")), ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")), ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")), ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")), ("hi", re.compile(r"[\u0900-\u097f]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
)
_STOPWORDS = {
    "en": "the and is are of to in that it for with as on this be by not or you your can from which when how what",
    "de": "der die das und ist nicht ein eine mit von zu den für auf sich im dem des wird wie was wenn oder kann",
    "fr": "le la les et est des une un du pour que qui dans pas sur avec ce il elle ne se sont au aux comment",
    "es": "el la los las y es de que en un una por con para no se del al lo como más pero está son cuando",
    "it": "il la le e è di che un una per con non si del della sono come anche gli nel questo quando",
    "pt": "o a os as e é de que em um uma para com não se do da dos das por como mais são quando",
    "nl": "de het een en is van dat niet op te in met voor zijn er maar ook als wordt kan wat hoe",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)
_WORD = re.compile(r"[^\W\d_]+", re.U)


def detect_language(text: str) -> str:
    """An ISO 639-1 code for the text's language, or ``"und"`` when it cannot be told."""
    prose = _CODE.sub(" ", text)
    letters = sum(1 for ch in prose if ch.isalpha())
    for lang, pattern in _SCRIPTS:
        if letters and len(pattern.findall(prose)) >= max(2, letters // 5):
            return lang
    words = [w.lower() for w in _WORD.findall(prose)]
    if len(words) < 3:
        return "und"
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _WORDS.items()}
    best = max(sorted(scores), key=lambda lang: scores[lang])
    if scores[best] == 0 or list(scores.values()).count(scores[best]) > 1 and scores[best] < 2:
        return "und"
    return best


def languages(texts: list[str], min_share: float = 0.1) -> dict[str, int]:
    """The languages of ``texts`` that hold at least ``min_share`` of them, with their counts."""
    counts: dict[str, int] = {}
    for t in texts:
        lang = detect_language(t)
        if lang != "und":
            counts[lang] = counts.get(lang, 0) + 1
    total = sum(counts.values())
    return {k: v for k, v in sorted(counts.items()) if total and v / total >= min_share}
