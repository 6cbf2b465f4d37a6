"""CPU training throughput on the embedded model (SmolLM2-135M) and the embedded example's pairs: the
studio's default recipe and the former CPU default (one row at a time, 4 accumulated) against variants
(length bucketing with a batch of 4, the default now; sequence packing with neat_packing; torch threads),
alternated round by round (ABC, then CBA) so the machine's load falls on all alike.

For each run: tokens/s (the trainer's non-padding tokens over its train time), the fraction of this CPU's
bf16 matmul peak it reaches (measured here with torch; 4 x parameters FLOPs per token), the train loss and
the held-out loss (one evaluation recipe for all), and the load average when it started.

    .venv/bin/python benchmarks/train_throughput.py [--rows 96] [--rounds 2] [--variants rows1x4,bucket4,...] [--held-out 40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_bench as tb  # noqa: E402
from goose_studio.tools.train.process import trainer_command  # noqa: E402

# Each variant: recipe keys over the default recipe, and environment for the trainer.
BUCKET4 = {"per_device_train_batch_size": 4, "gradient_accumulation_steps": 1,
           "train_sampling_strategy": "group_by_length"}
ROWS_1X4 = {"per_device_train_batch_size": 1, "gradient_accumulation_steps": 4, "train_sampling_strategy": "random"}
VARIANTS = {
    "default": ({}, {}),  # the studio's recipe as it is now
    "rows1x4": (ROWS_1X4, {}),  # the CPU default before: one row at a time, 4 accumulated
    "rows1x4-1thread": (ROWS_1X4, {"OMP_NUM_THREADS": "1"}),
    "bucket4": (BUCKET4, {}),
    "pack512": ({"packing": True, "neat_packing": True, "cutoff_len": 512, "per_device_train_batch_size": 1,
                 "gradient_accumulation_steps": 1, "train_sampling_strategy": "random"}, {}),
    "bucket4-1thread": (BUCKET4, {"OMP_NUM_THREADS": "1"}),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=96, help="training pairs (one epoch)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--held-out", type=int, default=40, help="held-out pairs for the loss")
    ap.add_argument("--variants", default="rows1x4,bucket4,pack512,bucket4-1thread")
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "goose-train-bench"))
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    work = Path(opts.work)
    setup = tb.prepare(work)
    rows = setup["pairs"].read_text().splitlines(keepends=True)[:opts.rows]
    held = setup["held_out"].read_text().splitlines(keepends=True)[:opts.held_out]
    data = tb.dataset(work / "throughput-data", rows, held)
    params = tb.params_of(setup["model"])
    peak = tb.bf16_peak()
    names = opts.variants.split(",")
    results: dict[str, list[dict]] = {n: [] for n in names}
    print(f"model {params / 1e6:.1f}M params, {len(rows)} train rows, {len(held)} held-out, "
          f"bf16 matmul peak {peak / 1e9:.1f} GFLOP/s, load {tb.load()}", flush=True)
    for r in range(opts.rounds):
        order = names if r % 2 == 0 else names[::-1]  # ABC then CBA: drift in load falls on both sides
        for name in order:
            extra, env = VARIANTS[name]
            out = work / f"tp-{name}-{r}"
            recipe = tb.default_recipe(setup["model"], data, out / "adapter", use_cpu=True, num_train_epochs=1.0)
            recipe.update(extra)
            got = tb.run(trainer_command, recipe, out, env)
            got["heldout_loss"] = tb.heldout_loss(recipe, out)
            got["peak_fraction"] = round(got["tokens_per_s"] * 4 * params / peak, 3)
            results[name].append(got)
            print(f"round {r} {name:16s} {got['tokens_per_s']:7.1f} tok/s  peak {got['peak_fraction']:.3f}  "
                  f"train {got['train_s']:6.1f} s  steps {got['steps']:3d}  train loss {got['train_loss']:.4f}  "
                  f"held-out {got['heldout_loss']:.4f}  load {got['load']}", flush=True)
    base = statistics.median(g["tokens_per_s"] for g in results[names[0]])
    summary = {}
    for name in names:
        tps = statistics.median(g["tokens_per_s"] for g in results[name])
        summary[name] = {"tokens_per_s": round(tps, 1), "speedup": round(tps / base, 2),
                         "peak_fraction": round(tps * 4 * params / peak, 3),
                         "heldout_loss": round(statistics.median(g["heldout_loss"] for g in results[name]), 4),
                         "runs": results[name]}
        print(f"{name:16s} median {tps:7.1f} tok/s  x{tps / base:.2f}  peak {summary[name]['peak_fraction']:.3f}  "
              f"held-out {summary[name]['heldout_loss']:.4f}")
    print(f"load at the end {tb.load()} ({os.cpu_count()} CPUs)")
    if opts.json:
        print(json.dumps({"params": params, "peak_flops": peak, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
