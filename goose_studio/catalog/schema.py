"""The model catalog shipped with the package (``catalog/models.yaml``), validated as a whole.

Each entry is a base model the studio can train: its Hub id, published parameter counts, context length,
licence, LLaMA-Factory chat template, categories, its place in the recommendation order (``rank``) and the
architecture the memory estimate needs. Loading checks every entry at once and reports every problem in one
failure (``details.errors``), including an architecture whose parameter count disagrees with the published
one, which catches a mistyped width.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import FailureKind, ToolFailure
from .arch import Architecture

CATALOG_FILE = "models.yaml"
Category = Literal["coding", "chat", "reasoning", "vision"]
CATEGORIES: tuple[str, ...] = ("coding", "chat", "reasoning", "vision")
#: How far an architecture's parameter count may be from the published total (names round, biases and
#: norms are left out).
PARAMS_TOLERANCE = 0.04


class CatalogModel(BaseModel):
    """One base model of the catalog."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$", description="Short id used on the command line.")
    name: str
    hub_id: str = Field(pattern=r"^[\w.\-]+/[\w.\-]+$", description="What `--model` downloads.")
    studio_model: str | None = Field(None, description="What to pass as `--model` instead of hub_id "
                                                       "('embedded' for the model shipped with the studio).")
    params_b: float = Field(gt=0, description="Published total parameters, billions.")
    active_params_b: float | None = Field(None, gt=0, description="Published parameters per token (MoE).")
    context_length: int = Field(ge=512)
    license: str
    gated: bool = Field(False, description="The Hub asks to accept a licence first (HF_TOKEN needed).")
    template: str = Field(description="LLaMA-Factory chat template name.")
    categories: list[Category] = Field(min_length=1)
    rank: int = Field(ge=1, description="Recommendation order: lower is preferred when it fits.")
    blurb: str = Field(max_length=60)
    note: str | None = None
    arch: Architecture

    @model_validator(mode="after")
    def _consistent(self) -> "CatalogModel":
        counted = self.arch.counts()
        total = counted.total / 1e9
        if abs(total - self.params_b) > PARAMS_TOLERANCE * self.params_b:
            raise ValueError(f"arch gives {total:.2f}B parameters, published {self.params_b}B")
        if (self.active_params_b is not None) != (self.arch.moe is not None):
            raise ValueError("active_params_b is for mixture-of-experts models (with arch.moe), and they need it")
        return self

    @property
    def embedded(self) -> bool:
        return self.studio_model == "embedded"


class Catalog(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[CatalogModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "Catalog":
        problems = []
        for field in ("id", "hub_id", "rank"):
            values = [getattr(m, field) for m in self.models]
            repeated = sorted({str(v) for v in values if values.count(v) > 1})
            if repeated:
                problems.append(f"{field} repeated: {', '.join(repeated)}")
        if sum(m.embedded for m in self.models) != 1:
            problems.append("exactly one model must be the embedded default (studio_model: embedded)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def find(self, key: str) -> CatalogModel | None:
        """The model whose id, name or hub id is ``key`` (case-insensitive)."""
        low = key.lower()
        return next((m for m in self.models if low in (m.id, m.name.lower(), m.hub_id.lower())
                     or (m.studio_model and low == m.studio_model)), None)


def parse_catalog(text: str, origin: str = CATALOG_FILE) -> Catalog:
    """Validate catalog YAML; every problem is reported at once in one ``corrupted`` failure."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ToolFailure(FailureKind.corrupted, f"The model catalog {origin} is not valid YAML: {exc}",
                          hint="Reinstall goose-studio.") from None
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            loc = list(e["loc"])
            if len(loc) >= 2 and loc[0] == "models" and isinstance(loc[1], int) and isinstance(raw, dict):
                entry = (raw.get("models") or [])[loc[1]]
                loc[1] = entry.get("id", loc[1]) if isinstance(entry, dict) else loc[1]
            problems.append(f"{'.'.join(str(p) for p in loc) or '(root)'}: {e['msg']}")
        raise ToolFailure(FailureKind.corrupted, f"The model catalog {origin} has {len(problems)} problem(s): "
                          + "; ".join(problems), hint="Reinstall goose-studio.",
                          details={"errors": problems, "file": origin}) from None


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with the package (read and validated once)."""
    text = resources.files(__package__).joinpath(CATALOG_FILE).read_text(encoding="utf-8")
    return parse_catalog(text, str(Path(__file__).with_name(CATALOG_FILE)))
