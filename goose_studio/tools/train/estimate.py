"""How long a training run will take here: the dataset's tokens (counted with the model's tokenizer), the
steps the recipe plans, and this machine's speed for that model and setting — measured by earlier runs
(kept in the workspace's ``cache/train_speed.json``), else derived from a short matrix-multiply probe of
the device's peak (training costs about 4 × parameters FLOPs per token with LoRA's frozen weights).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from ...workspace import write_json

SPEED_FILE = "train_speed.json"
FLOPS_PER_PARAM_TOKEN = 4  # forward 2 + input gradients 2; frozen weights need no weight gradients
PEAK_FRACTION = 0.33  # the fraction of the matmul peak a batch-1 training run reaches on a CPU (measured)
DEFAULT_STARTUP_S = 20.0
TEMPLATE_TOKENS = 12


def speed_key(recipe: dict[str, Any], params: int) -> str:
    """What the speed depends on: model size, device, precision, method, batch shape, packing."""
    return "|".join(str(x) for x in (
        f"{round(params / 1e6)}M", "cpu" if recipe.get("use_cpu") else "cuda", "bf16" if recipe.get("bf16") else "fp32",
        recipe.get("finetuning_type"), recipe.get("quantization_bit") or 16, recipe.get("per_device_train_batch_size"),
        recipe.get("cutoff_len"), "packed" if recipe.get("packing") else "rows"))


def dataset_tokens(dataset_file: Path, tokenizer_file: Path, cutoff: int) -> list[int]:
    """Tokens per training row (instruction, input and answer with the chat template's few), cut at ``cutoff``."""
    counter = None
    try:
        from tokenizers import Tokenizer

        counter = Tokenizer.from_file(str(tokenizer_file))
    except Exception:
        counter = None
    counts = []
    for line in dataset_file.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        text = "\n".join(str(row.get(k) or "") for k in ("system", "instruction", "input", "output"))
        n = len(counter.encode(text).ids) if counter is not None else math.ceil(len(text) / 4)
        counts.append(min(cutoff, n + TEMPLATE_TOKENS))
    return counts


def planned_tokens(counts: list[int], recipe: dict[str, Any]) -> tuple[int, int]:
    """(optimizer steps, tokens trained) the recipe plans over rows of ``counts`` tokens."""
    if not counts:
        return 0, 0
    per_step = int(recipe.get("per_device_train_batch_size") or 1) * int(recipe.get("gradient_accumulation_steps") or 1)
    rows = len(counts)
    if recipe.get("packing"):
        rows = max(1, math.ceil(sum(counts) / int(recipe.get("cutoff_len") or 1024)))
    per_epoch = max(1, math.ceil(rows / per_step))
    if recipe.get("max_steps"):
        steps = int(recipe["max_steps"])
    else:
        steps = max(1, math.ceil(per_epoch * float(recipe.get("num_train_epochs") or 1.0)))
    avg = sum(counts) / len(counts) if not recipe.get("packing") else sum(counts) / rows
    return steps, int(steps * per_step * avg)


def read_speeds(cache: Path) -> dict[str, Any]:
    try:
        data = json.loads((cache / SPEED_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def record_speed(cache: Path, key: str, tokens_per_s: float, startup_s: float) -> None:
    """Remember this run's measured speed for the next estimate (a running mean of the last few)."""
    data = read_speeds(cache)
    entry = data.get(key) or {}
    history = (entry.get("history") or [])[-4:] + [[round(tokens_per_s, 2), round(startup_s, 2)]]
    data[key] = {"tokens_per_s": round(sum(h[0] for h in history) / len(history), 2),
                 "startup_s": round(sorted(h[1] for h in history)[len(history) // 2], 2),
                 "history": history, "updated": time.time()}
    try:
        write_json(cache / SPEED_FILE, data)
    except Exception:
        pass  # an estimate is a nicety; a full disk must not fail the run here


def matmul_peak_flops(bf16: bool, seconds: float = 0.3) -> float:
    """This device's dense matmul rate (FLOP/s) at 1024² in the training precision, measured now."""
    import torch

    dtype = torch.bfloat16 if bf16 else torch.float32
    a = torch.randn(1024, 1024, dtype=dtype)
    b = torch.randn(1024, 1024, dtype=dtype)
    a @ b  # warm-up
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        n += 1
    return 2 * 1024**3 * n / (time.perf_counter() - start)


def estimate_seconds(counts: list[int], recipe: dict[str, Any], params: int, cache: Path) -> dict[str, Any]:
    """The estimate and how it was made: ``{"seconds", "steps", "tokens", "tokens_per_s", "basis"}``."""
    steps, tokens = planned_tokens(counts, recipe)
    key = speed_key(recipe, params)
    known = read_speeds(cache).get(key)
    if known and known.get("tokens_per_s"):
        rate, startup, basis = float(known["tokens_per_s"]), float(known.get("startup_s") or 0), "measured here"
    else:
        peaks = read_speeds(cache).get("_peak") or {}
        precision = "bf16" if recipe.get("bf16") else "fp32"
        peak = peaks.get(precision)
        if not peak:
            peak = matmul_peak_flops(bool(recipe.get("bf16")))
            data = read_speeds(cache)
            data["_peak"] = {**peaks, precision: peak}
            try:
                write_json(cache / SPEED_FILE, data)
            except Exception:
                pass
        rate = peak * PEAK_FRACTION / (FLOPS_PER_PARAM_TOKEN * max(params, 1))
        startup, basis = DEFAULT_STARTUP_S, "matmul probe"
    seconds = startup + (tokens / rate if rate else 0.0)
    return {"seconds": round(seconds, 1), "steps": steps, "tokens": tokens, "tokens_per_s": round(rate, 1),
            "startup_s": round(startup, 1), "basis": basis, "key": key}
