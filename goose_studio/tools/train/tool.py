"""The ``train`` tool: check the inputs, write the recipe, run the trainer, and report the adapter."""

from __future__ import annotations

import importlib.util
import json
import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ...errors import FailureKind, ToolFailure
from ...workspace import write_atomic
from ..registry import ToolContext, tool
from .failures import classify_failure
from .process import run_trainer, stop_stale_trainer, trainer_command
from .progress import read_trainer_log
from .recipe import ADAPTER_FILES, TrainArgs, build_recipe, render_recipe


class TrainResult(BaseModel):
    adapter_dir: str
    recipe_path: str
    trainer_log: str
    steps: int
    total_steps: int
    final_loss: float | None
    first_loss: float | None
    duration_s: float
    resumed_from: str | None = None
    device: str
    log_path: str


def last_checkpoint(output_dir: Path) -> str | None:
    """The newest ``checkpoint-<step>`` folder in ``output_dir``, if any."""
    ckpts = sorted((p for p in output_dir.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()),
                   key=lambda p: int(p.name.split("-")[-1]))
    return str(ckpts[-1]) if ckpts else None


@tool("train", tab="train", primary=True)
def train(args: TrainArgs, ctx: ToolContext) -> TrainResult:
    """Fine-tune a LoRA adapter with LLaMA-Factory on a prepared dataset (resumes from its last checkpoint)."""
    model_path, dataset_dir = Path(args.model_path), Path(args.dataset_dir)
    if not (model_path / "config.json").is_file():
        raise ToolFailure(FailureKind.not_found, f"No model folder at {model_path}.", hint="Run prepare_model first.")
    info_path = dataset_dir / "dataset_info.json"
    try:
        info = json.loads(info_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ToolFailure(FailureKind.not_found, f"No readable dataset_info.json in {dataset_dir} ({exc}).",
                          hint="Run generate_pairs first.") from None
    if args.dataset not in info:
        raise ToolFailure(FailureKind.invalid_input, f"Dataset '{args.dataset}' is not in {info_path}.",
                          hint="Known datasets: " + ", ".join(sorted(info)))
    if importlib.util.find_spec("llamafactory") is None:  # located, not imported: the trainer is a child process
        raise ToolFailure(FailureKind.missing_dependency, "LLaMA-Factory is not installed.",
                          hint="Run `bash scripts/setup.sh`, then resume.")

    output_dir, recipe_path = Path(args.output_dir), Path(args.recipe_path)
    output_dir.mkdir(parents=True, exist_ok=True)
    stale = stop_stale_trainer(output_dir)
    if stale:
        ctx.progress(stage="stopped a trainer left over from a crashed run", pid=stale)
    recipe = build_recipe(args)
    write_atomic(recipe_path, render_recipe(recipe, output_dir.name))
    trainer_log = output_dir / "trainer_log.jsonl"
    resumed_from = last_checkpoint(output_dir)
    if resumed_from is None and trainer_log.exists():
        trainer_log.unlink()  # a run that saved nothing starts over
    if all((output_dir / f).is_file() for f in ADAPTER_FILES) and (output_dir / "train_results.json").is_file():
        rows = read_trainer_log(trainer_log)
        return result_of(args, output_dir, recipe_path, trainer_log, rows, 0.0, resumed_from, recipe)

    log_path = Path(args.recipe_path).parent / "logs" / "train.log"
    ctx.progress(stage="starting trainer", resumed_from=resumed_from)
    start = time.monotonic()
    rc, rows = run_trainer(trainer_command(recipe_path), log_path, trainer_log, args.timeout_s, ctx)
    duration = time.monotonic() - start
    if rc != 0:
        tail = log_path.read_text(errors="replace")[-6000:] if log_path.exists() else ""
        raise classify_failure(rc, tail)
    missing = [f for f in ADAPTER_FILES if not (output_dir / f).is_file()]
    if missing:
        raise ToolFailure(FailureKind.train_failed, f"Training finished but wrote no {', '.join(missing)}.",
                          hint="See the training log in the run folder.", details={"output_dir": str(output_dir)})
    return result_of(args, output_dir, recipe_path, trainer_log, rows, duration, resumed_from, recipe)


def result_of(args: TrainArgs, output_dir: Path, recipe_path: Path, trainer_log: Path, rows: list[dict[str, Any]],
              duration: float, resumed_from: str | None, recipe: dict[str, Any]) -> TrainResult:
    """The tool's result from the trainer's log rows (and its ``train_results.json`` when nothing ran now)."""
    losses = [r["loss"] for r in rows if isinstance(r.get("loss"), (int, float))]
    steps = max((r.get("current_steps", 0) for r in rows), default=0)
    total = max((r.get("total_steps", 0) for r in rows), default=0)
    results_file = output_dir / "train_results.json"
    if results_file.exists() and not duration:
        try:
            duration = float(json.loads(results_file.read_text()).get("train_runtime", 0.0))
        except (OSError, json.JSONDecodeError, ValueError):
            pass
    return TrainResult(
        adapter_dir=str(output_dir), recipe_path=str(recipe_path), trainer_log=str(trainer_log), steps=steps,
        total_steps=total, final_loss=losses[-1] if losses else None, first_loss=losses[0] if losses else None,
        duration_s=round(duration, 2), resumed_from=resumed_from, device="cpu" if recipe.get("use_cpu") else "cuda",
        log_path=str(Path(args.recipe_path).parent / "logs" / "train.log"),
    )


def clear_output(output_dir: Path) -> None:
    """Remove a training output folder (adapter, checkpoints, log)."""
    shutil.rmtree(output_dir, ignore_errors=True)
