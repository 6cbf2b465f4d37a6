"""The ``train`` tool: check the inputs, plan the recipe for this machine, wait for the device, run the
trainer, and report the adapter (with its loss curve, speed, and what was substituted).

What the trainer's exit means here: success (a final adapter; after a ``stop``, the best of it and the
saved checkpoints), a pause (a checkpoint, then a typed ``needs_user`` failure the Guide turns into
"resume?"), a plateau (a checkpoint, then ``low_quality`` with ``plateau`` in its details), NaN loss (the
checkpoints after the last good one are removed, so a resume starts from it), or a typed failure.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ...errors import FailureKind, ToolFailure
from ...workspace import write_atomic
from ..registry import ToolContext, tool
from .curve import draw_loss_curve
from .estimate import dataset_tokens, estimate_seconds, record_speed, speed_key
from .failures import classify_failure
from .launcher import DIVERGED_EXIT, DIVERGED_FILE, PAUSED_EXIT, PAUSED_FILE, read_control
from .methods import Substitution, model_params
from .process import CONTROL_FILE, Watch, diverged_failure, run_trainer, stop_stale_trainer, trainer_command
from .progress import losses, read_trainer_log, trim_log
from .queue import trainer_slot
from .recipe import ADAPTER_FILES, TrainArgs, TrainingPlan, plan_training, render_recipe

LOSS_CURVE = "loss_curve.png"
BEST_WINDOW = 4  # steps averaged when comparing the loss at a checkpoint with the loss at the end


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
    method: str = "lora"
    unsloth: bool = False
    substitutions: list[Substitution] = Field(default_factory=list)
    loss_curve: str | None = Field(None, description="PNG of the loss per step, drawn from the trainer's log.")
    tokens: int | None = Field(None, description="Tokens trained on (padding not counted).")
    tokens_per_s: float | None = None
    estimated_s: float | None = Field(None, description="The time estimated before training started.")
    stopped_early: str | None = Field(None, description="'stop' (asked) or 'plateau' when training ended early.")
    best_step: int | None = Field(None, description="After a stop: the step whose weights the adapter holds.")
    extracted: dict[str, Any] | None = Field(None, description="Full fine-tuning: the LoRA taken from it.")


def last_checkpoint(output_dir: Path) -> str | None:
    """The newest ``checkpoint-<step>`` folder in ``output_dir``, if any."""
    ckpts = checkpoints(output_dir)
    return str(ckpts[-1]) if ckpts else None


def checkpoints(output_dir: Path, complete: bool = True) -> list[Path]:
    """The ``checkpoint-<step>`` folders, oldest first; only those the trainer finished writing (its state
    file is written last) unless ``complete`` is False."""
    found = (p for p in output_dir.glob("checkpoint-*") if p.name.split("-")[-1].isdigit())
    return sorted((p for p in found if not complete or (p / "trainer_state.json").is_file()),
                  key=lambda p: int(p.name.split("-")[-1]))


def remove_partial_checkpoints(output_dir: Path) -> list[str]:
    """Remove the checkpoints a failed write left half-written (after a full disk); say which."""
    done = set(checkpoints(output_dir))
    partial = [p for p in checkpoints(output_dir, complete=False) if p not in done]
    for p in partial:
        shutil.rmtree(p, ignore_errors=True)
    return [str(p) for p in partial]


def step_of(checkpoint: str | Path | None) -> int | None:
    return int(Path(checkpoint).name.split("-")[-1]) if checkpoint else None


def _check_inputs(args: TrainArgs) -> None:
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


def _paused(output_dir: Path, step: int | None, checkpoint: str | None) -> ToolFailure:
    return ToolFailure(FailureKind.needs_user, f"Training is paused at step {step or 0}"
                       + ("; its checkpoint is saved." if checkpoint else " (nothing trained yet)."),
                       hint="Resume it (`goose-studio train resume <run>`); it continues from the checkpoint.",
                       details={"paused": True, "step": step or 0, "checkpoint": checkpoint,
                                "output_dir": str(output_dir)})


def _estimate(args: TrainArgs, plan: TrainingPlan, ctx: ToolContext) -> dict[str, Any] | None:
    try:
        info = json.loads((Path(args.dataset_dir) / "dataset_info.json").read_text())[args.dataset]
        counts = dataset_tokens(Path(args.dataset_dir) / info["file_name"], Path(args.model_path) / "tokenizer.json",
                                int(plan.recipe["cutoff_len"]))
        return estimate_seconds(counts, plan.recipe, model_params(args.model_path), ctx.workspace.cache)
    except Exception:  # an estimate is a nicety: never the reason a run fails
        return None


def _clean_after_nan(output_dir: Path, failure: ToolFailure) -> ToolFailure:
    """Remove the checkpoints whose weights gave a diverged loss (the loss at step ``k`` is computed with the
    weights of checkpoint ``k - 1``); say which one is left."""
    bad_from = int(failure.details.get("step") or 0)
    for ckpt in checkpoints(output_dir):
        if step_of(ckpt) >= bad_from - 1:
            shutil.rmtree(ckpt, ignore_errors=True)
    good = last_checkpoint(output_dir)
    failure.details.update(last_good_checkpoint=good, last_good_step=step_of(good))
    failure.hint = ("The run resumes from the last good checkpoint with a lower learning rate."
                    if good else "The run starts over with a lower learning rate.")
    return failure


def _keep_best(output_dir: Path, rows: list[dict[str, Any]]) -> int | None:
    """After a stop: the adapter of the step with the lowest recent loss (a checkpoint, or the end)."""
    seen = losses(rows)
    if not seen:
        return None

    def loss_at(step: int) -> float:
        near = [v for s, v in seen if step - BEST_WINDOW < s <= step]
        return sum(near) / len(near) if near else float("inf")

    end = seen[-1][0]
    best, best_loss = end, loss_at(end)
    for ckpt in checkpoints(output_dir):
        step = step_of(ckpt)
        if all((ckpt / f).is_file() for f in ADAPTER_FILES) and loss_at(step) < best_loss:
            best, best_loss = step, loss_at(step)
    if best != end:
        for name in ADAPTER_FILES:
            shutil.copy2(output_dir / f"checkpoint-{best}" / name, output_dir / name)
    return best


@tool("train", tab="train", primary=True)
def train(args: TrainArgs, ctx: ToolContext) -> TrainResult:
    """Fine-tune a LoRA adapter with LLaMA-Factory on a prepared dataset (resumes from its last checkpoint)."""
    _check_inputs(args)
    output_dir, recipe_path = Path(args.output_dir), Path(args.recipe_path)
    output_dir.mkdir(parents=True, exist_ok=True)
    stale = stop_stale_trainer(output_dir)
    if stale:
        ctx.progress(stage="stopped a trainer left over from a crashed run", pid=stale)
    plan = plan_training(args)
    recipe = plan.recipe
    write_atomic(recipe_path, render_recipe(recipe, output_dir.name))
    control = output_dir / CONTROL_FILE
    resumed_from = last_checkpoint(output_dir)
    if read_control(control) == "pause":  # paused while it waited: nothing to train until resumed
        control.unlink(missing_ok=True)
        raise _paused(output_dir, step_of(resumed_from), resumed_from)
    control.unlink(missing_ok=True)
    for marker in (PAUSED_FILE, DIVERGED_FILE):
        (output_dir / marker).unlink(missing_ok=True)
    trainer_log = output_dir / "trainer_log.jsonl"
    trim_log(trainer_log, step_of(resumed_from))  # a resumed trainer appends after its checkpoint's step
    done = all((output_dir / f).is_file() for f in ADAPTER_FILES) and (output_dir / "train_results.json").is_file()
    if done:
        return result_of(args, output_dir, recipe_path, trainer_log, read_trainer_log(trainer_log), 0.0,
                         resumed_from, recipe, plan)
    for note in plan.substitutions:
        ctx.progress(stage="substituted", **note.model_dump())
    estimate = _estimate(args, plan, ctx)
    log_path = Path(args.recipe_path).parent / "logs" / "train.log"
    label = ctx.run_id or output_dir.name
    with trainer_slot(plan.device, label, on_wait=lambda n: ctx.progress(stage="queued", position=n)):
        ctx.progress(stage="starting trainer", resumed_from=resumed_from, method=plan.method, device=plan.device,
                     unsloth=plan.unsloth, estimate_s=estimate and estimate["seconds"])
        watch = Watch(idle_s=args.idle_s, stall_s=args.stall_s, control_path=control,
                      memory_limit_mb=args.memory_limit_mb, detect_plateau=True, gpu=plan.device == "cuda",
                      plateau_action="stop" if args.stop_on_plateau else "checkpoint")
        start = time.monotonic()
        try:
            rc, rows = run_trainer(trainer_command(recipe_path), log_path, trainer_log, args.timeout_s, ctx, watch=watch)
        except ToolFailure as failure:
            if failure.kind is FailureKind.nan_loss:
                raise _clean_after_nan(output_dir, failure) from None
            if failure.kind is FailureKind.timeout:
                failure.details["checkpoint"] = last_checkpoint(output_dir)
            raise
        duration = time.monotonic() - start
        ctx.progress(stage="trainer finished", exit_code=rc)
    asked = read_control(control)
    control.unlink(missing_ok=True)
    if rc == PAUSED_EXIT:
        return _after_checkpoint_exit(output_dir, rows)
    if rc == DIVERGED_EXIT:  # the trainer stopped itself on a diverged loss, before saving that step
        try:
            bad = json.loads((output_dir / DIVERGED_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            bad = {"step": max((r.get("current_steps") or 0 for r in rows), default=0)}
        raise _clean_after_nan(output_dir, diverged_failure(bad))
    if rc != 0:
        tail = log_path.read_text(errors="replace")[-6000:] if log_path.exists() else ""
        failure = classify_failure(rc, tail, output_dir)
        if failure.kind is FailureKind.disk_full:
            failure.details["removed_partial"] = remove_partial_checkpoints(output_dir)
        if plan.unsloth and "unsloth" in tail.lower():
            failure.details["unsloth"] = True
        raise failure
    missing = [f for f in ADAPTER_FILES if not (output_dir / f).is_file()] if plan.method != "full" else []
    if missing:
        raise ToolFailure(FailureKind.train_failed, f"Training finished but wrote no {', '.join(missing)}.",
                          hint="See the training log in the run folder.", details={"output_dir": str(output_dir)})
    result = result_of(args, output_dir, recipe_path, trainer_log, rows, duration, resumed_from, recipe, plan)
    if asked == "stop":
        result.stopped_early = "plateau" if watch.plateau_seen else "stop"
        result.best_step = _keep_best(output_dir, rows) if plan.method != "full" else result.steps
    if plan.method == "full":
        result.extracted = _extract(args, output_dir, recipe)
    if estimate:
        result.estimated_s = estimate["seconds"]
        if result.tokens and result.tokens_per_s:
            record_speed(ctx.workspace.cache, speed_key(recipe, model_params(args.model_path)), result.tokens_per_s,
                         max(0.0, duration - result.tokens / result.tokens_per_s))
    return result


def _after_checkpoint_exit(output_dir: Path, rows: list[dict[str, Any]]) -> TrainResult:
    """The trainer saved a checkpoint and exited on purpose: a pause, or a plateau."""
    try:
        marker = json.loads((output_dir / PAUSED_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        marker = {}
    (output_dir / PAUSED_FILE).unlink(missing_ok=True)
    draw_curve(output_dir, rows)
    step, checkpoint = marker.get("step"), marker.get("checkpoint")
    if marker.get("action") == "checkpoint":
        seen = losses(rows)
        raise ToolFailure(FailureKind.low_quality, f"The training loss stopped going down by step {step}.",
                          hint="Try a higher learning rate from the checkpoint, or more (or cleaner) data.",
                          details={"plateau": True, "step": step, "checkpoint": checkpoint,
                                   "first_loss": seen[0][1] if seen else None,
                                   "recent_loss": seen[-1][1] if seen else None})
    raise _paused(output_dir, step, checkpoint)


def _extract(args: TrainArgs, output_dir: Path, recipe: dict[str, Any]) -> dict[str, Any]:
    from .extract import extract_lora

    rank = int(args.lora_rank or args.hyperparameters.get("lora_rank") or 16)
    try:
        return extract_lora(Path(args.model_path), output_dir, output_dir, rank)
    except (OSError, ValueError) as exc:
        raise ToolFailure(FailureKind.train_failed, f"The full fine-tune could not be turned into an adapter: {exc}",
                          hint="Train with --method lora.", details={"output_dir": str(output_dir)}) from None


def draw_curve(output_dir: Path, rows: list[dict[str, Any]]) -> str | None:
    """The loss curve PNG beside the adapter (None when there is no loss yet or it cannot be written)."""
    try:
        path = draw_loss_curve(rows, output_dir / LOSS_CURVE)
    except (OSError, ValueError, RuntimeError):
        return None
    return str(path) if path else None


def result_of(args: TrainArgs, output_dir: Path, recipe_path: Path, trainer_log: Path, rows: list[dict[str, Any]],
              duration: float, resumed_from: str | None, recipe: dict[str, Any],
              plan: TrainingPlan | None = None) -> TrainResult:
    """The tool's result from the trainer's log rows (and its ``train_results.json`` when nothing ran now)."""
    found = [r["loss"] for r in rows if isinstance(r.get("loss"), (int, float))]
    steps = max((r.get("current_steps", 0) for r in rows), default=0)
    total = max((r.get("total_steps", 0) for r in rows), default=0)
    results_file = output_dir / "train_results.json"
    runtime = None
    if results_file.exists():
        try:
            runtime = float(json.loads(results_file.read_text()).get("train_runtime", 0.0)) or None
        except (OSError, json.JSONDecodeError, ValueError):
            pass
    if not duration and runtime:
        duration = runtime
    tokens = max((r.get("total_tokens") or 0 for r in rows), default=0) or None
    rate = next((r["throughput"] for r in reversed(rows) if r.get("throughput")), None)
    if tokens and runtime and not resumed_from:
        rate = tokens / runtime  # over the whole run, not since the first step
    curve = draw_curve(output_dir, rows)
    return TrainResult(
        adapter_dir=str(output_dir), recipe_path=str(recipe_path), trainer_log=str(trainer_log), steps=steps,
        total_steps=total, final_loss=found[-1] if found else None, first_loss=found[0] if found else None,
        duration_s=round(duration, 2), resumed_from=resumed_from, device="cpu" if recipe.get("use_cpu") else "cuda",
        log_path=str(Path(args.recipe_path).parent / "logs" / "train.log"),
        method=plan.method if plan else ("full" if recipe.get("finetuning_type") == "full" else "lora"),
        unsloth=bool(recipe.get("use_unsloth")), substitutions=list(plan.substitutions) if plan else [],
        loss_curve=curve, tokens=tokens, tokens_per_s=round(rate, 2) if rate else None,
    )


def clear_output(output_dir: Path) -> None:
    """Remove a training output folder (adapter, checkpoints, log)."""
    shutil.rmtree(output_dir, ignore_errors=True)
