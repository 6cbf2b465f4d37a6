"""Quick Recipes: named starting points (``recipe:NAME`` as a source), read from ``quick_recipes.yaml``.

A recipe names the sources it learns and, optionally, an ``offline`` source used instead when they cannot
be fetched on this machine ("example": the project bundled with the studio).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, Field, ValidationError

from ...errors import FailureKind, ToolFailure

PREFIX = "recipe:"


class Recipe(BaseModel):
    id: str
    label: str
    description: str
    model: str = Field(description="The base model the recipe is meant for (a suggestion).")
    sources: list[str] = Field(min_length=1)
    offline: str | None = Field(None, description="Learned instead when the sources cannot be fetched here.")


@lru_cache(maxsize=1)
def recipes() -> dict[str, Recipe]:
    text = resources.files(__package__).joinpath("quick_recipes.yaml").read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text) or {}
        return {key: Recipe.model_validate({"id": key, **value}) for key, value in raw.items()}
    except (yaml.YAMLError, ValidationError, TypeError, AttributeError) as exc:
        raise ToolFailure(FailureKind.internal, f"The studio's quick_recipes.yaml is invalid: {exc}",
                          hint="Fix goose_studio/tools/source/quick_recipes.yaml.") from None


def recipe(source: str) -> Recipe:
    """The recipe a ``recipe:NAME`` source names; ``invalid_input`` (with the names there are) otherwise."""
    name = source[len(PREFIX):].strip() if source.lower().startswith(PREFIX) else source.strip()
    found = recipes().get(name)
    if found is None:
        raise ToolFailure(FailureKind.invalid_input, f"There is no Quick Recipe '{name}'.",
                          hint="Pick one of: " + ", ".join(f"recipe:{k}" for k in recipes()) + ".",
                          details={"recipe": name, "recipes": list(recipes())})
    return found


def offline_source(value: str) -> str:
    """The source an ``offline`` entry stands for ("example": the bundled example project's folder)."""
    if value == "example":
        from ...examples import example_path

        return str(example_path())
    return value
