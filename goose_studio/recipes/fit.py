"""A Quick Recipe on this machine: the run it becomes, and what it cannot have here and why.

The recipe's model is sized with the model catalog (:mod:`goose_studio.catalog`) against this machine's
budget — the GPU with the most free memory, or the CPU's memory and time — for the recipe's method (QLoRA
needs CUDA; on a CPU it is LoRA). What does not fit, or is not downloaded while the Hub is offline, is
replaced by the embedded model with training values sized for it (the ``quick`` preset); Unsloth needs
CUDA; data that cannot be fetched is replaced by local data (the source the user gives, or the bundled
example project). Each replacement is a :class:`~goose_studio.tools.train.methods.Substitution`, kept in
the run's options and from there in the core's PROVENANCE.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..catalog import Budget, EstimateSettings, cpu_budget, facts_of, find_model, gpu_budget, gpu_status
from ..catalog.hub import hub_online, offline_by_env
from ..catalog.select import assess
from ..errors import FailureKind, ToolFailure
from ..tools.train.methods import Substitution
from ..tools.train.recipe import cuda_available
from .quick import QuickRecipe, quick_recipe

EMBEDDED = "embedded"
CPU_PRESET = "quick"
CATALOG_METHOD = {"qlora-4bit": "qlora", "lora": "lora", "full": "full"}


class RecipePlan(BaseModel):
    """What ``learn --recipe NAME`` runs here."""

    recipe: str
    source: str = Field(description="What the run learns.")
    options: dict[str, Any] = Field(description="The run's options (model, method, preset, hyper-parameters, ...).")
    substitutions: list[Substitution] = Field(default_factory=list)
    device: str
    budget: str = Field(description="What this machine offers training, for people.")
    model_fit: str | None = Field(None, description="The catalog's verdict on the recipe's own model here.")


def _offline() -> tuple[bool, str]:
    if offline_by_env():
        return True, "the Hub is offline here (HF_HUB_OFFLINE is set)"
    online, why = hub_online()
    return (not online), (why or "")


def _model(recipe: QuickRecipe, cuda: bool, method: str, offline: tuple[bool, str], cache_dir: Path | None,
           budget: Budget | None) -> tuple[str, str | None, Substitution | None, str | None]:
    """(model to pass, its template, the substitution if any, the catalog's verdict)."""
    entry = find_model(recipe.studio.model)
    if entry is None:
        raise ToolFailure(FailureKind.internal, f"Quick Recipe '{recipe.name}' names model '{recipe.studio.model}', "
                          "which is not in the model catalog.", hint="Fix the recipe's studio.model.")
    facts = facts_of(entry, cache_dir)
    budget = budget or (gpu_budget(gpu_status()) if cuda else None) or cpu_budget()
    settings = EstimateSettings(seq_len=recipe.config.cutoff_len, batch_size=recipe.config.per_device_train_batch_size,
                                lora_rank=recipe.config.lora_rank, device="cuda" if cuda else "cpu",
                                unsloth=cuda and recipe.config.use_unsloth)
    fit = assess(facts, budget, CATALOG_METHOD[method], settings)
    verdict = f"{entry.name}: {fit.fit} ({fit.reason})"
    if fit.fit == "hidden":
        reason = f"{entry.name} does not fit this machine: {fit.reason}"
    elif not facts.cached and offline[0]:
        reason = f"{entry.name} is not downloaded and {offline[1]}"
    else:
        return facts.model, entry.template, None, verdict
    return EMBEDDED, None, Substitution(what="model", asked=entry.hub_id, used="the embedded SmolLM2-135M-Instruct",
                                        reason=reason), verdict


def plan_recipe(name: str, source: str | None, cache_dir: Path | None = None, cuda: bool | None = None,
                offline: tuple[bool, str] | None = None, budget: Budget | None = None) -> RecipePlan:
    """The run ``learn --recipe name [source]`` makes here (``cuda``, ``offline`` and ``budget`` given: as if
    on such a machine)."""
    recipe = quick_recipe(name)
    cuda = cuda_available() if cuda is None else cuda
    offline = _offline() if offline is None else offline
    notes: list[Substitution] = []
    method = recipe.studio.method
    if method == "qlora-4bit" and not cuda:
        notes.append(Substitution(what="method", asked="qlora-4bit", used="lora", reason=(
            "4-bit quantization (bitsandbytes) needs a CUDA GPU and there is none here; LoRA trains the same "
            "adapter on 16-bit weights")))
        method = "lora"
    model, template, model_note, verdict = _model(recipe, cuda, method, offline, cache_dir, budget)
    options: dict[str, Any] = {"recipe": name, "model": model, "method": method}
    if template:
        options["template"] = template
    if model_note is not None and not cuda:
        notes.append(model_note)
        notes.append(Substitution(what="settings", asked=f"the recipe's {recipe.studio.preset} training "
                                  f"(cutoff {recipe.config.cutoff_len}, batch {recipe.config.per_device_train_batch_size}"
                                  f" x {recipe.config.gradient_accumulation_steps})", used=f"the {CPU_PRESET} preset",
                                  reason="sized for the embedded model on this machine"))
        options["preset"] = CPU_PRESET
    elif model_note is not None:
        notes.append(model_note)
        options["preset"] = recipe.studio.preset
    else:
        options["preset"] = recipe.studio.preset
        options["hyperparameters"] = recipe.hyperparameters()
        options["min_quality"] = recipe.studio.eval.min_quality_score  # the recipe's bar, for its own model
    if recipe.studio.speed == "turbo" and not cuda:
        notes.append(Substitution(what="unsloth", asked="turbo (Unsloth)", used="standard training",
                                  reason="Unsloth needs a CUDA GPU"))
        options["use_unsloth"] = False
    data = recipe.studio.data
    if source:
        learned = source
    elif data.needs_source:
        raise ToolFailure(FailureKind.invalid_input, f"Quick Recipe '{name}' learns the repository you give.",
                          hint=f"Pass it: goose-studio learn --recipe {name} <git URL or folder>.",
                          details={"recipe": name})
    elif offline[0] and data.offline == "example":
        from ..examples import example_path

        learned = str(example_path())
        notes.append(Substitution(what="dataset", asked=data.dataset or str(data.source),
                                  used="the bundled example project", reason=f"{offline[1]}, so the recipe's data "
                                  "cannot be fetched; local data trains the same recipe"))
    else:
        learned = str(data.source)
    options["substitutions"] = [n.record("recipe") for n in notes]
    return RecipePlan(recipe=name, source=learned, options=options, substitutions=notes,
                      device="cuda" if cuda else "cpu", budget="a CUDA GPU" if cuda else "no CUDA GPU: the CPU",
                      model_fit=verdict)


def with_user_options(plan: RecipePlan, explicit: dict[str, Any]) -> dict[str, Any]:
    """The recipe's run options with what the user gave on top (a model given drops the model substitution)."""
    options = {**plan.options, **explicit}
    if "model" in explicit:
        options["substitutions"] = [s for s in options["substitutions"] if s.get("what") not in ("model", "settings")]
        options.pop("template", None)
    if "preset" in explicit or "custom" in explicit:
        options["substitutions"] = [s for s in options["substitutions"] if s.get("what") != "settings"]
    return options
