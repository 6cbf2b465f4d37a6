"""The category registry: every category has a generator, in the documented order, the arguments accept
exactly those names, and a chosen subset is all that is generated."""

from __future__ import annotations

import typing
from pathlib import Path

from goose_studio.tools.pairs import CATEGORIES, GENERATORS, GeneratePairsArgs
from pairs_helpers import acme, ctx, read_jsonl, run  # noqa: F401  (fixtures)


def test_every_category_has_a_generator_in_the_documented_order() -> None:
    assert CATEGORIES == ("explain", "generate", "debug", "architecture", "testing", "uiux", "defaults", "behaviour",
                          "relations", "docs")
    assert tuple(GENERATORS) == CATEGORIES and all(callable(g) for g in GENERATORS.values())
    choices = typing.get_args(typing.get_args(GeneratePairsArgs.model_fields["categories"].annotation)[0])
    assert choices == CATEGORIES


def test_categories_can_be_chosen(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx, categories=["debug", "explain"], min_pairs=5)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    assert {r["category"] for r in records} == {"debug", "explain"}
    assert set(result.stats.per_category) == {"explain", "debug"}
    full = run(acme, tmp_path / "all", ctx)
    assert result.stats.quality_score < full.stats.quality_score
