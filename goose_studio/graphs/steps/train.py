"""TRAIN: the base model made ready, then a LoRA trained on the pairs with LLaMA-Factory."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ...options import RunOptions
from ...tools.registry import ToolContext, call_tool
from ...workspace import RunPaths
from ..state import RunState
from ...tools.models import PrepareModelArgs
from ...tools.train import TrainArgs
from ..state import TrainStep


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    data = state["prepare"]
    model = call_tool("prepare_model", PrepareModelArgs(model=opts.model, template=opts.template), ctx)
    extra = {"use_unsloth": opts.use_unsloth} if opts.use_unsloth is not None else {}
    trained = call_tool("train", TrainArgs(
        model_path=model.model_path, template=model.template, dataset_dir=data.dataset_dir,
        dataset=data.dataset_name_train, output_dir=str(paths.output_dir), recipe_path=str(paths.recipe),
        preset=opts.preset, max_steps=opts.max_steps, num_train_epochs=opts.epochs, cutoff_len=opts.cutoff_len,
        learning_rate=opts.learning_rate, batch_size=opts.batch_size, seed=opts.seed, lora_rank=opts.lora_rank,
        bf16=opts.bf16, use_cpu=opts.use_cpu, overrides=extra), ctx)
    return TrainStep(model=model, trained=trained)


def summary(result: Any) -> dict[str, Any]:
    trained = result.trained
    return {"adapter_path": trained.adapter_dir, "loss": trained.final_loss, "steps": trained.steps,
            "duration_s": trained.duration_s}
