"""Shared fixtures and helpers for the generate_pairs tests: a small repository (Python, tests and TSX
components) built in a temp folder and indexed for real, a way to run the tool on it and read what it
wrote, and a synthetic set of pairs shaped like a real package's.

Test modules import what they use from here (``from pairs_helpers import ...``); pytest picks up the
imported fixtures.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from goose_studio.tools.code_index import build_index
from goose_studio.tools.index_models import INDEX_FILENAME
from goose_studio.tools.pairs import GeneratePairsArgs, GeneratePairsResult, generate_pairs
from goose_studio.tools.pairs.repo import Pair
from goose_studio.tools.registry import ToolContext
from goose_studio.workspace import Workspace


ACME = {
    "acme/__init__.py": '''
        """Acme: a tiny text toolkit with a tokenizer, a parser, plugins and configuration."""

        __version__ = "1.0"
    ''',
    "acme/errors.py": '''
        """Exceptions raised by the acme toolkit."""


        class AcmeError(Exception):
            """Base class of every acme error."""


        class ParseError(AcmeError):
            """Raised when text cannot be parsed into tokens."""

            def __init__(self, message: str, position: int = 0) -> None:
                super().__init__(message)
                self.position = position


        class ConfigError(AcmeError):
            """Raised when a configuration file is missing or malformed."""
    ''',
    "acme/parser.py": '''
        """Tokenizing and parsing of acme expressions."""

        import re

        from .errors import ParseError

        WORD_RE = re.compile(r"[A-Za-z_]+|[0-9]+|[()+*-]")


        class Token:
            """One lexical token with its kind and text."""

            def __init__(self, kind: str, text: str) -> None:
                self.kind = kind
                self.text = text

            def is_number(self) -> bool:
                """Tell whether the token is an integer literal."""
                return self.kind == "number"


        def tokenize(text: str, *, strict: bool = False) -> list[Token]:
            """Split text into tokens, skipping whitespace."""
            if not isinstance(text, str):
                raise TypeError(f"tokenize expects a string, got {type(text).__name__}")
            tokens = []
            for match in WORD_RE.finditer(text):
                word = match.group(0)
                kind = "number" if word.isdigit() else "word"
                tokens.append(Token(kind, word))
            if strict and not tokens:
                raise ParseError("no tokens found in the input text", position=0)
            return tokens


        class Parser:
            """Recursive-descent parser turning tokens into nested lists."""

            def __init__(self, max_depth: int = 32) -> None:
                self.max_depth = max_depth
                self.depth = 0

            def parse(self, text: str) -> list:
                """Parse text into a nested list of token texts."""
                if not text.strip():
                    raise ParseError("cannot parse an empty expression")
                tokens = tokenize(text, strict=True)
                return self._group(tokens)

            def _group(self, tokens: list[Token]) -> list:
                self.depth += 1
                if self.depth > self.max_depth:
                    raise ParseError(f"expression nested deeper than {self.max_depth} levels")
                else:
                    out = [t.text for t in tokens]
                self.depth -= 1
                return out
    ''',
    "acme/config.py": '''
        """Loading and merging of acme configuration files (JSON)."""

        import json
        from pathlib import Path

        from .errors import ConfigError

        DEFAULTS = {"strict": False, "max_depth": 32}


        def load_config(path: str, defaults: dict | None = None) -> dict:
            """Read a JSON configuration file and merge it over the defaults."""
            try:
                raw = Path(path).read_text()
            except FileNotFoundError:
                raise ConfigError(f"configuration file {path} does not exist")
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"configuration file {path} is not valid JSON: {exc}")
            return merge(defaults or DEFAULTS, data)


        def merge(base: dict, override: dict) -> dict:
            """Return a new dict with the keys of override replacing those of base."""
            if not isinstance(override, dict):
                raise ConfigError("the configuration must be a JSON object")
            result = dict(base)
            result.update(override)
            return result


        def save_config(path: str, data: dict) -> None:
            """Write the configuration as pretty-printed JSON."""
            Path(path).write_text(json.dumps(data, indent=2, sort_keys=True))
    ''',
    "acme/plugins.py": '''
        """Text transformation plugins and their registry."""

        PLUGINS = {}


        def register(name: str):
            """Register a plugin class under a name."""
            def wrap(cls):
                PLUGINS[name] = cls
                return cls
            return wrap


        class Plugin:
            """Base class of text plugins: subclasses implement apply()."""

            name = "base"

            def apply(self, text: str) -> str:
                """Transform the text."""
                raise NotImplementedError("plugins must implement apply()")


        @register("upper")
        class UpperPlugin(Plugin):
            """Upper-case the text."""

            def apply(self, text: str) -> str:
                return text.upper()


        @register("lower")
        class LowerPlugin(Plugin):
            """Lower-case the text."""

            def apply(self, text: str) -> str:
                return text.lower()


        def get_plugin(name: str) -> Plugin:
            """Instantiate the plugin registered under name."""
            if name not in PLUGINS:
                raise KeyError(f"unknown plugin {name!r}; known: {sorted(PLUGINS)}")
            return PLUGINS[name]()
    ''',
    "acme/report.py": '''
        """A plain-text report of a parsed expression."""

        from .parser import Parser


        def render_report(text: str, width: int = 40) -> str:
            """Render a framed report listing every token of the expression."""
            tree = Parser().parse(text)
            lines = []
            lines.append("+" + "-" * (width - 2) + "+")
            lines.append("| report".ljust(width - 1) + "|")
            lines.append("+" + "-" * (width - 2) + "+")
            for position, item in enumerate(tree):
                label = f"| {position:>3}: {item}"
                lines.append(label.ljust(width - 1) + "|")
            lines.append("+" + "-" * (width - 2) + "+")
            count = len(tree)
            lines.append(f"| tokens: {count}".ljust(width - 1) + "|")
            numbers = [item for item in tree if item.isdigit()]
            lines.append(f"| numbers: {len(numbers)}".ljust(width - 1) + "|")
            words = [item for item in tree if item.isalpha()]
            lines.append(f"| words: {len(words)}".ljust(width - 1) + "|")
            other = count - len(numbers) - len(words)
            lines.append(f"| other: {other}".ljust(width - 1) + "|")
            lines.append("+" + "-" * (width - 2) + "+")
            longest = max((len(item) for item in tree), default=0)
            lines.append(f"| longest: {longest}".ljust(width - 1) + "|")
            shortest = min((len(item) for item in tree), default=0)
            lines.append(f"| shortest: {shortest}".ljust(width - 1) + "|")
            lines.append("+" + "-" * (width - 2) + "+")
            total = sum(len(item) for item in tree)
            lines.append(f"| characters: {total}".ljust(width - 1) + "|")
            average = total / count if count else 0
            lines.append(f"| average: {average:.1f}".ljust(width - 1) + "|")
            lines.append("+" + "-" * (width - 2) + "+")
            return "\\n".join(lines)
    ''',
    "acme/cli.py": '''
        """Command-line entry point of acme."""

        import argparse
        import sys

        from .config import load_config
        from .parser import Parser
        from .plugins import get_plugin


        def build_arg_parser() -> argparse.ArgumentParser:
            """Create the argument parser for the acme command."""
            ap = argparse.ArgumentParser(prog="acme")
            ap.add_argument("expression")
            ap.add_argument("--config", default=None)
            ap.add_argument("--plugin", default=None)
            return ap


        def main(argv: list[str] | None = None) -> int:
            """Parse an expression from the command line and print it."""
            args = build_arg_parser().parse_args(argv)
            config = load_config(args.config) if args.config else {}
            text = args.expression
            if args.plugin:
                text = get_plugin(args.plugin).apply(text)
            tree = Parser(config.get("max_depth", 32)).parse(text)
            print(tree)
            return 0


        if __name__ == "__main__":
            sys.exit(main())
    ''',
    "tests/test_parser.py": '''
        """Tests of the tokenizer and the parser."""

        import pytest

        from acme.errors import ParseError
        from acme.parser import Parser, tokenize


        def test_tokenize_splits_words():
            """Words and numbers become separate tokens."""
            tokens = tokenize("add 1 2")
            assert [t.text for t in tokens] == ["add", "1", "2"]


        def test_tokenize_strict_rejects_empty():
            with pytest.raises(ParseError):
                tokenize("   ", strict=True)


        def test_parser_parse_returns_texts():
            """The parser returns the token texts."""
            assert Parser().parse("a b") == ["a", "b"]
    ''',
    "tests/test_config.py": '''
        """Tests of configuration loading."""

        import pytest

        from acme.config import load_config, merge
        from acme.errors import ConfigError


        def test_load_config_missing_file(tmp_path):
            """A missing file raises ConfigError."""
            with pytest.raises(ConfigError):
                load_config(str(tmp_path / "nope.json"))


        def test_merge_overrides_keys():
            assert merge({"a": 1}, {"a": 2}) == {"a": 2}
    ''',
    "web/Button.tsx": '''
        import { useState } from "react";
        import { Icon } from "./Icon";

        export interface ButtonProps {
          label: string;
          onClick: () => void;
        }

        /** A clickable button that counts its clicks. */
        export function Button({ label, onClick }: ButtonProps) {
          const [count, setCount] = useState<number>(0);
          if (!label) {
            throw new Error("Button needs a non-empty label");
          }
          return (
            <button onClick={() => { setCount(count + 1); onClick(); }}>
              <Icon name="click" /> {label} ({count})
            </button>
          );
        }
    ''',
    "web/Icon.tsx": '''
        /** Renders a named icon as a span. */
        export function Icon({ name }: { name: string }) {
          return <span className={`icon icon-${name}`} />;
        }
    ''',
    "web/format.ts": '''
        /** Display helpers for counters. */

        /** Shorten a count for display, e.g. 1500 -> "1.5k". */
        export function formatCount(n: number): string {
          if (n < 0) {
            throw new RangeError(`count must not be negative, got ${n}`);
          }
          return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
        }
    ''',
    "web/format.test.ts": '''
        import { formatCount } from "./format";

        it("shortens large counts", () => {
          expect(formatCount(1500)).toBe("1.5k");
        });

        it("rejects negative counts", () => {
          expect(() => formatCount(-1)).toThrow(RangeError);
        });
    ''',
}

OUTPUT_FILES = ("train.jsonl", "eval.jsonl", "dataset_info.json", "stats.json")


def write_files(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def make_indexed_repo(root: Path, files: dict[str, str]) -> Path:
    write_files(root, files)
    build_index(root)
    assert (root / INDEX_FILENAME).is_file()
    return root


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    return make_indexed_repo(tmp_path / "acme-src", ACME)


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(workspace=Workspace(tmp_path / "ws"))


def run(repo: Path, out: Path, ctx: ToolContext, **kw) -> GeneratePairsResult:
    kw.setdefault("repo_name", "acme")
    return generate_pairs(GeneratePairsArgs(repo_path=str(repo), out_dir=str(out), **kw), ctx)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def code_blocks(text: str) -> list[list[str]]:
    return [block.split("\n") for block in re.findall(r"```[a-z]*\n(.*?)\n```", text, flags=re.S)]


def find(records: list[dict], category: str, *needles: str) -> dict:
    """The first pair of ``category`` whose instruction or answer contains every needle."""
    hits = [r for r in records
            if r["category"] == category and all(n in r["instruction"] + "\n" + r["output"] for n in needles)]
    assert hits, f"no {category} pair mentions {needles}"
    return hits[0]


# ---------------------------------------------------------------------------------------------------------


# a package and its tests, shaped like a real one: test files hold nearly all "testing" pairs
PACKAGE_LAYOUT = {
    "src/pkg/cli.py": {"explain": 14, "generate": 26, "debug": 22, "architecture": 16, "testing": 10},
    "src/pkg/errors.py": {"explain": 11, "generate": 13, "architecture": 12},
    "src/pkg/export.py": {"explain": 8, "generate": 14, "debug": 9, "architecture": 10, "testing": 6},
    "src/pkg/models.py": {"explain": 18, "generate": 29, "debug": 35, "architecture": 20, "testing": 8},
    "src/pkg/query.py": {"explain": 10, "generate": 15, "debug": 19, "architecture": 12, "testing": 3},
    "src/pkg/storage.py": {"explain": 27, "generate": 41, "debug": 35, "architecture": 30, "testing": 5},
    "src/pkg/__init__.py": {"architecture": 2},
    "tests/conftest.py": {"architecture": 2},
    "tests/test_cli.py": {"architecture": 2, "testing": 13},
    "tests/test_models.py": {"architecture": 2, "testing": 24},
    "tests/test_query.py": {"architecture": 2, "testing": 14},
    "tests/test_storage.py": {"architecture": 2, "testing": 24},
    "": {"architecture": 13, "testing": 3},  # pairs about a directory or several files
}


def package_pairs() -> list:
    out = []
    for path, counts in PACKAGE_LAYOUT.items():
        for category, n in counts.items():
            for i in range(n):
                source = f"{path}:{i + 1}-{i + 2}" if path else f"src/pkg/ and tests/ #{i}"
                out.append(Pair(category, f"{category} question {i} on {path or 'the package'}",
                                f"{category} answer {i} on {path or 'the package'}", source, path))
    return out
