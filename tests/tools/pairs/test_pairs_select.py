"""Choosing the pairs: the split by file (or by source span) without leakage, stratified by category
whatever the seed and input order, and the cap per side that keeps categories balanced."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

from goose_studio.tools.pairs import CATEGORIES
from goose_studio.tools.pairs import select as select_mod
from goose_studio.tools.pairs.generators import KNOWLEDGE_CATEGORIES, WEIGHTS
from goose_studio.tools.pairs.text import stable_hash
from pairs_helpers import (  # noqa: F401  (fixtures)
    acme,
    ctx,
    make_indexed_repo,
    package_pairs,
    read_jsonl,
    run,
)


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


def test_cap_keeps_categories_balanced_by_their_weights(acme: Path, tmp_path: Path, ctx) -> None:
    full = run(acme, tmp_path / "full", ctx).stats.per_category
    capped = run(acme, tmp_path / "capped", ctx, max_pairs=60, min_pairs=10)
    counts = capped.stats.per_category
    assert sum(counts.values()) == capped.train_pairs + capped.eval_pairs == 60
    assert capped.stats.capped_removed == sum(full.values()) - 60
    exhausted = {c for c in CATEGORIES if counts[c] == full[c]}
    rounds = [counts[c] / WEIGHTS[c] for c in CATEGORIES if c not in exhausted]  # rounds of the round-robin
    assert rounds and max(rounds) - min(rounds) <= 1
    assert all(counts[c] <= WEIGHTS[c] * (min(rounds) + 1) for c in exhausted)
    assert sum(counts[c] for c in KNOWLEDGE_CATEGORIES) >= sum(counts.values()) / 2  # facts and docs weigh more


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
            if n >= 10 and category not in KNOWLEDGE_CATEGORIES:  # facts stay with the core where they can
                assert held_counts[category] >= 1, (seed, category, dict(held_counts))
        code = [r for r in train + held if r["category"] not in KNOWLEDGE_CATEGORIES]
        share = sum(1 for r in held if r["category"] not in KNOWLEDGE_CATEGORIES) / len(code)
        assert 0.5 * ratio <= share <= 1.5 * ratio, (seed, share)  # the share is that of the pairs about the code
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
        if n >= 10 and category not in KNOWLEDGE_CATEGORIES:
            assert held_counts[category] >= 1, (category, held_counts)
        assert capped.stats.per_category_train[category] + held_counts[category] == n


def test_split_is_stratified_whatever_the_seed_and_input_order() -> None:
    pairs = package_pairs()
    total = Counter(p.category for p in pairs)
    for seed in range(12):
        train, held, split_by = select_mod.split_pairs(pairs, 0.1, seed)
        assert split_by == "file"
        held_groups = {p.group for p in held}
        assert "" not in held_groups and not held_groups & {p.group for p in train}
        assert len({p.group for p in train if p.group}) >= 1
        held_counts = Counter(p.category for p in held)
        for category, n in total.items():
            assert held_counts[category] >= 1, (seed, category, dict(held_counts))
            assert held_counts[category] <= 0.3 * n, (seed, category, dict(held_counts))
        assert 0.05 <= len(held) / len(pairs) <= 0.15, (seed, len(held))

        shuffled = sorted(pairs, key=lambda p: stable_hash("shuffle", seed, p.instruction))
        _, held_again, _ = select_mod.split_pairs(shuffled, 0.1, seed)
        assert {p.group for p in held_again} == held_groups

        # capping afterwards keeps the held-out share and every category on both sides
        train_capped, held_capped = select_mod.cap_pairs(train, held, 240, 0.1, seed)
        assert len(train_capped) + len(held_capped) == 240 and len(held_capped) == 24
        assert {p.group for p in held_capped} <= held_groups and not {p.group for p in train_capped} & held_groups
        assert {p.category for p in held_capped} == {p.category for p in train_capped} == set(total)


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


def test_files_the_facts_come_from_stay_on_the_train_side_when_others_can_be_held_out() -> None:
    from goose_studio.tools.pairs.repo import Pair

    pairs = []
    for i in range(12):  # the library's files: facts and code pairs
        path = f"lib/m{i}.py"
        pairs += [Pair("defaults", f"d{i}-{k}?", f"d{i}-{k}.", f"{path}:1-2", path) for k in range(6)]
        pairs += [Pair("explain", f"e{i}-{k}?", f"e{i}-{k}.", f"{path}:1-2", path) for k in range(3)]
    for i in range(6):  # test files: no facts
        path = f"tests/test_m{i}.py"
        pairs += [Pair("testing", f"t{i}-{k}?", f"t{i}-{k}.", f"{path}:1-2", path) for k in range(4)]
        pairs += [Pair("explain", f"te{i}-{k}?", f"te{i}-{k}.", f"{path}:1-2", path) for k in range(2)]
    for seed in range(5):
        train, held, _ = select_mod.split_pairs(pairs, 0.1, seed)
        held_files = {p.group for p in held}
        assert held_files and all(f.startswith("tests/") for f in held_files), (seed, held_files)
        assert all(p.category != "defaults" for p in held)
