"""The data quality dashboard's figures (beside the counts :mod:`.tool` keeps): pairs per origin and per
source file, the share of grounded pairs, the training throughput measured on this machine, and the
quality score with its parts.

Training throughput: the seconds per 1,000 training tokens of the latest runs in the workspace that
trained (``train_runtime`` of ``output/<run>/train_results.json`` over the ``train_tokens`` times
``epochs`` of ``data/generated/<run>/stats.json``), their median; :data:`DEFAULT_SECONDS_PER_1K_TOKENS`
when no run has been measured yet.

Quality score (0-100), a guide, not a measurement; its parts are reported with it::

    25 * coverage   categories present / min(4, categories requested), at most 1
  + 20 * volume     pairs / 300, at most 1
  + 15 * balance    normalized entropy of the per-category counts (0 with one category)
  + 15 * fit        share of pairs with 16..320 tokens (they fit a short training context)
  + 15 * grounded   share of pairs whose answer names only files, symbols and values of the repository
  + 10 * knowledge  share of fact and documentation pairs / 0.4, at most 1
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from pathlib import Path

from .generators import KNOWLEDGE_CATEGORIES
from .repo import Pair
from .stats import FIT_MAX_TOKENS, FIT_MIN_TOKENS

DEFAULT_SECONDS_PER_1K_TOKENS = 5.0  # LoRA on the embedded 135M model, 2-core CPU (about 200 tokens/s)
CALIBRATION_RUNS = 5
QUALITY_WEIGHTS = {"coverage": 25, "volume": 20, "balance": 15, "fit": 15, "grounded": 15, "knowledge": 10}


def measured_throughput(workspace_root: Path, limit: int = CALIBRATION_RUNS) -> tuple[float | None, int]:
    """Median training seconds per 1,000 tokens over the latest ``limit`` measured runs, and how many."""
    runs = workspace_root / "runs"
    if not runs.is_dir():
        return None, 0
    rates: list[tuple[float, float]] = []
    for run_dir in runs.iterdir():
        results = workspace_root / "output" / run_dir.name / "train_results.json"
        stats_file = workspace_root / "data" / "generated" / run_dir.name / "stats.json"
        try:
            runtime = float(json.loads(results.read_text()).get("train_runtime", 0))
            stats = json.loads(stats_file.read_text())
            tokens = float(stats.get("train_tokens", 0)) * float(stats.get("epochs", 1))
            when = results.stat().st_mtime
        except (OSError, ValueError, TypeError, AttributeError):
            continue
        if runtime > 0 and tokens > 0:
            rates.append((when, runtime / tokens * 1000))
    rates.sort(reverse=True)
    latest = [r for _, r in rates[:limit]]
    return (round(statistics.median(latest), 3), len(latest)) if latest else (None, 0)


def per_origin(pairs: list[Pair]) -> dict[str, int]:
    return dict(sorted(Counter(p.origin for p in pairs).items()))


def per_source(pairs: list[Pair], limit: int = 40) -> dict[str, int]:
    """Pairs per source file (the split group, or the file of the source span), the largest first."""
    counts = Counter(p.group or p.source.split(":", 1)[0].split(";", 1)[0] or "(several files)" for p in pairs)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])


def quality(per_category: dict[str, int], requested: int, token_counts: list[int], grounded: float,
            knowledge: float) -> tuple[int, dict[str, float]]:
    """The score and its parts (each 0..1), as documented in the module docstring."""
    total = sum(per_category.values())
    if total == 0:
        return 0, {k: 0.0 for k in QUALITY_WEIGHTS}
    present = [n for n in per_category.values() if n > 0]
    balance = 0.0
    if len(present) > 1:
        balance = -sum((n / total) * math.log(n / total) for n in present) / math.log(len(present))
    parts = {
        "coverage": min(1.0, len(present) / max(1, min(4, requested))),
        "volume": min(1.0, total / 300),
        "balance": balance,
        "fit": sum(1 for t in token_counts if FIT_MIN_TOKENS <= t <= FIT_MAX_TOKENS) / max(1, len(token_counts)),
        "grounded": grounded,
        "knowledge": min(1.0, knowledge / 0.4),
    }
    score = round(sum(QUALITY_WEIGHTS[k] * v for k, v in parts.items()))
    return max(0, min(100, score)), {k: round(v, 3) for k, v in parts.items()}


def knowledge_share(pairs: list[Pair]) -> float:
    return sum(1 for p in pairs if p.category in KNOWLEDGE_CATEGORIES) / max(1, len(pairs))
