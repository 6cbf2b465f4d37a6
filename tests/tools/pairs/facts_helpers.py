"""A small library with the facts people ask about — constants, a table, an enum, a dataclass with
defaults, parameter defaults, an argparse CLI, an environment variable, a comment, an exception hierarchy,
a README and reStructuredText docs — indexed for real, and a :class:`Repo` over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from goose_studio.tools.index_models import load_index
from goose_studio.tools.pairs.repo import Repo
from pairs_helpers import make_indexed_repo

BREWLOG = {
    "brewlog/__init__.py": '''
        """brewlog: a tiny log of coffee brews."""

        __version__ = "2.1.0"
    ''',
    "brewlog/errors.py": '''
        """Errors of brewlog."""


        class BrewError(Exception):
            """Base class of every brewlog error."""


        class RatioError(BrewError):
            """A coffee-to-water ratio is out of range."""


        class GrindError(BrewError):
            """A grind size is unknown."""


        class StaleBeansError(RatioError):
            """The beans are older than the freshness limit."""
    ''',
    "brewlog/models.py": '''
        """Brews and their grind sizes.

        A brew validates its ratio on creation, so an invalid brew is never stored.
        """

        import enum
        from dataclasses import dataclass, field

        from .errors import RatioError

        MAX_RATIO = 18  # grams of water per gram of coffee, at most
        FRESH_DAYS = 21
        GRIND_MICRONS = {"fine": 200, "medium": 600, "coarse": 1000}
        METHODS = ("espresso", "pourover", "french-press")


        class Grind(enum.Enum):
            """How finely the beans are ground."""

            FINE = "fine"
            MEDIUM = "medium"
            COARSE = "coarse"


        @dataclass
        class Brew:
            """One cup of coffee.

            Attributes:
                dose: Grams of coffee.
                water: Grams of water.
                grind: The grind size.
            """

            dose: float
            water: float = 250.0
            grind: Grind = Grind.MEDIUM
            notes: list = field(default_factory=list)

            def ratio(self) -> float:
                """Return the grams of water per gram of coffee."""
                return self.water / self.dose

            def check(self, limit: int = MAX_RATIO) -> None:
                """Check the brew's ratio.

                Raises:
                    RatioError: If the ratio is above the limit.
                """
                # a ratio above the limit makes a weak, sour cup
                if self.ratio() > limit:
                    raise RatioError(f"ratio {self.ratio():.1f} is above {limit}")


        def strength(brew: Brew, scale: float = 1.5) -> float:
            """Estimate how strong a brew tastes.

            Args:
                brew: The brew to rate.
                scale: Multiplier of the result; defaults to 1.5.

            Returns:
                A strength between 0 and 10.
            """
            return min(10.0, scale * 10 / brew.ratio())
    ''',
    "brewlog/store.py": '''
        """Keeping brews."""

        import os

        from .models import Brew

        LOG_ENV = "BREWLOG_FILE"


        class Store:
            """Where brews are kept."""

            def add(self, brew: Brew) -> None:
                """Keep a brew."""
                raise NotImplementedError


        class MemoryStore(Store):
            """A store in memory, handy in tests."""

            def __init__(self) -> None:
                self.brews = []

            def add(self, brew: Brew) -> None:
                self.brews.append(brew)


        class FileStore(MemoryStore):
            """A store in a JSON file."""

            def add(self, brew: Brew) -> None:
                super().add(brew)


        def log_path() -> str:
            """The log file: ``$BREWLOG_FILE`` or ``brews.json``."""
            return os.environ.get(LOG_ENV, "brews.json")
    ''',
    "brewlog/cli.py": '''
        """The brewlog command."""

        import argparse


        def build_parser() -> argparse.ArgumentParser:
            """Build the command's parser."""
            parser = argparse.ArgumentParser(prog="brewlog")
            sub = parser.add_subparsers(dest="command")
            add = sub.add_parser("add", help="record a brew")
            add.add_argument("--dose", type=float, default=18.0, help="grams of coffee")
            add.add_argument("--grind", choices=("fine", "medium", "coarse"), default="medium")
            show = sub.add_parser("show", help="list the recorded brews")
            show.add_argument("--all", action="store_true", help="include brews older than a week")
            return parser
    ''',
    "tests/test_models.py": '''
        from brewlog.models import Brew


        def test_ratio():
            assert Brew(dose=20, water=300).ratio() == 15
    ''',
    "README.md": '''
        # brewlog

        A tiny log of coffee brews for the terminal.

        ## Install

        ```console
        $ pip install brewlog
        ```

        ## Grind sizes

        | grind | meaning |
        |-------|---------|
        | fine | espresso, about 200 microns |
        | coarse | french press, about 1000 microns |

        Brews are stored in `brews.json`; set `BREWLOG_FILE` to use another file.
    ''',
    "docs/ratios.rst": '''
        Ratios
        ======

        A ratio is the grams of water per gram of coffee.

        Limits
        ------

        Use ``brewlog add --dose 20`` to brew a stronger cup.
    ''',
}


@pytest.fixture(scope="module")
def brewlog(tmp_path_factory) -> Path:
    return make_indexed_repo(tmp_path_factory.mktemp("facts") / "brewlog", BREWLOG)


def repo_of(root: Path, phrasings: int = 3) -> Repo:
    repo = Repo(load_index(root), root, "brewlog", 900, 25)
    repo.phrasings = phrasings
    return repo
