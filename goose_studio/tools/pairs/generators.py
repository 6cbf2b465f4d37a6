"""The pair categories and the generator of each, in the order they are generated, counted and capped.

A generator takes the repository and the set of requested categories (a category may leave some symbols
to another one that is also requested, as ``generate`` does for UI components) and yields pairs. A new
category is one module with such a ``pairs`` function and one entry in :data:`GENERATORS`.
"""

from __future__ import annotations

from typing import Callable, Iterable, Literal

from . import architecture, debug, explain, exploration, generate, testing, uiux
from .repo import Pair, Repo

PairGenerator = Callable[[Repo, set[str]], Iterable[Pair]]

GENERATORS: dict[str, PairGenerator] = {
    "explain": explain.pairs,
    "generate": generate.pairs,
    "debug": debug.pairs,
    "architecture": architecture.pairs,
    "testing": testing.pairs,
    "uiux": exploration.with_pages(uiux.pairs),  # components in the code, then the running app's pages
}

CATEGORIES: tuple[str, ...] = tuple(GENERATORS)
CategoryName = Literal[CATEGORIES]  # type: ignore[valid-type]  # the same names, as the arguments' choices
