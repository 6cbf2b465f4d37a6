"""Training presets, read from ``recipes/presets.yaml`` (the one place they are defined).

A preset is a named set of LLaMA-Factory recipe keys (epochs or steps, LoRA rank and alpha, learning rate,
cutoff). The CLI's ``--preset`` choices, the MCP schemas' enum, the train tool and the run graph all read
them from here.
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


class PresetRecipe(BaseModel):
    """The recipe keys a preset may set (LLaMA-Factory's names)."""

    model_config = ConfigDict(extra="forbid")

    num_train_epochs: float | None = Field(None, gt=0)
    max_steps: int | None = Field(None, gt=0)
    lora_rank: int = Field(ge=1, le=512)
    lora_alpha: int = Field(ge=1)
    learning_rate: float = Field(gt=0, lt=1)
    cutoff_len: int = Field(ge=32, le=32768)

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


#: The type of a field that takes a preset name: its JSON schema is an enum of the file's presets.
PresetName = Literal[preset_names()]  # type: ignore[valid-type]
