"""Reading what ``package`` is given: required files, JSON files, the dataset (counts and sample pairs),
the facts in LLaMA-Factory's training log, and an estimate of the VRAM the core needs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from ...errors import FailureKind, ToolFailure
from .format import MAX_SAMPLE_PAIRS
from .secrets import find_secrets


def require_file(path: Path, what: str) -> Path:
    """``path`` if it is a file; else ToolFailure(not_found) naming ``what``."""
    if not path.is_file():
        raise ToolFailure(FailureKind.not_found, f"The {what} is missing: {path}.",
                          hint=f"Pass the path of the {what}.", details={"path": str(path)})
    return path


def read_json_file(path: Path, what: str) -> Any:
    """A JSON file's content; ToolFailure(corrupted) when it is not valid JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"The {what} at {path} is not valid JSON: {exc}",
                          hint=f"Regenerate the {what}.", details={"path": str(path)}) from None


def _iter_jsonl(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                yield None


def _category(record: Any) -> str:
    if isinstance(record, dict):
        for key in ("category", "kind", "task", "type"):
            value = record.get(key)
            if isinstance(value, str) and value:
                return value
    return "uncategorized"


def scan_dataset(dataset_dir: Path) -> dict[str, Any]:
    """Counts per split and category, and up to ten clean example pairs (round-robin over categories)."""
    counts: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    unparsable = 0
    pools: dict[str, list[Any]] = {}
    for split in ("train", "eval"):
        path = dataset_dir / f"{split}.jsonl"
        totals[split] = 0
        if not path.is_file():
            continue
        for record in _iter_jsonl(path):
            if record is None:
                unparsable += 1
                continue
            totals[split] += 1
            cat = _category(record)
            counts.setdefault(cat, {"train": 0, "eval": 0})[split] += 1
            pool = pools.setdefault(cat, [])
            if split == "train" and len(pool) < MAX_SAMPLE_PAIRS:
                text = json.dumps(record, ensure_ascii=False)
                if not find_secrets(text):
                    pool.append(record)
    samples: list[Any] = []
    queues = [list(pools[c]) for c in sorted(pools)]
    while len(samples) < MAX_SAMPLE_PAIRS and any(queues):
        for q in queues:
            if q and len(samples) < MAX_SAMPLE_PAIRS:
                samples.append(q.pop(0))
    stats: dict[str, Any] = {}
    stats_path = dataset_dir / "stats.json"
    if stats_path.is_file():
        try:
            raw = json.loads(stats_path.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                stats = raw
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            stats = {}
    return {"counts": counts, "totals": totals, "unparsable": unparsable, "samples": samples, "stats": stats}


def log_facts(log_path: Path) -> dict[str, Any]:
    """Last epoch, last loss and elapsed seconds from LLaMA-Factory's trainer_log.jsonl."""
    facts: dict[str, Any] = {}
    for entry in _iter_jsonl(log_path):
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("epoch"), (int, float)):
            facts["epochs"] = float(entry["epoch"])
        if isinstance(entry.get("loss"), (int, float)):
            facts["final_loss"] = float(entry["loss"])
        elapsed = entry.get("elapsed_time")
        if isinstance(elapsed, str) and re.match(r"^\d+:\d{2}:\d{2}$", elapsed):
            h, m, s = (int(x) for x in elapsed.split(":"))
            facts["duration_sec"] = float(h * 3600 + m * 60 + s)
        elif isinstance(elapsed, (int, float)):
            facts["duration_sec"] = float(elapsed)
    return facts


def estimate_vram_gb(base_path: Path | None, method: str) -> float | None:
    """GB of VRAM to run the base model in bf16 (a quarter for ``qlora-4bit``) plus 20% and half a GB;
    None without a local base model folder holding weights."""
    if base_path is None or not base_path.is_dir():
        return None
    weight_bytes = sum(f.stat().st_size for f in base_path.glob("*.safetensors"))
    if weight_bytes == 0:
        weight_bytes = sum(f.stat().st_size for f in base_path.glob("*.bin"))
    if weight_bytes == 0:
        return None
    dtype = None
    try:
        config = json.loads((base_path / "config.json").read_text())
        dtype = config.get("dtype") or config.get("torch_dtype") or None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        pass
    bf16_bytes = weight_bytes / 2 if dtype == "float32" else weight_bytes
    needed = bf16_bytes / 4 if method == "qlora-4bit" else bf16_bytes
    return round(needed * 1.2 / 1024**3 + 0.5, 1)
