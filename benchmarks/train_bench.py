"""Shared parts of the training benchmarks (train_throughput, train_estimate, train_overhead): the embedded
model and a dataset of the embedded example's pairs, the studio's default recipe for them, one timed
trainer run, the held-out loss of an adapter (the same evaluation recipe for every variant), the matmul peak
and the machine's load average."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from goose_studio.tools.models import materialize_embedded  # noqa: E402
from goose_studio.tools.train import TrainArgs  # noqa: E402
from goose_studio.tools.train.process import trainer_env  # noqa: E402
from goose_studio.tools.train.queue import trainer_slot  # noqa: E402
from goose_studio.tools.train.recipe import plan_training  # noqa: E402

EXAMPLE = ROOT / "goose_studio" / "examples" / "minitask"
TRAIN, HELD_OUT = "bench_train", "bench_heldout"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def studio_cli() -> list[str]:
    exe = Path(sys.executable).with_name("goose-studio")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "goose_studio.cli"]


def prepare(work: Path) -> dict[str, Any]:
    """The embedded model (converted once into ``work``) and the example's pairs (``goose-studio prepare``)."""
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOOSE_STUDIO_HOME": str(work / "home"), "HF_HUB_OFFLINE": "1"}
    pairs = work / "pairs" / "train.jsonl"
    if not pairs.is_file():
        subprocess.run([*studio_cli(), "prepare", str(EXAMPLE), "--out", str(pairs), "--max-pairs", "400", "--json"],
                       env=env, check=True, capture_output=True)
    model = materialize_embedded(work / "home" / "cache")
    return {"model": model, "pairs": pairs, "held_out": pairs.with_name("train.eval.jsonl")}


def dataset(folder: Path, rows: list[str], held_out: list[str]) -> Path:
    """A dataset folder with ``rows`` as the training set and ``held_out`` as the evaluation set."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.jsonl").write_text("".join(rows))
    (folder / "heldout.jsonl").write_text("".join(held_out))
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    info = {TRAIN: {"file_name": "train.jsonl", "formatting": "alpaca", "columns": columns},
            HELD_OUT: {"file_name": "heldout.jsonl", "formatting": "alpaca", "columns": columns}}
    (folder / "dataset_info.json").write_text(json.dumps(info))
    return folder


def default_recipe(model: Path, data: Path, out: Path, **kw: Any) -> dict[str, Any]:
    """The recipe a `learn` run writes for this data on this machine (its default preset), checkpoints off."""
    args = TrainArgs(model_path=str(model), template="smollm2", dataset_dir=str(data), dataset=TRAIN,
                     output_dir=str(out), recipe_path=str(out.with_suffix(".yaml")), save_steps=100000, **kw)
    return plan_training(args).recipe


def run(cmd_of: Any, recipe: dict[str, Any], out: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Write the recipe, run ``cmd_of(recipe_path)`` to the end holding the CPU's trainer slot (the studio's
    queue, shared with every studio process here); wall time and the trainer log's figures."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    with trainer_slot("cpu", f"benchmark {out.name}"):  # one trainer on this CPU: studio runs wait meanwhile
        before = load()
        start = time.perf_counter()
        with (out / "train.log").open("wb") as log:
            proc = subprocess.run(cmd_of(path), env={**trainer_env(), **(env or {})}, stdout=log,
                                  stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"trainer failed ({proc.returncode}); see {out / 'train.log'}")
    rows = [json.loads(line) for line in (Path(recipe["output_dir"]) / "trainer_log.jsonl").read_text().splitlines()]
    results = json.loads((Path(recipe["output_dir"]) / "train_results.json").read_text())
    last = rows[-1]
    return {"wall_s": round(wall, 1), "train_s": round(results.get("train_runtime", 0.0), 1),
            "tokens": last.get("total_tokens"), "tokens_per_s": last.get("throughput"), "steps": last["current_steps"],
            "train_loss": round(results.get("train_loss", float("nan")), 4), "load": before}


def heldout_loss(recipe: dict[str, Any], out: Path) -> float:
    """The adapter's loss on the held-out pairs, by the same LLaMA-Factory evaluation for every variant."""
    from goose_studio.tools.train.process import llamafactory_command

    adapter = recipe["output_dir"]
    spec = {"model_name_or_path": recipe["model_name_or_path"], "adapter_name_or_path": adapter, "stage": "sft",
            "do_train": False, "do_eval": True, "finetuning_type": "lora", "eval_dataset": HELD_OUT,
            "dataset_dir": recipe["dataset_dir"], "template": recipe["template"], "cutoff_len": 1024,
            "per_device_eval_batch_size": 8, "output_dir": str(out / "eval"), "overwrite_cache": True,
            "preprocessing_num_workers": 1, "report_to": "none", "use_cpu": True, "bf16": recipe.get("bf16", False)}
    path = out / "eval.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    with trainer_slot("cpu", f"benchmark {out.name} eval"), (out / "eval.log").open("wb") as log:
        subprocess.run(llamafactory_command(path), env=trainer_env(), stdout=log, stderr=subprocess.STDOUT, check=True)
    return round(json.loads((out / "eval" / "all_results.json").read_text())["eval_loss"], 4)


def params_of(model: Path) -> int:
    from safetensors import safe_open

    total = 0
    for file in model.glob("*.safetensors"):
        with safe_open(str(file), "pt") as f:
            for key in f.keys():
                total += _prod(f.get_slice(key).get_shape())
    return total


def _prod(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def bf16_peak(size: int = 2048, seconds: float = 2.0) -> float:
    """This CPU's bf16 matmul rate now (FLOP/s), with torch at ``size``² (all threads)."""
    import torch

    a = torch.randn(size, size, dtype=torch.bfloat16)
    b = torch.randn(size, size, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        n += 1
    return 2 * size**3 * n / (time.perf_counter() - start)
