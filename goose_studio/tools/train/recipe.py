"""The LLaMA-Factory recipe a training run writes: the train tool's arguments, the machine's defaults
(CPU or CUDA, bfloat16 or not) and the preset's values, as a plain LLaMA-Factory config.

``llamafactory-cli train recipe.yaml`` accepts a rendered recipe unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from ...presets import DEFAULT_PRESET, PresetName, preset

ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")


class TrainArgs(BaseModel):
    model_path: str = Field(description="Local Hugging Face model folder (see prepare_model).")
    template: str = Field(description="LLaMA-Factory chat template, e.g. 'smollm2'.")
    dataset_dir: str = Field(description="Folder with dataset_info.json and the JSONL files.")
    dataset: str = Field(description="Name of the training set in dataset_info.json.")
    output_dir: str = Field(description="Where the adapter, checkpoints and trainer_log.jsonl are written.")
    recipe_path: str = Field(description="Where the LLaMA-Factory YAML recipe is written.")
    preset: PresetName = DEFAULT_PRESET
    num_train_epochs: float | None = Field(None, gt=0)
    max_steps: int | None = Field(None, gt=0)
    cutoff_len: int | None = Field(None, ge=32, le=32768)
    lora_rank: int | None = Field(None, ge=1, le=512)
    lora_alpha: int | None = Field(None, ge=1)
    learning_rate: float | None = Field(None, gt=0, lt=1)
    batch_size: int | None = Field(None, ge=1, description="Per-device batch; default 1 on CPU (no padding, least memory), 4 on GPU.")
    gradient_accumulation_steps: int | None = Field(None, ge=1, description="Default: an effective batch of 4.")
    bf16: bool | None = Field(None, description="Train in bfloat16; default: on when the CPU or GPU supports it.")
    use_cpu: bool | None = Field(None, description="Force CPU training; default: CPU when no CUDA GPU is present.")
    save_steps: int = Field(20, ge=1)
    seed: int = 42
    timeout_s: int = Field(6 * 3600, ge=10)
    overrides: dict[str, Any] = Field(default_factory=dict, description="Extra LLaMA-Factory keys, applied last.")


def cuda_available() -> bool:
    """Whether a CUDA GPU can train here (the driver answers and torch sees a device)."""
    try:  # ask the driver first: importing torch costs the caller ~300 MB it does not otherwise need
        import pynvml

        pynvml.nvmlInit()
        pynvml.nvmlShutdown()
    except Exception:
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:
        return False


def cpu_bf16_ok() -> bool:
    """Whether this CPU has bfloat16 instructions (AVX-512 BF16, AMX or at least AVX-512BW)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f in flags for f in ("avx512_bf16", "amx_bf16", "avx512bw"))


def build_recipe(args: TrainArgs) -> dict[str, Any]:
    """The LLaMA-Factory config for these arguments (plain keys LLaMA-Factory knows, nothing else)."""
    values = preset(args.preset).values()
    for key in ("num_train_epochs", "max_steps", "cutoff_len", "lora_rank", "lora_alpha", "learning_rate"):
        value = getattr(args, key)
        if value is not None:
            values[key] = value
    use_cpu = (not cuda_available()) if args.use_cpu is None else args.use_cpu
    bf16 = (cpu_bf16_ok() if use_cpu else True) if args.bf16 is None else args.bf16
    batch = args.batch_size or (1 if use_cpu else 4)
    accumulation = args.gradient_accumulation_steps or max(1, 4 // batch)
    recipe: dict[str, Any] = {
        "model_name_or_path": args.model_path,
        "trust_remote_code": False,
        "stage": "sft",
        "do_train": True,
        "finetuning_type": "lora",
        "lora_target": "all",
        "lora_rank": values["lora_rank"],
        "lora_alpha": values["lora_alpha"],
        "lora_dropout": 0.05,
        "dataset": args.dataset,
        "dataset_dir": args.dataset_dir,
        "template": args.template,
        "cutoff_len": values["cutoff_len"],
        "overwrite_cache": True,
        "preprocessing_num_workers": 1,
        "dataloader_num_workers": 0,
        "output_dir": args.output_dir,
        "logging_steps": 1,
        "save_steps": args.save_steps,
        "save_total_limit": 2,
        "plot_loss": False,
        "overwrite_output_dir": False,
        "report_to": "none",
        "per_device_train_batch_size": batch,
        "gradient_accumulation_steps": accumulation,
        "learning_rate": values["learning_rate"],
        "lr_scheduler_type": "cosine",
        "warmup_ratio": 0.1,
        "seed": args.seed,
        "data_seed": args.seed,
        "bf16": bf16,
        "use_cpu": use_cpu,
    }
    if use_cpu:
        # Small models on a CPU: recomputing activations costs ~10% time and saves memory nobody needs.
        recipe["disable_gradient_checkpointing"] = True
    if "max_steps" in values:
        recipe["max_steps"] = values["max_steps"]
    else:
        recipe["num_train_epochs"] = values["num_train_epochs"]
    recipe.update(args.overrides)
    return recipe


def render_recipe(recipe: dict[str, Any], name: str = "goose-studio") -> str:
    """The recipe as YAML with a header saying how to run it by hand."""
    header = (
        f"# Goose Studio training recipe: {name}\n"
        "# A plain LLaMA-Factory config. Run it by hand with:\n"
        "#   llamafactory-cli train recipe.yaml\n"
    )
    return header + yaml.safe_dump(recipe, sort_keys=False)
