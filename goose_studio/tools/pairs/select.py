"""Choosing the pairs: de-duplication (exact, then near duplicates found with MinHash/LSH), the split into
train and held-out sides by file (or source span), stratified by category, and the weighted cap per side.

Phrasings of one fact (pairs sharing ``fact``) may share an answer; they are never each other's duplicates.
Under the cap a fact's first phrasing comes before any fact's second one.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter, defaultdict
from typing import Callable

import numpy as np

from .generators import CATEGORIES, KNOWLEDGE_CATEGORIES, WEIGHTS
from .repo import Pair
from .text import norm, stable_hash

NEAR_DUP_JACCARD = 0.85
STRATIFY_MIN_PAIRS = 10  # a category with at least this many pairs gets a held-out share of its own
HELD_OUT_OVERSHOOT = 1.5  # the held-out side takes at most this times its target (bar one forced file)
_OVER_WEIGHT = 0.25  # holding out too much of a category costs less than holding out too little
_SPLIT_WINDOW = 256  # files weighed per greedy step, in seeded hash order
_SPLIT_NEAR_BEST = 0.5  # a greedy step takes the first file lowering the cost by this share of the best file
_MIN_HELD_SHARE = 0.5  # files the facts come from are held out only below this share of the target


def _shingles(text: str) -> frozenset[str]:
    words = norm(text).split()
    if len(words) < 3:
        return frozenset([" ".join(words)])
    return frozenset(" ".join(words[i : i + 3]) for i in range(len(words) - 2))


_MERSENNE = (1 << 61) - 1
_PERMS = [((i * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % _MERSENNE | 1, (i * 0xC2B2AE3D27D4EB4F + 7) % _MERSENNE)
          for i in range(1, 17)]
_BANDS = 8
_PRIME31 = (1 << 31) - 1


_A = np.array([a % _PRIME31 or 1 for a, _ in _PERMS], dtype=np.uint64)[:, None]
_B = np.array([b % _PRIME31 for _, b in _PERMS], dtype=np.uint64)[:, None]


def _minhash(shingles: frozenset[str]) -> list[int]:
    """16 MinHash values of the shingles' CRC-32s, ``(a * h + b) mod (2^31 - 1)`` per permutation, in
    one vectorised step (every product fits in 64 bits)."""
    hashes = np.fromiter((zlib.crc32(s.encode("utf-8")) % _PRIME31 for s in shingles), dtype=np.uint64,
                         count=len(shingles))
    return ((_A * hashes[None, :] + _B) % _PRIME31).min(axis=1).tolist()


def _rank(category: str) -> int:
    return CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES)


def dedup_pairs(pairs: list[Pair]) -> tuple[list[Pair], int]:
    """The pairs without exact duplicates (normalized instruction, or output outside the pair's own fact)
    and near-duplicate outputs within a category (other facts only), in a fixed order; and how many were
    dropped."""
    ordered = sorted(pairs, key=lambda p: (_rank(p.category), p.group, p.source, p.variant, p.instruction, p.output))
    seen_instr: set[str] = set()
    seen_out: dict[str, str] = {}
    buckets: dict[tuple[str, int, tuple[int, ...]], list[int]] = defaultdict(list)
    kept: list[Pair] = []
    kept_shingles: list[frozenset[str]] = []
    removed = 0
    rows = len(_PERMS) // _BANDS
    for p in ordered:
        ki, ko = norm(p.instruction), norm(p.output)
        if ki in seen_instr or (ko in seen_out and (not p.fact or seen_out[ko] != p.fact)):
            removed += 1
            continue
        sh = _shingles(p.output)
        sig = _minhash(sh)
        keys = [(p.category, b, tuple(sig[b * rows : (b + 1) * rows])) for b in range(_BANDS)]
        candidates = sorted({i for key in keys for i in buckets.get(key, [])})
        if any((not p.fact or kept[i].fact != p.fact)
               and len(sh & kept_shingles[i]) / max(1, len(sh | kept_shingles[i])) >= NEAR_DUP_JACCARD
               for i in candidates):
            removed += 1
            continue
        seen_instr.add(ki)
        seen_out.setdefault(ko, p.fact)
        for key in keys:
            buckets[key].append(len(kept))
        kept.append(p)
        kept_shingles.append(sh)
    return kept, removed


def priority(p: Pair, seed: int) -> tuple[int, int, str]:
    """The order in which pairs are taken when there are too many: a fact's earlier phrasings first, then a
    seeded hash order."""
    return p.variant, stable_hash(seed, "pick", p.category, p.instruction), p.instruction


def _quotas(available: dict[str, int], limit: int, weights: dict[str, int] | None = None) -> dict[str, int]:
    """Pairs per category under a weighted round-robin cap: ``weights[c]`` of category ``c`` per round, in
    ``CATEGORIES`` order, until ``limit`` pairs are taken or every category is used up."""
    weights = weights or WEIGHTS
    quota = {c: 0 for c in CATEGORIES}
    left = limit
    while left > 0:
        took = False
        for c in CATEGORIES:
            for _ in range(max(0, weights.get(c, 1))):
                if quota[c] < available.get(c, 0) and left > 0:
                    quota[c] += 1
                    left -= 1
                    took = True
        if not took:
            break
    return quota


def cap_pairs(train_pool: list[Pair], held_pool: list[Pair], limit: int, ratio: float,
              seed: int, weights: dict[str, int] | None = None) -> tuple[list[Pair], list[Pair]]:
    """At most ``limit`` pairs in all, taken per side: train pairs from train files, held-out from held-out files.

    The per-category counts are those of a round-robin cap over both sides together; each category's count
    is then apportioned, about ``ratio`` of it held out (at least one for a category of ``STRATIFY_MIN_PAIRS``
    or more) and ``ratio`` of ``limit`` held out overall, as far as the held-out files have pairs of that
    category. Within a side and category, pairs are taken in seeded hash order.
    """
    if len(train_pool) + len(held_pool) <= limit:
        return list(train_pool), list(held_pool)

    def queues(pool: list[Pair]) -> dict[str, list[Pair]]:
        return {c: sorted((p for p in pool if p.category == c), key=lambda p: priority(p, seed)) for c in CATEGORIES}

    train_q, held_q = queues(train_pool), queues(held_pool)
    quota = _quotas({c: len(train_q[c]) + len(held_q[c]) for c in CATEGORIES}, limit, weights)
    ideal = {c: ratio * quota[c] for c in CATEGORIES}
    held_n: dict[str, int] = {}
    high: dict[str, int] = {}
    for c in CATEGORIES:
        low = max(0, quota[c] - len(train_q[c]))  # what the train files cannot supply comes from held-out ones
        high[c] = min(quota[c], len(held_q[c]))
        wanted = math.floor(ideal[c])
        if quota[c] >= STRATIFY_MIN_PAIRS:
            wanted = max(wanted, 1)
        held_n[c] = min(high[c], max(low, wanted))
    target = max(1, math.floor(ratio * sum(quota.values()) + 0.5))
    while sum(held_n.values()) < target:
        open_cats = [c for c in CATEGORIES if held_n[c] < high[c]]
        if not open_cats:
            break
        pick = max(open_cats, key=lambda c: (ideal[c] - held_n[c], -CATEGORIES.index(c)))
        held_n[pick] += 1
    train = [p for c in CATEGORIES for p in train_q[c][: quota[c] - held_n[c]]]
    held = [p for c in CATEGORIES for p in held_q[c][: held_n[c]]]
    return train, held


def _choose_held_out(groups: dict[str, Counter[str]], ratio: float, seed: int) -> set[str]:
    """The groups (files, or source spans) to hold out: a stratified greedy choice, see the package docstring."""
    order = sorted(groups, key=lambda g: (stable_hash(seed, "split", g), g))
    if len(order) < 2:
        return set()
    rank = {g: i for i, g in enumerate(order)}
    whole = {g: sum(groups[g].values()) for g in order}
    # the held-out share is counted over the pairs about the code: a file's fact pairs go with it, but the
    # split does not hold files out to reach a share of the facts (when there is nothing but facts, over all)
    code = {g: sum(n for c, n in groups[g].items() if c not in KNOWLEDGE_CATEGORIES) for g in order}
    size = code if sum(code.values()) else whole
    totals: Counter[str] = Counter()
    for g in order:
        totals.update(groups[g])
    target = ratio * sum(size.values())
    bound = HELD_OUT_OVERSHOOT * target
    want = {c: ratio * n for c, n in totals.items() if n >= STRATIFY_MIN_PAIRS and c not in KNOWLEDGE_CATEGORIES}

    facts = {g: sum(n for c, n in groups[g].items() if c in KNOWLEDGE_CATEGORIES) for g in order}
    tiers = {g: 0 if facts[g] == 0 else 1 if 3 * facts[g] <= whole[g] else 2 for g in order}
    # files are weighed with the fewest facts first (tests, then small modules), in seeded order among equals:
    # every fact held out is one the core does not learn
    order = sorted(order, key=lambda g: (tiers[g], facts[g], rank[g]))
    rank = {g: i for i, g in enumerate(order)}

    def term(c: str, h: int) -> float:
        if c in want:
            x = (h - want[c]) / want[c]
            return x * x if x < 0 else _OVER_WEIGHT * x * x
        return 1.0 if h and h == totals[c] >= 2 else 0.0  # a small category: train keeps some of it

    def overall(n: int) -> float:
        x = (n - target) / target
        return x * x

    def cost(have: Counter[str], count: int) -> float:
        """0 when every category and the whole held-out side sit at their targets; lower is better."""
        return overall(count) + sum(term(c, have[c]) for c in sorted(totals))

    held: set[str] = set()
    have: Counter[str] = Counter()
    count = 0
    items = {g: sorted(groups[g].items()) for g in order}

    def gain(g: str) -> float:
        """How much adding ``g`` changes the cost (negative: better)."""
        d = overall(count + size[g]) - overall(count)
        for c, n in items[g]:
            d += term(c, have[c] + n) - term(c, have[c])
        return d

    def swapped(out: str, new: str) -> tuple[Counter[str], int]:
        moved = have + groups[new]
        moved.subtract(groups[out])
        return moved, count - size[out] + size[new]

    def add(g: str) -> None:
        nonlocal count
        held.add(g)
        have.update(groups[g])
        count += size[g]

    # greedy: add the first file (in seeded order) that lowers the cost nearly as much as the best one does,
    # looking at the first _SPLIT_WINDOW files that fit (all of them in a repository of ordinary size); files
    # the facts come from are held out only when files without facts no longer lower the cost, so that the
    # core learns as many of the repository's facts as it can
    allowed = 0
    while len(held) + 1 < len(order):
        gains: list[tuple[str, float]] = []
        for g in order:
            if g not in held and tiers[g] <= allowed and count + size[g] <= bound:
                gains.append((g, gain(g)))
                if len(gains) >= _SPLIT_WINDOW:
                    break
        best = min((d for _, d in gains), default=0.0)
        if best >= -1e-9:
            short = count < _MIN_HELD_SHARE * target or any(not have[c] for c in want)
            if allowed >= 2 or (allowed and not short):
                break
            allowed += 1
            continue
        add(next(g for g, d in gains if d <= _SPLIT_NEAR_BEST * best))

    # a category with enough pairs and none held out gets a file of its own or, when none fits, a swap
    for c in CATEGORIES:
        if c not in want or have[c]:
            continue
        options = sorted((g for g in order if groups[g][c] and g not in held), key=lambda g: (tiers[g], rank[g]))
        fitting = [g for g in options if count + size[g] <= bound]
        if fitting and len(held) + 1 < len(order):
            add(min(fitting, key=lambda g: (tiers[g], gain(g), rank[g])))
            continue
        covered = [k for k in want if have[k]]
        swaps = []
        for new in options[:_SPLIT_WINDOW]:
            for out in sorted(held, key=rank.__getitem__):
                moved, n = swapped(out, new)
                if n <= bound and all(moved[k] > 0 for k in covered):
                    swaps.append((cost(moved, n), rank[new], rank[out], out, new))
        if swaps:
            *_, out, new = min(swaps)
            held.discard(out)
            have.subtract(groups[out])
            count -= size[out]
            add(new)

    if not held:
        add(min(order, key=lambda g: (size[g], rank[g])))
    return held


def split_pairs(pairs: list[Pair], ratio: float, seed: int) -> tuple[list[Pair], list[Pair], str]:
    """Train and held-out pairs, by file (``split_by = "file"``) or, with fewer than two files, by source span."""
    split_by = "file"
    key: Callable[[Pair], str] = lambda p: p.group  # noqa: E731
    if len({p.group for p in pairs if p.group}) < 2:
        split_by = "symbol"
        key = lambda p: p.source if p.group else ""  # noqa: E731
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for p in pairs:
        if key(p):
            groups[key(p)][p.category] += 1
    held = _choose_held_out(groups, ratio, seed)
    train = [p for p in pairs if key(p) not in held]
    held_out = [p for p in pairs if key(p) in held]
    return train, held_out, split_by
