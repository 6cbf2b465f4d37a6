"""The studio's overhead in training: the train tool (recipe, estimate, queue, the trainer with its control
callback, following its log, the loss curve) against raw ``llamafactory-cli train`` on the same YAML,
alternated (studio, raw, raw, studio, ...) so the machine's load falls on both alike. Wall time of each,
from the call to the adapter on disk.

    .venv/bin/python benchmarks/train_overhead.py [--rows 48] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_bench as tb  # noqa: E402
from goose_studio.tools.registry import ToolContext  # noqa: E402
from goose_studio.tools.train import TrainArgs, train  # noqa: E402
from goose_studio.tools.train.process import llamafactory_command, trainer_env  # noqa: E402
from goose_studio.tools.train.queue import trainer_slot  # noqa: E402
from goose_studio.workspace import Workspace  # noqa: E402


class Timed(ToolContext):
    """A tool context that notes when the run queued for the trainer and when its trainer started."""

    def progress(self, **payload) -> None:
        stage = payload.get("stage")
        if stage == "queued" and not hasattr(self, "queued_at"):
            self.queued_at = time.perf_counter()
        elif stage == "starting trainer":
            self.started_at = time.perf_counter()


def studio(setup: dict, data: Path, out: Path, ws: Workspace) -> tuple[float, Path]:
    """The train tool's wall time, less any time it waited in the queue for another process's trainer."""
    args = TrainArgs(model_path=str(setup["model"]), template="smollm2", dataset_dir=str(data), dataset=tb.TRAIN,
                     output_dir=str(out / "adapter"), recipe_path=str(out / "recipe.yaml"), use_cpu=True,
                     num_train_epochs=1.0, save_steps=100000)
    ctx = Timed(workspace=ws)
    start = time.perf_counter()
    train(args, ctx)
    took = time.perf_counter() - start
    if hasattr(ctx, "queued_at"):
        took -= ctx.started_at - ctx.queued_at
    return took, out / "recipe.yaml"


def raw(recipe_path: Path, out: Path) -> float:
    """``llamafactory-cli train`` on the studio's YAML, holding the CPU's trainer slot (not timed: the wait)."""
    recipe = yaml.safe_load(recipe_path.read_text())
    recipe["output_dir"] = str(out / "adapter")  # the same YAML, another output folder
    out.mkdir(parents=True, exist_ok=True)
    path = out / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    with trainer_slot("cpu", f"benchmark {out.name}"), (out / "train.log").open("wb") as log:
        start = time.perf_counter()
        subprocess.run(llamafactory_command(path), env=trainer_env(), stdout=log, stderr=subprocess.STDOUT, check=True)
        return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=48)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "goose-train-bench"))
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    work = Path(opts.work)
    setup = tb.prepare(work)
    pairs = setup["pairs"].read_text().splitlines(keepends=True)[:opts.rows]
    held = setup["held_out"].read_text().splitlines(keepends=True)
    data = tb.dataset(work / f"overhead-data-{opts.rows}", pairs, held)
    ws = Workspace(Path(tempfile.mkdtemp(prefix="overhead-ws-", dir=work)))
    ws.ensure()
    times: dict[str, list[float]] = {"studio": [], "raw": []}
    recipe_path = None
    for r in range(opts.rounds):
        order = ("studio", "raw") if r % 2 == 0 else ("raw", "studio")
        for which in order:
            out = work / f"oh-{ws.root.name}-{which}-{r}"
            load = tb.load()
            if which == "studio":
                took, recipe_path = studio(setup, data, out, ws)
            else:
                assert recipe_path is not None  # round 0 starts with the studio, which writes the YAML
                took = raw(recipe_path, out)
            times[which].append(took)
            print(f"round {r} {which:6s} {took:6.1f} s  load {load}", flush=True)
    s, w = statistics.median(times["studio"]), statistics.median(times["raw"])
    print(f"studio median {s:.1f} s, raw llamafactory-cli median {w:.1f} s: {s / w:.3f}x  (load now {tb.load()})")
    if opts.json:
        print(json.dumps({"times": times, "ratio": round(s / w, 3)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
