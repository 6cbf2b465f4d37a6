"""Training presets, read from ``recipes/presets.yaml`` (the one place they are defined), the training
methods, and custom hyper-parameters.

A preset is a named set of LLaMA-Factory recipe keys (epochs or steps, LoRA rank and alpha, learning rate,
cutoff, ...). The CLI's ``--preset`` choices, the MCP schemas' enum, the train tool and the run graph all read
them from here. :class:`Hyperparameters` is every key a user may set by hand (the Custom preset's
``--custom KEY=VALUE``), with its bounds; :func:`parse_hyperparameters` checks a set of them and reports
every problem at once.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import FailureKind, ToolFailure

PRESETS_FILE = "presets.yaml"
DEFAULT_PRESET = "quick"

#: Training methods: QLoRA (4-bit base weights, bitsandbytes on CUDA), LoRA (16-bit), full fine-tuning.
Method = Literal["qlora-4bit", "lora", "full"]
METHODS: tuple[str, ...] = ("qlora-4bit", "lora", "full")
SchedulerName = Literal["linear", "cosine", "cosine_with_restarts", "polynomial", "constant",
                        "constant_with_warmup", "inverse_sqrt"]


class PresetRecipe(BaseModel):
    """The recipe keys a preset may set (LLaMA-Factory's names)."""

    model_config = ConfigDict(extra="forbid")

    num_train_epochs: float | None = Field(None, gt=0)
    max_steps: int | None = Field(None, gt=0)
    lora_rank: int = Field(ge=1, le=512)
    lora_alpha: int = Field(ge=1)
    learning_rate: float = Field(gt=0, lt=1)
    cutoff_len: int = Field(ge=32, le=32768)
    lora_dropout: float | None = Field(None, ge=0, lt=1)
    warmup_ratio: float | None = Field(None, ge=0, le=0.5)
    lr_scheduler_type: SchedulerName | None = None
    weight_decay: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _length(self) -> "PresetRecipe":
        if (self.num_train_epochs is None) == (self.max_steps is None):
            raise ValueError("set exactly one of num_train_epochs and max_steps")
        return self


class Preset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    summary: str = Field(description="A few words, for option help: 'minutes on CPU'.")
    description: str
    custom: bool = Field(False, description="Starts from these values; the user sets any hyper-parameter.")
    recipe: PresetRecipe

    def values(self) -> dict[str, Any]:
        """The recipe keys this preset sets."""
        return self.recipe.model_dump(exclude_none=True)


def parse_presets(text: str) -> dict[str, Preset]:
    """Validate a presets file; every problem is reported at once."""
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ToolFailure(FailureKind.internal, f"The studio's {PRESETS_FILE} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not raw:
        raise ToolFailure(FailureKind.internal, f"The studio's {PRESETS_FILE} must map preset names to presets.")
    presets, problems = {}, []
    for name, body in raw.items():
        try:
            presets[str(name)] = Preset.model_validate({"name": str(name), **(body or {})})
        except (ValidationError, TypeError) as exc:
            errors = exc.errors() if isinstance(exc, ValidationError) else [{"loc": (), "msg": str(exc)}]
            problems += [f"{name}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors]
    if DEFAULT_PRESET not in raw:
        problems.append(f"the default preset '{DEFAULT_PRESET}' is missing")
    if problems:
        raise ToolFailure(FailureKind.internal, f"The studio's {PRESETS_FILE} is invalid: " + "; ".join(problems),
                          details={"problems": problems})
    return presets


@lru_cache(maxsize=None)
def presets() -> dict[str, Preset]:
    """The presets, in the order of their file."""
    return parse_presets(resources.files("goose_studio.recipes").joinpath(PRESETS_FILE).read_text(encoding="utf-8"))


def preset(name: str) -> Preset:
    found = presets().get(name)
    if found is None:
        names = list(presets())
        raise ToolFailure(FailureKind.invalid_input, f"Unknown preset '{name}'.",
                          hint=f"Use {', '.join(names[:-1])} or {names[-1]}.", details={"presets": names})
    return found


def preset_names() -> tuple[str, ...]:
    return tuple(presets())


def preset_help() -> str:
    """'quick (minutes on CPU), recommended (GPU), smoke (a few steps)'."""
    return ", ".join(f"{p.name} ({p.summary})" for p in presets().values())


class Hyperparameters(BaseModel):
    """Every training hyper-parameter a user may set by hand (LLaMA-Factory's names), with its bounds."""

    model_config = ConfigDict(extra="forbid")

    num_train_epochs: float | None = Field(None, gt=0, le=100)
    max_steps: int | None = Field(None, ge=1, le=1_000_000)
    learning_rate: float | None = Field(None, gt=0, lt=1)
    lr_scheduler_type: SchedulerName | None = None
    warmup_ratio: float | None = Field(None, ge=0, le=0.5)
    weight_decay: float | None = Field(None, ge=0, le=1)
    max_grad_norm: float | None = Field(None, gt=0, le=100)
    lora_rank: int | None = Field(None, ge=1, le=512)
    lora_alpha: int | None = Field(None, ge=1, le=4096)
    lora_dropout: float | None = Field(None, ge=0, lt=1)
    lora_target: str | None = Field(None, pattern=r"^(all|[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*)$")
    cutoff_len: int | None = Field(None, ge=32, le=32768)
    per_device_train_batch_size: int | None = Field(None, ge=1, le=1024)
    gradient_accumulation_steps: int | None = Field(None, ge=1, le=1024)
    packing: bool | None = None
    group_by_length: bool | None = None  # written as train_sampling_strategy (the trainer's own name)
    train_sampling_strategy: Literal["random", "sequential", "group_by_length"] | None = None
    save_steps: int | None = Field(None, ge=1)
    seed: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _one_length(self) -> "Hyperparameters":
        if self.num_train_epochs is not None and self.max_steps is not None:
            raise ValueError("set at most one of num_train_epochs and max_steps")
        return self

    def values(self) -> dict[str, Any]:
        """The recipe keys; ``group_by_length`` is written as the trainer's ``train_sampling_strategy``."""
        found = self.model_dump(exclude_none=True)
        if "group_by_length" in found:
            found["train_sampling_strategy"] = "group_by_length" if found.pop("group_by_length") else "random"
        return found


def _pairs(given: list[str] | dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``KEY=VALUE`` strings (values read as YAML scalars) or a mapping, as a mapping; malformed entries."""
    if isinstance(given, dict):
        return dict(given), []
    found, problems = {}, []
    for item in given:
        key, sep, raw = str(item).partition("=")
        if not sep or not key.strip():
            problems.append(f"'{item}': write KEY=VALUE, e.g. lora_alpha=64")
            continue
        try:
            found[key.strip()] = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            found[key.strip()] = raw
    return found, problems


def parse_hyperparameters(given: list[str] | dict[str, Any] | None) -> dict[str, Any]:
    """Checked custom hyper-parameters from ``KEY=VALUE`` strings or a mapping; every problem in one error.

    Raises ``ValueError`` (so that it reads as a validation error of the field that holds them).
    """
    if not given:
        return {}
    found, problems = _pairs(given)
    try:
        checked = Hyperparameters.model_validate(found).values()
    except ValidationError as exc:
        problems += [f"{'.'.join(map(str, e['loc'])) or '(all)'}: {e['msg']}" for e in exc.errors()]
        both = found.get("num_train_epochs") is not None and found.get("max_steps") is not None
        if both and not any("at most one" in p for p in problems):
            problems.append("set at most one of num_train_epochs and max_steps")  # not checked after field errors
        checked = {}
    if problems:
        raise ValueError("invalid hyper-parameters: " + "; ".join(problems))
    return checked


def hyperparameter_names() -> tuple[str, ...]:
    return tuple(Hyperparameters.model_fields)


#: The type of a field that takes a preset name: its JSON schema is an enum of the file's presets.
PresetName = Literal[preset_names()]  # type: ignore[valid-type]
