"""The LLaMA-Factory recipe a training run writes: the train tool's arguments, the machine's defaults
(CPU or CUDA, bfloat16 or not), the method and the preset's values, as a plain LLaMA-Factory config.

Values are layered: the preset's, then custom hyper-parameters, then the explicit arguments (a run's
options, which repairs change), then ``overrides``. ``llamafactory-cli train recipe.yaml`` accepts a rendered
recipe unchanged. :func:`plan_training` also says what it substituted on this machine (a method that
cannot run here, Unsloth, precision).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, field_validator

from ...presets import DEFAULT_PRESET, Method, PresetName, parse_hyperparameters, preset
from .methods import Substitution, choose_bf16, choose_method, choose_unsloth

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
    batch_size: int | None = Field(None, ge=1, description="Per-device batch; default 4 (on CPU, rows of like length "
                                                           "batched together: more tokens/s than 1 row at a time).")
    gradient_accumulation_steps: int | None = Field(None, ge=1, description="Default: an effective batch of 4.")
    bf16: bool | None = Field(None, description="Train in bfloat16; default: on when the CPU or GPU supports it.")
    use_cpu: bool | None = Field(None, description="Force CPU training; default: CPU when no CUDA GPU is present.")
    method: Method | None = Field(None, description="qlora-4bit (CUDA), lora (16-bit) or full; default: "
                                                     "qlora-4bit on a CUDA GPU with bitsandbytes, else lora.")
    use_unsloth: bool | None = Field(None, description="Train through Unsloth; default: when CUDA and Unsloth are "
                                                       "installed and the model type is covered.")
    hyperparameters: dict[str, Any] = Field(default_factory=dict,
                                            description="Custom hyper-parameters (LLaMA-Factory names), checked.")
    gradient_checkpointing: bool | None = Field(None, description="Recompute activations to save memory; default "
                                                                  "off on CPU, on on GPU.")
    save_steps: int = Field(20, ge=1)
    seed: int = 42
    timeout_s: int = Field(6 * 3600, ge=10)
    memory_limit_mb: int | None = Field(None, ge=256, description="Cap on the trainer's memory (it is stopped, "
                                                                  "as out of memory, above it).")
    idle_s: float = Field(120.0, gt=0, description="Watchdog: a trainer that uses no CPU and logs nothing for "
                                                   "this long is hung (stopped, e.g. SIGSTOP, or deadlocked).")
    stall_s: float = Field(1800.0, gt=0, description="Watchdog: a trainer that logs no step for this long is hung.")
    stop_on_plateau: bool = Field(False, description="When the loss does not go down, stop and keep the adapter "
                                                     "(otherwise: save a checkpoint and report the plateau).")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Extra LLaMA-Factory keys, applied last.")

    @field_validator("hyperparameters", mode="before")
    @classmethod
    def _checked(cls, value: Any) -> dict[str, Any]:
        return parse_hyperparameters(value)


class TrainingPlan(BaseModel):
    """What a training run does here: the recipe, the method and device, and what was substituted."""

    recipe: dict[str, Any]
    method: Method
    unsloth: bool
    device: str
    substitutions: list[Substitution] = Field(default_factory=list)


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


# Keys the explicit arguments set (argument name -> recipe key); they win over preset and custom values.
EXPLICIT_KEYS = {"num_train_epochs": "num_train_epochs", "max_steps": "max_steps", "cutoff_len": "cutoff_len",
                 "lora_rank": "lora_rank", "lora_alpha": "lora_alpha", "learning_rate": "learning_rate",
                 "batch_size": "per_device_train_batch_size",
                 "gradient_accumulation_steps": "gradient_accumulation_steps"}
LORA_ONLY = ("lora_target", "lora_rank", "lora_alpha", "lora_dropout")
# A batch of 4 (the same effective batch as 1 row x 4 accumulated) trains the embedded model on a 2-core CPU
# 1.26x faster at one thread and 2-4x at two on a loaded machine, held-out loss within 0.6% of the 1 x 4
# recipe's (benchmarks/train_throughput.py).
DEFAULT_BATCH = 4
FULL_LEARNING_RATE = 1.0e-5  # full fine-tuning moves every weight: a LoRA rate would wreck the model


def _values(args: TrainArgs, method: Method) -> dict[str, Any]:
    """Training values layered: preset, custom hyper-parameters, explicit arguments."""
    values = preset(args.preset).values()
    custom = dict(args.hyperparameters)
    if "max_steps" in custom or "num_train_epochs" in custom:  # a length given by hand replaces the preset's
        values.pop("max_steps", None)
        values.pop("num_train_epochs", None)
    values.update(custom)
    if method == "full" and "learning_rate" not in custom and args.learning_rate is None:
        values["learning_rate"] = FULL_LEARNING_RATE
    for name, key in EXPLICIT_KEYS.items():
        value = getattr(args, name)
        if value is not None:
            values[key] = value
    if args.max_steps is not None:
        values.pop("num_train_epochs", None)
    elif args.num_train_epochs is not None:
        values.pop("max_steps", None)
    return values


def plan_training(args: TrainArgs) -> TrainingPlan:
    """The recipe for these arguments on this machine, and what had to be substituted."""
    use_cpu = (not cuda_available()) if args.use_cpu is None else args.use_cpu
    method, method_note = choose_method(args.method, not use_cpu, args.model_path)
    unsloth, unsloth_note = choose_unsloth(args.use_unsloth, not use_cpu, args.model_path)
    bf16, bf16_note = choose_bf16(args.bf16, use_cpu, cpu_bf16_ok())
    values = _values(args, method)
    batch = values.pop("per_device_train_batch_size", None) or DEFAULT_BATCH
    accumulation = values.pop("gradient_accumulation_steps", None) or max(1, 4 // batch)
    recipe: dict[str, Any] = {
        "model_name_or_path": args.model_path,
        "trust_remote_code": False,
        "stage": "sft",
        "do_train": True,
        "finetuning_type": "full" if method == "full" else "lora",
        "lora_target": "all",
        "lora_rank": values.pop("lora_rank"),
        "lora_alpha": values.pop("lora_alpha"),
        "lora_dropout": values.pop("lora_dropout", 0.05),
        "dataset": args.dataset,
        "dataset_dir": args.dataset_dir,
        "template": args.template,
        "cutoff_len": values.pop("cutoff_len"),
        "overwrite_cache": True,
        "preprocessing_num_workers": 1,
        "dataloader_num_workers": 0,
        "output_dir": args.output_dir,
        "logging_steps": 1,
        "save_steps": values.pop("save_steps", args.save_steps),
        "save_total_limit": 3,  # the last good one survives a divergence caught within a few steps
        "plot_loss": False,
        "overwrite_output_dir": False,
        "report_to": "none",
        "include_num_input_tokens_seen": "non_padding",
        "per_device_train_batch_size": batch,
        "gradient_accumulation_steps": accumulation,
        "learning_rate": values.pop("learning_rate"),
        "lr_scheduler_type": values.pop("lr_scheduler_type", "cosine"),
        "warmup_ratio": values.pop("warmup_ratio", 0.1),
        "seed": values.pop("seed", args.seed),
        "data_seed": args.seed,
        "bf16": bf16,
        "use_cpu": use_cpu,
    }
    if use_cpu and batch > 1 and not values.get("packing"):
        # Rows of like length in one batch: little padding, and larger matrix products than one row at a time.
        recipe["train_sampling_strategy"] = "group_by_length"
    if method == "full":
        for key in LORA_ONLY:
            recipe.pop(key, None)
    if method == "qlora-4bit":
        recipe.update(quantization_bit=4, quantization_method="bnb", double_quantization=True)
    if unsloth:
        recipe["use_unsloth"] = True
    checkpointing = (not use_cpu) if args.gradient_checkpointing is None else args.gradient_checkpointing
    if not checkpointing:
        # Small models on a CPU: recomputing activations costs ~10% time and saves memory nobody needs.
        recipe["disable_gradient_checkpointing"] = True
    if "max_steps" in values:
        recipe["max_steps"] = values.pop("max_steps")
    else:
        recipe["num_train_epochs"] = values.pop("num_train_epochs")
    recipe.update(values)  # the remaining custom keys (packing, weight_decay, ...)
    recipe.update(args.overrides)
    notes = [n for n in (method_note, unsloth_note, bf16_note) if n is not None]
    return TrainingPlan(recipe=recipe, method=method, unsloth=bool(recipe.get("use_unsloth")),
                        device="cpu" if use_cpu else "cuda", substitutions=notes)


def build_recipe(args: TrainArgs) -> dict[str, Any]:
    """The LLaMA-Factory config for these arguments (plain keys LLaMA-Factory knows, nothing else)."""
    return plan_training(args).recipe


def render_recipe(recipe: dict[str, Any], name: str = "goose-studio") -> str:
    """The recipe as YAML with a header saying how to run it by hand."""
    header = (
        f"# Goose Studio training recipe: {name}\n"
        "# A plain LLaMA-Factory config. Run it by hand with:\n"
        "#   llamafactory-cli train recipe.yaml\n"
    )
    return header + yaml.safe_dump(recipe, sort_keys=False)
