"""TRAIN: the base model made ready, then an adapter trained on the pairs with LLaMA-Factory.

The run's options become the train tool's arguments (method, Unsloth, custom hyper-parameters, memory cap,
plateau handling included). The result keeps what was substituted — by the run's Quick Recipe and by the
train tool on this machine — for the core's provenance, and the loss curve is copied into the run folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ...options import RunOptions
from ...tools.models import PrepareModelArgs
from ...tools.registry import ToolContext, call_tool
from ...tools.train import LOSS_CURVE, TrainArgs
from ...workspace import RunPaths
from ..state import RunState, TrainStep


def train_args(state: RunState, opts: RunOptions, model: Any, paths: RunPaths) -> TrainArgs:
    """The train tool's arguments for this run."""
    data = state["prepare"]
    return TrainArgs(
        model_path=model.model_path, template=model.template, dataset_dir=data.dataset_dir,
        dataset=data.dataset_name_train, output_dir=str(paths.output_dir), recipe_path=str(paths.recipe),
        preset=opts.preset, max_steps=opts.max_steps, num_train_epochs=opts.epochs, cutoff_len=opts.cutoff_len,
        learning_rate=opts.learning_rate, batch_size=opts.batch_size, seed=opts.seed, lora_rank=opts.lora_rank,
        bf16=opts.bf16, use_cpu=opts.use_cpu, method=opts.method, use_unsloth=opts.use_unsloth,
        hyperparameters=opts.hyperparameters, gradient_checkpointing=opts.gradient_checkpointing,
        memory_limit_mb=opts.train_memory_mb, stop_on_plateau=opts.stop_on_plateau)


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    for note in opts.substitutions:  # what the run's recipe could not have here, said before training
        ctx.progress(stage="substituted", **{k: note.get(k) for k in ("what", "asked", "used", "reason")})
    model = call_tool("prepare_model", PrepareModelArgs(model=opts.model, template=opts.template), ctx)
    trained = call_tool("train", train_args(state, opts, model, paths), ctx)
    curve = None
    if trained.loss_curve and Path(trained.loss_curve).is_file():
        curve = paths.run_dir / LOSS_CURVE
        try:
            shutil.copyfile(trained.loss_curve, curve)
        except OSError:
            curve = None
    notes = [dict(n) for n in opts.substitutions] + [n.record("train") for n in trained.substitutions]
    return TrainStep(model=model, trained=trained, substitutions=notes, loss_curve=str(curve) if curve else None)


def summary(result: Any) -> dict[str, Any]:
    trained = result.trained
    return {"adapter_path": trained.adapter_dir, "loss": trained.final_loss, "steps": trained.steps,
            "duration_s": trained.duration_s, "method": trained.method, "device": trained.device,
            "tokens_per_s": trained.tokens_per_s, "estimated_s": trained.estimated_s,
            "stopped_early": trained.stopped_early, "loss_curve": result.loss_curve,
            "substitutions": [n.get("label") for n in result.substitutions]}
