"""The pair categories, the generator of each, and their weights, in the order they are generated,
counted and capped.

A generator takes the repository and the set of requested categories (a category may leave some symbols
to another one that is also requested, as ``generate`` does for UI components) and yields pairs. A new
category is one module with such a ``pairs`` function and one entry in :data:`GENERATORS`.

The first six categories teach the code (where things are, signatures, implementations, tests); the
last four teach facts in people's words (defaults and constants, behaviour, relations between classes,
the documentation). :data:`WEIGHTS` is each category's share of the pairs kept under the cap: a weight
of 3 takes three pairs per round of the round-robin where a weight of 1 takes one.
"""

from __future__ import annotations

from typing import Callable, Iterable, Literal

from . import architecture, behaviour, debug, defaults, docs, explain, exploration, generate, relations, testing, uiux
from .repo import Pair, Repo

PairGenerator = Callable[[Repo, set[str]], Iterable[Pair]]

GENERATORS: dict[str, PairGenerator] = {
    "explain": explain.pairs,
    "generate": generate.pairs,
    "debug": debug.pairs,
    "architecture": architecture.pairs,
    "testing": testing.pairs,
    "uiux": exploration.with_pages(uiux.pairs),  # components in the code, then the running app's pages
    "defaults": defaults.pairs,
    "behaviour": behaviour.pairs,
    "relations": relations.pairs,
    "docs": docs.pairs,
}

CATEGORIES: tuple[str, ...] = tuple(GENERATORS)
CategoryName = Literal[CATEGORIES]  # type: ignore[valid-type]  # the same names, as the arguments' choices

#: The categories that teach facts in people's words (the rest teach the code's shape).
KNOWLEDGE_CATEGORIES: tuple[str, ...] = ("defaults", "behaviour", "relations", "docs")

#: Pairs per round of the capped round-robin, per category.
WEIGHTS: dict[str, int] = {
    "explain": 1, "generate": 1, "debug": 1, "architecture": 1, "testing": 1, "uiux": 1,
    "defaults": 3, "behaviour": 3, "relations": 1, "docs": 3,
}
