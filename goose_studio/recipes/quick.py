"""Quick Recipes: one YAML file per recipe in this folder, each a plain LLaMA-Factory config (its top-level
keys) plus the studio's own keys under ``studio:`` — where the data comes from, the category mix, the
evaluation bar, what is substituted where the recipe cannot run, and the spec's time and VRAM figures.

Every file is checked when the recipes are read, and every problem in every file is reported at once. The
LLaMA-Factory part is checked against the keys and values the studio's trainer accepts (the tests also
run LLaMA-Factory's own argument parser on each one).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import FailureKind, ToolFailure
from ..presets import Method, PresetName, SchedulerName

RECIPE_NAMES = ("coding-assistant", "writing-style", "reasoning", "data-sql", "game-dev", "devops", "learn-repo")
NOT_RECIPES = {"presets.yaml"}


class LlamaFactoryConfig(BaseModel):
    """The LLaMA-Factory keys a recipe may set (its names and bounds); anything else is a typo."""

    model_config = ConfigDict(extra="forbid")

    model_name_or_path: str = Field(min_length=1)
    trust_remote_code: bool = False
    stage: Literal["sft"]
    do_train: Literal[True]
    finetuning_type: Literal["lora", "full"]
    lora_target: str = "all"
    lora_rank: int = Field(16, ge=1, le=512)
    lora_alpha: int = Field(32, ge=1, le=4096)
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    quantization_bit: Literal[4, 8] | None = None
    quantization_method: Literal["bnb"] | None = None
    double_quantization: bool | None = None
    use_unsloth: bool = False
    dataset: str = Field(min_length=1)
    template: str = Field(min_length=1)
    cutoff_len: int = Field(ge=32, le=131072)
    num_train_epochs: float | None = Field(None, gt=0, le=100)
    max_steps: int | None = Field(None, ge=1)
    per_device_train_batch_size: int = Field(ge=1, le=1024)
    gradient_accumulation_steps: int = Field(1, ge=1, le=1024)
    learning_rate: float = Field(gt=0, lt=1)
    lr_scheduler_type: SchedulerName = "cosine"
    warmup_ratio: float = Field(0.0, ge=0, le=0.5)
    bf16: bool = False
    output_dir: str = Field(min_length=1)
    logging_steps: int = Field(10, ge=1)
    save_steps: int = Field(500, ge=1)
    report_to: str = "none"

    @model_validator(mode="after")
    def _consistent(self) -> "LlamaFactoryConfig":
        if (self.num_train_epochs is None) == (self.max_steps is None):
            raise ValueError("set exactly one of num_train_epochs and max_steps")
        if (self.quantization_bit is None) != (self.quantization_method is None):
            raise ValueError("quantization_bit and quantization_method go together")
        return self


class RecipeData(BaseModel):
    """Where a recipe's training data comes from."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["huggingface", "github", "files", "url"]
    source: str | None = Field(None, pattern=r"^(recipe:|hf:|https://)[\w./:?=&-]+$",
                               description="What SOURCE learns when no source is given (a SOURCE Quick Recipe, "
                                           "a Hub dataset or a repository).")
    dataset: str | None = Field(None, description="The Hub dataset or repository it stands for, for people.")
    needs_source: bool = Field(False, description="The user gives the source (a repository URL).")
    offline: Literal["example"] | None = Field(None, description="Learned instead when the data cannot be fetched.")

    @model_validator(mode="after")
    def _some_data(self) -> "RecipeData":
        if not self.needs_source and not self.source:
            raise ValueError("give source, or needs_source: true")
        return self


class RecipeEval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_quality_score: int = Field(ge=0, le=100)
    held_out_share: float = Field(gt=0, le=0.5)


class RecipeEstimate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: float = Field(gt=0, description="The spec's training time on an RTX 3090 Ti.")
    vram_gb: float = Field(gt=0)


class StudioKeys(BaseModel):
    """The studio's own keys of a recipe (``studio:``)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    result: str = Field(min_length=1)
    description: str = Field(min_length=1)
    model: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$", description="The base model's id in the model catalog.")
    method: Method
    speed: Literal["turbo", "standard"]
    preset: PresetName
    data: RecipeData
    categories: list[str] = Field(min_length=1, description="The pair categories PREPARE makes for it.")
    eval: RecipeEval
    estimate: RecipeEstimate
    fallbacks: dict[Literal["model", "data"], str]


class QuickRecipe(BaseModel):
    name: str
    studio: StudioKeys
    config: LlamaFactoryConfig

    def llamafactory(self) -> dict[str, Any]:
        """The LLaMA-Factory config as written in the file (without the studio's keys)."""
        return self.config.model_dump(exclude_unset=True)

    def hyperparameters(self) -> dict[str, Any]:
        """The recipe's training values, as custom hyper-parameters of a run."""
        c = self.config
        values = {"learning_rate": c.learning_rate, "lora_rank": c.lora_rank, "lora_alpha": c.lora_alpha,
                  "lora_dropout": c.lora_dropout, "cutoff_len": c.cutoff_len, "lr_scheduler_type": c.lr_scheduler_type,
                  "warmup_ratio": c.warmup_ratio, "per_device_train_batch_size": c.per_device_train_batch_size,
                  "gradient_accumulation_steps": c.gradient_accumulation_steps}
        values.update({"max_steps": c.max_steps} if c.max_steps else {"num_train_epochs": c.num_train_epochs})
        return values


def _problems(name: str, exc: ValidationError, prefix: str) -> list[str]:
    return [f"{name}: {prefix}{'.'.join(map(str, e['loc'])) or '(all)'}: {e['msg']}" for e in exc.errors()]


def parse_recipe(name: str, text: str) -> tuple[QuickRecipe | None, list[str]]:
    """One recipe file, checked: the recipe, or None and every problem found in it."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, [f"{name}: not valid YAML: {exc}"]
    if not isinstance(raw, dict):
        return None, [f"{name}: must be a mapping of LLaMA-Factory keys plus a studio: block"]
    studio_raw = raw.pop("studio", None)
    problems: list[str] = []
    studio = config = None
    if studio_raw is None:
        problems.append(f"{name}: studio: the studio's keys are missing")
    else:
        try:
            studio = StudioKeys.model_validate(studio_raw)
        except ValidationError as exc:
            problems += _problems(name, exc, "studio.")
    try:
        config = LlamaFactoryConfig.model_validate(raw)
    except ValidationError as exc:
        problems += _problems(name, exc, "")
    if studio is not None and config is not None:
        if studio.method == "qlora-4bit" and config.quantization_bit != 4:
            problems.append(f"{name}: studio.method qlora-4bit needs quantization_bit: 4")
        if studio.method != "qlora-4bit" and config.quantization_bit is not None:
            problems.append(f"{name}: quantization_bit is only for studio.method qlora-4bit")
        if (studio.speed == "turbo") != config.use_unsloth:
            problems.append(f"{name}: studio.speed turbo and use_unsloth: true go together")
    if problems:
        return None, problems
    return QuickRecipe(name=name, studio=studio, config=config), []


def parse_recipes(files: dict[str, str]) -> dict[str, QuickRecipe]:
    """Recipes from ``{name: text}``; every problem of every file in one failure."""
    found, problems = {}, []
    for name, text in files.items():
        recipe, issues = parse_recipe(name, text)
        problems += issues
        if recipe is not None:
            found[name] = recipe
    if problems:
        raise ToolFailure(FailureKind.internal, "The studio's Quick Recipes are invalid: " + "; ".join(problems),
                          hint="Fix the files in goose_studio/recipes/.", details={"problems": problems})
    return found


@lru_cache(maxsize=None)
def quick_recipes() -> dict[str, QuickRecipe]:
    """Every Quick Recipe shipped with the studio, in :data:`RECIPE_NAMES` order."""
    folder = resources.files(__package__)
    files = {entry.name.removesuffix(".yaml"): entry.read_text(encoding="utf-8") for entry in folder.iterdir()
             if entry.name.endswith(".yaml") and entry.name not in NOT_RECIPES}
    found = parse_recipes(files)
    return {name: found[name] for name in sorted(found, key=lambda n: (RECIPE_NAMES + (n,)).index(n))}


def quick_recipe(name: str) -> QuickRecipe:
    found = quick_recipes().get(name)
    if found is None:
        raise ToolFailure(FailureKind.invalid_input, f"There is no Quick Recipe '{name}'.",
                          hint="Pick one of: " + ", ".join(quick_recipes()) + " (see `goose-studio recipes`).",
                          details={"recipe": name, "recipes": list(quick_recipes())})
    return found


#: The type of a field that takes a recipe name: its JSON schema is an enum of the recipes shipped.
RecipeName = Literal[RECIPE_NAMES]  # type: ignore[valid-type]
