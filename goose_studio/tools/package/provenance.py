"""``PROVENANCE.json``: the audit trail of a core — where its data came from and what it was, the recipe, the
base model, the source commit, the repairs and fallbacks taken, the tools and their versions, and the SHA-256
of every other member (the signature in ``SIGNATURE.json`` covers this file and the manifest)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .format import FORMAT_VERSION, RECIPE, sha256_file, tool_versions

RECIPE_KEYS = ("model_name_or_path", "template", "finetuning_type", "stage", "lora_rank", "lora_alpha",
               "lora_target", "learning_rate", "num_train_epochs", "max_steps", "cutoff_len",
               "per_device_train_batch_size", "gradient_accumulation_steps", "bf16", "quantization_bit", "seed")


def data_digest(dataset_dir: Path) -> dict[str, str]:
    """SHA-256 of the training and held-out data files (the data itself is not in the core)."""
    out = {}
    for name in ("train.jsonl", "eval.jsonl", "stats.json"):
        path = dataset_dir / name
        if path.is_file():
            out[name] = sha256_file(path)
    return out


def provenance(*, created: str, hashes: dict[str, str], base_model_id: str, base_model_hash: str, source: str,
               commit: str, recipe: dict[str, Any], data: dict[str, Any], dataset_dir: Path, facts: dict[str, Any],
               build_engine: str, fallbacks: list[dict[str, Any]], retrieval: dict[str, Any] | None) -> dict[str, Any]:
    """The provenance document of a core being built."""
    totals = data["totals"]
    return {
        "format_version": FORMAT_VERSION,
        "created": created,
        "files": hashes,
        "base_model": {"id": base_model_id, "hash": base_model_hash},
        "source": {"repo": source, "commit": commit},
        "data": {"pairs": sum(totals.values()), "split": totals,
                 "categories": {cat: sum(c.values()) for cat, c in sorted(data["counts"].items())},
                 "unparsable_lines": data["unparsable"], "sha256": data_digest(dataset_dir),
                 "generation": {k: v for k, v in data["stats"].items() if isinstance(v, (int, float, str, bool))}},
        "recipe": {"sha256": hashes[RECIPE], **{k: recipe[k] for k in RECIPE_KEYS if k in recipe}},
        "recipe_sha256": hashes[RECIPE],
        "training": {k: facts.get(k) for k in ("epochs", "final_loss", "duration_sec", "trained_on", "steps",
                                               "max_steps") if facts.get(k) is not None},
        "tool_versions": tool_versions(),
        "dataset_pairs": sum(totals.values()),
        "dataset_split": totals,
        "epochs": facts.get("epochs"),
        "final_loss": facts.get("final_loss"),
        "training_duration_sec": facts.get("duration_sec"),
        "build_engine": build_engine,
        "fallbacks": list(fallbacks),
        "retrieval": retrieval,
    }


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
