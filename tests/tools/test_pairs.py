"""generate_pairs on small repositories built in a temp folder and indexed for real (no model, no network)."""

from __future__ import annotations

import errno
import json
import math
import re
import textwrap
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import EventBus, read_events
from goose_studio.tools import pairs as pairs_mod
from goose_studio.tools.code_index import build_index
from goose_studio.tools.index_models import INDEX_FILENAME, CodeIndex
from goose_studio.tools.pairs import CATEGORIES, GeneratePairsArgs, GeneratePairsResult, generate_pairs
from goose_studio.tools.registry import REGISTRY, ToolContext, validate_args
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


def test_tool_is_registered_for_the_prepare_tab() -> None:
    spec = REGISTRY["generate_pairs"]
    assert spec.tab == "prepare"
    assert spec.args_model is GeneratePairsArgs
    assert spec.result_model is GeneratePairsResult


def test_pairs_cover_the_categories_and_are_grounded_in_the_repo(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    assert len(records) == result.train_pairs + result.eval_pairs
    assert result.train_pairs + result.eval_pairs >= 40

    present = {r["category"] for r in records}
    assert set(present) == set(CATEGORIES)  # the fixture has Python, tests and TSX components
    assert result.stats.per_category == {c: sum(r["category"] == c for r in records) for c in CATEGORIES}

    index = CodeIndex.model_validate_json((acme / INDEX_FILENAME).read_text())
    paths = {f.path for f in index.files}
    dirs = {f"`{f.path.rsplit('/', 1)[0]}/`" for f in index.files if "/" in f.path}
    names = {s.name for f in index.files for s in f.symbols} | {s.qualname for f in index.files for s in f.symbols}
    lines_of = {f.path: f.lines for f in index.files}
    for r in records:
        assert set(r) >= {"instruction", "input", "output", "category", "source"}
        assert r["input"] == ""
        assert r["instruction"].strip() and r["output"].strip()
        # every answer names a real file, folder or symbol of the repository
        assert (any(p in r["output"] for p in paths) or any(f"`{n}`" in r["output"] for n in names)
                or any(d in r["output"] for d in dirs)), r
        # a single-file source is a real span of a real file
        m = re.fullmatch(r"(.+):(\d+)-(\d+)", r["source"])
        if m:
            assert m.group(1) in paths
            assert 1 <= int(m.group(2)) <= int(m.group(3)) <= lines_of[m.group(1)]
            assert r["group"] == m.group(1)
        # answers stay short enough for a small context
        assert len(r["output"]) <= 900
        for block in code_blocks(r["output"]):
            assert len(block) <= 25 + 1  # 25 lines plus the "... (N more lines)" marker

    # implementation answers quote the file itself, line for line
    impls = [r for r in records if "Its implementation:" in r["output"]]
    assert impls
    for r in impls:
        source_lines = {line.strip() for line in (acme / r["group"]).read_text().splitlines()}
        for line in code_blocks(r["output"])[0]:
            assert line.strip() in source_lines or re.search(r"\.\.\. \(\d+ more lines?\)", line), (r, line)


def test_answers_state_what_the_code_says(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))

    explain = find(records, "explain", "`tokenize` is a function in `acme/parser.py` (lines 22-33).")
    assert "Split text into tokens, skipping whitespace." in explain["output"]
    assert "def tokenize(text: str, *, strict: bool = False) -> list[Token]:" in explain["output"]
    assert "`tokenize`" in explain["instruction"] and explain["source"] == "acme/parser.py:22-33"

    raised = find(records, "debug", "`tokenize` (acme/parser.py) raises `TypeError`")
    assert "at line 25 when `not isinstance(text, str)` holds" in raised["output"]
    message = find(records, "debug", "cannot parse an empty expression", "That message is raised")
    assert "`Parser.parse`" in message["output"] and "`ParseError`" in message["output"]
    assert "`not text.strip()`" in message["output"]
    nested = find(records, "debug", "`Parser._group` (acme/parser.py) raises `ParseError`")
    assert "`self.depth > self.max_depth`" in nested["output"]
    handler = find(records, "debug", "catches `FileNotFoundError`")
    assert "`load_config`" in handler["output"] and "except FileNotFoundError:" in handler["output"]
    arguments = find(records, "debug", "`strict` (`bool`, keyword-only) optional, default `False`")
    assert "`text` (`str`) required" in arguments["output"] and "`tokenize`" in arguments["instruction"]
    thrown = find(records, "debug", "`Button` (web/Button.tsx) throws `Error`")
    assert "`!label`" in thrown["output"]

    long_impl = find(records, "generate", "`render_report`", "Its implementation:")
    block = code_blocks(long_impl["output"])[0]
    assert block[0] == "def render_report(text: str, width: int = 40) -> str:"
    marker = re.fullmatch(r"    # \.\.\. \((\d+) more lines\)", block[-1])
    assert marker, block[-1]
    start, end = map(int, long_impl["source"].split(":")[1].split("-"))
    assert len(block) - 1 + int(marker.group(1)) == end - start + 1  # shown + left out = the whole function
    assert len(block) - 1 <= 25 and len(long_impl["output"]) <= 900

    pattern = find(records, "generate", "subclass of `Plugin`")
    assert "`UpperPlugin` and `LowerPlugin` in `acme/plugins.py`" in pattern["output"]
    assert "They all define `apply`." in pattern["output"]
    assert pattern["group"] == "acme/plugins.py"

    module = find(records, "architecture", "`acme/parser.py` is a python module")
    assert "Tokenizing and parsing of acme expressions." in module["output"]
    assert "the classes `Token` and `Parser`" in module["output"]
    importers = find(records, "architecture", "`acme/errors.py` is imported by")
    for user in ("acme/config.py", "acme/parser.py", "tests/test_config.py", "tests/test_parser.py"):
        assert f"`{user}`" in importers["output"]
    assert importers["group"] == ""

    tested = find(records, "testing", "`tokenize` (acme/parser.py) is tested by")
    assert "`test_tokenize_splits_words`" in tested["output"] and "`tests/test_parser.py`" in tested["output"]
    assert tested["group"] == "tests/test_parser.py"
    skeleton = find(records, "testing", "with pytest.raises(ParseError):", "Parser().parse(text=...)")
    code = code_blocks(skeleton["output"])[0]
    assert code[:3] == ["import pytest", "", "from acme.parser import Parser"]
    assert "from acme.errors import ParseError" in code

    js_tested = find(records, "testing", "`formatCount` (web/format.ts) is tested by")
    assert "`shortens large counts` and `rejects negative counts` in `web/format.test.ts`" in js_tested["output"]
    js_message = find(records, "debug", "count must not be negative, got ...", "That message is thrown")
    assert "`RangeError`" in js_message["output"] and "`n < 0`" in js_message["output"]

    component = find(records, "uiux", "`Button` is a UI component")
    assert "`label` and `onClick`" in component["output"]
    assert "`useState`" in component["output"] and "renders `Icon`" in component["output"]


def test_split_is_by_file_without_leakage(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx, held_out_ratio=0.2)
    train = read_jsonl(Path(result.train_file))
    held = read_jsonl(Path(result.eval_file))
    assert result.stats.split_by == "file"
    assert held and train
    assert (result.train_pairs, result.eval_pairs) == (len(train), len(held))

    train_groups = {r["group"] for r in train}
    eval_groups = {r["group"] for r in held}
    assert "" not in eval_groups  # pairs about several files or a directory stay on the train side
    assert not (train_groups & eval_groups)
    train_files = {r["source"].split(":")[0] for r in train if r["group"]}
    eval_files = {r["source"].split(":")[0] for r in held}
    assert not (train_files & eval_files)
    assert result.stats.eval_files == len(eval_groups) >= 1

    norm = lambda s: " ".join(s.split()).lower()  # noqa: E731
    assert not {norm(r["instruction"]) for r in train} & {norm(r["instruction"]) for r in held}
    assert not {norm(r["output"]) for r in train} & {norm(r["output"]) for r in held}
    everything = train + held
    assert len({norm(r["instruction"]) for r in everything}) == len(everything)

    share = len(held) / len(everything)
    assert 0.1 <= share <= 0.3, share


def test_seed_moves_the_held_out_files(acme: Path, tmp_path: Path, ctx) -> None:
    held_sets = set()
    for seed in range(5):
        result = run(acme, tmp_path / f"out{seed}", ctx, seed=seed)
        held_sets.add(frozenset(r["group"] for r in read_jsonl(Path(result.eval_file))))
    assert len(held_sets) >= 2


def test_output_is_byte_identical_across_runs_and_folders(acme: Path, tmp_path: Path, ctx) -> None:
    first = run(acme, tmp_path / "one", ctx)
    second = run(acme, tmp_path / "elsewhere" / "two", ctx)
    assert first.stats == second.stats
    for name in OUTPUT_FILES:
        a = (tmp_path / "one" / name).read_bytes()
        b = (tmp_path / "elsewhere" / "two" / name).read_bytes()
        assert a == b, name
        assert str(tmp_path).encode() not in a  # repo-relative paths only
    reseeded = run(acme, tmp_path / "three", ctx, seed=7)
    assert (tmp_path / "three" / "train.jsonl").read_bytes() != (tmp_path / "one" / "train.jsonl").read_bytes()
    assert reseeded.train_pairs + reseeded.eval_pairs == first.train_pairs + first.eval_pairs


def test_dataset_info_registers_both_files_for_llamafactory(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx, repo_name="Acme Tools")
    assert (result.dataset_name_train, result.dataset_name_eval) == ("acme_tools_train", "acme_tools_eval")
    info = json.loads(Path(result.dataset_info_path).read_text())
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    assert info == {
        "acme_tools_train": {"file_name": "train.jsonl", "formatting": "alpaca", "columns": columns},
        "acme_tools_eval": {"file_name": "eval.jsonl", "formatting": "alpaca", "columns": columns},
    }
    stats = json.loads(Path(result.stats_path).read_text())
    assert stats["train_pairs"] == result.train_pairs and stats["eval_pairs"] == result.eval_pairs
    assert stats["per_category"] == result.stats.per_category
    assert Path(result.dataset_dir) == (tmp_path / "out").resolve()


def test_llamafactory_loads_and_aligns_both_datasets(acme: Path, tmp_path: Path, ctx) -> None:
    from llamafactory.data.loader import _load_single_dataset
    from llamafactory.data.parser import get_dataset_list
    from llamafactory.hparams import DataArguments

    result = run(acme, tmp_path / "out", ctx)
    data_args = DataArguments(
        dataset_dir=result.dataset_dir, dataset=result.dataset_name_train, eval_dataset=result.dataset_name_eval
    )
    attrs = get_dataset_list([result.dataset_name_train, result.dataset_name_eval], data_args.dataset_dir)
    assert [(a.load_from, a.dataset_name, a.formatting) for a in attrs] == [
        ("file", "train.jsonl", "alpaca"), ("file", "eval.jsonl", "alpaca")]
    assert (attrs[0].prompt, attrs[0].query, attrs[0].response) == ("instruction", "input", "output")

    model_args = SimpleNamespace(cache_dir=str(tmp_path / "hf-cache"), hf_hub_token=None)
    training_args = SimpleNamespace(local_process_index=0, dataloader_num_workers=0, seed=0)
    for attr, path, expected in zip(attrs, (result.train_file, result.eval_file),
                                    (result.train_pairs, result.eval_pairs)):
        dataset = _load_single_dataset(attr, model_args, data_args, training_args)
        assert len(dataset) == expected
        first = read_jsonl(Path(path))[0]
        row = dataset[0]
        assert row["_prompt"] == [{"role": "user", "content": first["instruction"]}]
        assert row["_response"] == [{"role": "assistant", "content": first["output"]}]


def test_cap_keeps_categories_balanced(acme: Path, tmp_path: Path, ctx) -> None:
    full = run(acme, tmp_path / "full", ctx).stats.per_category
    capped = run(acme, tmp_path / "capped", ctx, max_pairs=30, min_pairs=10)
    counts = capped.stats.per_category
    assert sum(counts.values()) == capped.train_pairs + capped.eval_pairs == 30
    assert capped.stats.capped_removed == sum(full.values()) - 30
    exhausted = {c for c in CATEGORIES if counts[c] == full[c]}
    open_counts = [counts[c] for c in CATEGORIES if c not in exhausted]
    assert open_counts and max(open_counts) - min(open_counts) <= 1
    assert all(counts[c] <= min(open_counts) for c in exhausted)


@pytest.mark.parametrize("ratio", [0.1, 0.2])
def test_held_out_side_is_stratified_by_category(acme: Path, tmp_path: Path, ctx, ratio: float) -> None:
    # acme has test files (nearly all "testing" pairs) next to source files: whichever files a seed puts
    # first, every category with enough pairs is represented on the held-out side
    for seed in range(6):
        result = run(acme, tmp_path / f"out{seed}", ctx, seed=seed, held_out_ratio=ratio)
        train = read_jsonl(Path(result.train_file))
        held = read_jsonl(Path(result.eval_file))
        total = Counter(r["category"] for r in train + held)
        held_counts = Counter(r["category"] for r in held)
        assert result.stats.per_category_eval == {c: held_counts[c] for c in CATEGORIES}
        assert result.stats.per_category_train == {c: total[c] - held_counts[c] for c in CATEGORIES}
        assert {c for c, n in total.items() if n >= 10} >= {"explain", "generate", "debug", "testing"}
        for category, n in total.items():
            if n >= 10:
                assert held_counts[category] >= 1, (seed, category, dict(held_counts))
        share = len(held) / len(train + held)
        assert 0.5 * ratio <= share <= 1.5 * ratio, (seed, share)
        assert not {r["group"] for r in train} & {r["group"] for r in held}


def test_cap_is_applied_per_side_after_the_split(acme: Path, tmp_path: Path, ctx) -> None:
    full = run(acme, tmp_path / "full", ctx, held_out_ratio=0.2)
    capped = run(acme, tmp_path / "capped", ctx, held_out_ratio=0.2, max_pairs=60, min_pairs=10)
    assert capped.train_pairs + capped.eval_pairs == 60
    assert capped.eval_pairs == 12  # held_out_ratio of max_pairs, not whatever the cap happened to leave
    full_held = {r["group"] for r in read_jsonl(Path(full.eval_file))}
    capped_held = {r["group"] for r in read_jsonl(Path(capped.eval_file))}
    capped_train = {r["group"] for r in read_jsonl(Path(capped.train_file))}
    assert capped_held <= full_held  # the files are chosen before the cap, so the cap moves no pair across
    assert not capped_train & full_held
    counts, held_counts = capped.stats.per_category, capped.stats.per_category_eval
    for category, n in counts.items():
        if n >= 10:
            assert held_counts[category] >= 1, (category, held_counts)
        assert capped.stats.per_category_train[category] + held_counts[category] == n


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
                out.append(pairs_mod._Pair(category, f"{category} question {i} on {path or 'the package'}",
                                           f"{category} answer {i} on {path or 'the package'}", source, path))
    return out


def test_split_is_stratified_whatever_the_seed_and_input_order() -> None:
    pairs = package_pairs()
    total = Counter(p.category for p in pairs)
    for seed in range(12):
        train, held, split_by = pairs_mod._split(pairs, 0.1, seed)
        assert split_by == "file"
        held_groups = {p.group for p in held}
        assert "" not in held_groups and not held_groups & {p.group for p in train}
        assert len({p.group for p in train if p.group}) >= 1
        held_counts = Counter(p.category for p in held)
        for category, n in total.items():
            assert held_counts[category] >= 1, (seed, category, dict(held_counts))
            assert held_counts[category] <= 0.3 * n, (seed, category, dict(held_counts))
        assert 0.05 <= len(held) / len(pairs) <= 0.15, (seed, len(held))

        shuffled = sorted(pairs, key=lambda p: pairs_mod._hash("shuffle", seed, p.instruction))
        _, held_again, _ = pairs_mod._split(shuffled, 0.1, seed)
        assert {p.group for p in held_again} == held_groups

        # capping afterwards keeps the held-out share and every category on both sides
        train_capped, held_capped = pairs_mod._cap(train, held, 240, 0.1, seed)
        assert len(train_capped) + len(held_capped) == 240 and len(held_capped) == 24
        assert {p.group for p in held_capped} <= held_groups and not {p.group for p in train_capped} & held_groups
        assert {p.category for p in held_capped} == {p.category for p in train_capped} == set(total)


def test_categories_can_be_chosen(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx, categories=["debug", "explain"], min_pairs=5)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    assert {r["category"] for r in records} == {"debug", "explain"}
    assert set(result.stats.per_category) == {"explain", "debug"}
    full = run(acme, tmp_path / "all", ctx)
    assert result.stats.quality_score < full.stats.quality_score


def test_token_estimate_and_training_time_follow_the_documented_formula(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx, epochs=2, seconds_per_1k_tokens=30)
    train = read_jsonl(Path(result.train_file))
    everything = train + read_jsonl(Path(result.eval_file))
    tokens = lambda r: math.ceil(len(r["instruction"]) / 4) + math.ceil(len(r["output"]) / 4)  # noqa: E731
    assert result.stats.token_counter == "chars/4"
    assert result.stats.avg_tokens == round(sum(map(tokens, everything)) / len(everything), 1)
    assert result.stats.max_tokens == max(map(tokens, everything))
    train_tokens = sum(tokens(r) + pairs_mod.TEMPLATE_OVERHEAD_TOKENS for r in train)
    assert result.stats.train_tokens == train_tokens
    assert result.stats.est_train_minutes == round(train_tokens * 2 * 30 / 1000 / 60, 1)
    assert 0 <= result.stats.quality_score <= 100


def test_a_local_tokenizer_gives_exact_counts(acme: Path, tmp_path: Path, ctx) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel({"[UNK]": 0, "the": 1}, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tok_dir = tmp_path / "tok"
    PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]").save_pretrained(str(tok_dir))

    result = run(acme, tmp_path / "out", ctx, tokenizer_path=str(tok_dir))
    tok = AutoTokenizer.from_pretrained(str(tok_dir))
    count = lambda text: len(tok(text, add_special_tokens=False)["input_ids"])  # noqa: E731
    everything = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    exact = [count(r["instruction"]) + count(r["output"]) for r in everything]
    assert result.stats.token_counter == "tokenizer"
    assert result.stats.avg_tokens == round(sum(exact) / len(exact), 1)
    assert result.stats.max_tokens == max(exact)

    with pytest.raises(ToolFailure) as info:
        run(acme, tmp_path / "out2", ctx, tokenizer_path=str(tmp_path / "no-such-tokenizer"))
    assert info.value.kind is FailureKind.not_found


def test_too_few_pairs_is_insufficient_data(tmp_path: Path, ctx) -> None:
    tiny = make_indexed_repo(tmp_path / "tiny", {"only.py": '''
        def add(a, b):
            """Add two numbers."""
            return a + b
    '''})
    with pytest.raises(ToolFailure) as info:
        run(tiny, tmp_path / "out", ctx)
    failure = info.value
    assert failure.kind is FailureKind.insufficient_data
    assert failure.details["min_pairs"] == 40
    assert failure.details["files_indexed"] == 1
    assert 0 < failure.details["pairs"] < 40
    assert sum(failure.details["per_category"].values()) == failure.details["pairs"]
    assert set(failure.details["per_category"]) == set(CATEGORIES)
    assert f"Only {failure.details['pairs']} training pairs" in failure.message
    assert "--min-pairs" in failure.hint
    assert not (tmp_path / "out" / "train.jsonl").exists()


def test_min_pairs_above_what_the_repo_yields(acme: Path, tmp_path: Path, ctx) -> None:
    with pytest.raises(ToolFailure) as info:
        run(acme, tmp_path / "out", ctx, min_pairs=5000, max_pairs=5000)
    assert info.value.kind is FailureKind.insufficient_data
    assert info.value.details["files_indexed"] == len(ACME)


def test_one_file_repo_splits_by_symbol(tmp_path: Path, ctx) -> None:
    funcs = "\n\n".join(textwrap.dedent(f'''
        def step_{i}(value: int, scale: int = {i + 1}) -> int:
            """Scale the value for stage {i} of the pipeline."""
            if value < {i}:
                raise ValueError("value too small for stage {i} of the pipeline")
            return value * scale
    ''') for i in range(12))
    single = make_indexed_repo(tmp_path / "single", {"pipeline.py": '"""Stages of a numeric pipeline."""\n' + funcs})
    result = run(single, tmp_path / "out", ctx, min_pairs=20)
    assert result.stats.split_by == "symbol"
    train = read_jsonl(Path(result.train_file))
    held = read_jsonl(Path(result.eval_file))
    assert held and train
    assert not {r["source"] for r in train} & {r["source"] for r in held}


def test_missing_index_is_not_found(tmp_path: Path, ctx) -> None:
    repo = write_files(tmp_path / "noindex", {"a.py": "def f():\n    return 1\n"})
    with pytest.raises(ToolFailure) as info:
        run(repo, tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.not_found
    assert "index_code" in info.value.hint

    with pytest.raises(ToolFailure) as info:
        run(repo, tmp_path / "out", ctx, index_path=str(tmp_path / "elsewhere.json"))
    assert info.value.kind is FailureKind.not_found


def test_corrupt_index_is_corrupted(tmp_path: Path, ctx) -> None:
    repo = write_files(tmp_path / "broken", {"a.py": "def f():\n    return 1\n"})
    (repo / INDEX_FILENAME).write_text("{not json")
    with pytest.raises(ToolFailure) as info:
        run(repo, tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.corrupted
    assert "index_code" in info.value.hint

    (repo / INDEX_FILENAME).write_text(json.dumps({"schema_version": 99, "repo_root": "x", "files": []}))
    with pytest.raises(ToolFailure) as info:
        run(repo, tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.corrupted


def test_missing_repo_is_not_found(tmp_path: Path, ctx) -> None:
    with pytest.raises(ToolFailure) as info:
        run(tmp_path / "nowhere", tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.not_found


def test_files_changed_after_indexing_are_used_through_the_index_only(acme: Path, tmp_path: Path, ctx) -> None:
    (acme / "acme" / "config.py").write_text("# rewritten after indexing\n")
    result = run(acme, tmp_path / "out", ctx)
    assert result.stats.stale_files == ["acme/config.py"]
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    from_config = [r for r in records if r["group"] == "acme/config.py"]
    assert from_config  # explain / architecture pairs still come from the index
    assert not [r for r in from_config if "Its implementation:" in r["output"] or "catches" in r["output"]]


def test_disk_full_while_writing_is_typed(acme: Path, tmp_path: Path, ctx, monkeypatch) -> None:
    def no_space(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pairs_mod, "write_atomic", no_space)
    with pytest.raises(ToolFailure) as info:
        run(acme, tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.disk_full


def test_progress_is_reported_on_the_prepare_tab(acme: Path, tmp_path: Path) -> None:
    bus = EventBus("run-1", tmp_path / "events.jsonl")
    ctx = ToolContext(workspace=Workspace(tmp_path / "ws"), run_id="run-1", events=bus, tab="prepare")
    result = run(acme, tmp_path / "out", ctx)
    events = [e for e in read_events(tmp_path / "events.jsonl") if e.type == "step.prepare.progress"]
    stages = [e.payload["stage"] for e in events]
    assert stages[0] == "index" and stages[-1] == "write"
    assert [e.payload["category"] for e in events if e.payload["stage"] == "generate"] == list(CATEGORIES)
    assert events[-1].payload == {"stage": "write", "train": result.train_pairs, "eval": result.eval_pairs}


def test_invalid_arguments_are_rejected() -> None:
    spec = REGISTRY["generate_pairs"]
    with pytest.raises(ToolFailure) as info:
        validate_args(spec, {"repo_path": "r", "out_dir": "o", "min_pairs": 50, "max_pairs": 10})
    assert info.value.kind is FailureKind.invalid_input
    with pytest.raises(ToolFailure) as info:
        validate_args(spec, {"repo_path": "r", "out_dir": "o", "categories": ["poetry"]})
    assert info.value.kind is FailureKind.invalid_input
    with pytest.raises(ValidationError):
        GeneratePairsArgs(repo_path="r", out_dir="o", held_out_ratio=0.0)
    args = validate_args(spec, {"repo_path": "r", "out_dir": "o"})
    assert args.categories == list(CATEGORIES) and args.min_pairs == 40 and args.max_pairs == 400
