"""What the tool adds beside its generators: the user's own pairs and the brain pass's pairs (read
leniently by :mod:`.userpairs`), the rule that keeps the user's pairs on the train side, the languages of
a set of pairs, and the outside packages the code imports (related sources for a small dataset)."""

from __future__ import annotations

import sys

from .language import detect_language
from .repo import Pair, Repo
from .text import stable_hash
from .userpairs import UserPairs, read_pairs_file


def extra_pairs(path: str | None, origin: str, categories: list[str] | None) -> UserPairs:
    """The pairs of a user's or the brain pass's file; a file that cannot be used at all is skipped, its
    reason kept in ``error`` (and reported in the stats)."""
    if not path:
        return UserPairs("")
    got = read_pairs_file(path, origin)
    if categories is not None:
        got.pairs = [p for p in got.pairs if p.category in categories]
    return got


def split_user(pairs: list[Pair], ratio: float, seed: int, have_held: bool) -> tuple[list[Pair], list[Pair]]:
    """The user's pairs all train; only when nothing else is held out does ``ratio`` of them (10 or more)
    go to the held-out side, chosen by a seeded hash."""
    if have_held or len(pairs) < 10:
        return pairs, []
    ranked = sorted(pairs, key=lambda p: stable_hash(seed, "user", p.instruction))
    n = max(1, round(ratio * len(pairs)))
    return ranked[n:], ranked[:n]


def external_imports(repo: Repo) -> list[str]:
    """The outside packages imported by the most library files (standard modules left out)."""
    counts: dict[str, int] = {}
    for path, names in repo.external.items():
        if repo.files[path].index.is_test:
            continue
        for name in names:
            if name not in sys.stdlib_module_names and not name.startswith(("_", ".")):
                counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda k: (-counts[k], k))[:8]


def pair_languages(pairs: list[Pair]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in pairs:
        lang = detect_language(p.instruction + " " + p.output)
        counts[lang] = counts.get(lang, 0) + 1
    return dict(sorted(counts.items()))
