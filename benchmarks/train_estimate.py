"""Estimated vs measured training time for three dataset sizes on this machine: the train tool on the
embedded model and the embedded example's pairs (the default preset, one epoch), smallest first, in one
fresh workspace — the first estimate comes from the matmul probe, the later ones from the speed the earlier
runs measured (as in the studio). For every size the probe-only estimate is shown too.

    .venv/bin/python benchmarks/train_estimate.py [--sizes 32,64,128]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_bench as tb  # noqa: E402
from goose_studio.tools.registry import ToolContext  # noqa: E402
from goose_studio.tools.train import TrainArgs, train  # noqa: E402
from goose_studio.tools.train.estimate import dataset_tokens, estimate_seconds  # noqa: E402
from goose_studio.tools.train.recipe import plan_training  # noqa: E402
from goose_studio.workspace import Workspace  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="32,64,128")
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "goose-train-bench"))
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    work = Path(opts.work)
    setup = tb.prepare(work)
    pairs = setup["pairs"].read_text().splitlines(keepends=True)
    held = setup["held_out"].read_text().splitlines(keepends=True)
    params = tb.params_of(setup["model"])
    ws = Workspace(Path(tempfile.mkdtemp(prefix="estimate-ws-", dir=work)))
    ws.ensure()
    probe_cache = Path(tempfile.mkdtemp(prefix="probe-cache-", dir=work))
    rows_out = []
    for n in (int(s) for s in opts.sizes.split(",")):
        data = tb.dataset(work / f"est-data-{n}", pairs[:n], held)
        out = work / f"est-{n}-{ws.root.name}"
        args = TrainArgs(model_path=str(setup["model"]), template="smollm2", dataset_dir=str(data), dataset=tb.TRAIN,
                         output_dir=str(out / "adapter"), recipe_path=str(out / "recipe.yaml"), use_cpu=True,
                         num_train_epochs=1.0, save_steps=100000)
        recipe = plan_training(args).recipe
        counts = dataset_tokens(data / "train.jsonl", setup["model"] / "tokenizer.json", int(recipe["cutoff_len"]))
        probe = estimate_seconds(counts, recipe, params, probe_cache)
        load = tb.load()
        result = train(args, ToolContext(workspace=ws))
        measured = result.duration_s
        row = {"rows": n, "tokens_planned": probe["tokens"], "steps": result.steps, "estimated_s": result.estimated_s,
               "probe_estimate_s": probe["seconds"], "measured_s": round(measured, 1),
               "error": round(result.estimated_s / measured - 1, 3) if result.estimated_s else None,
               "probe_error": round(probe["seconds"] / measured - 1, 3), "tokens_per_s": result.tokens_per_s,
               "load": load}
        rows_out.append(row)
        print(f"{n:4d} rows  estimated {row['estimated_s']:6.1f} s ({row['error']:+.0%})  probe-only "
              f"{row['probe_estimate_s']:6.1f} s ({row['probe_error']:+.0%})  measured {row['measured_s']:6.1f} s  "
              f"{row['tokens_per_s']} tok/s  load {load}", flush=True)
    print(f"load at the end {tb.load()}")
    if opts.json:
        print(json.dumps(rows_out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
