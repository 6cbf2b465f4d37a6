"""Base models and the memory to train them: the shipped catalog, GPU status, VRAM estimates, Hub search.

What other parts use:

- :func:`gpu_status` — the NVIDIA GPUs (name, memory, utilisation, temperature, driver, CUDA); an empty list
  with the reason on a machine without them.
- :func:`estimate_vram` with :class:`EstimateSettings` — the memory to train an :class:`Architecture` with
  ``qlora``, ``lora`` or ``full`` (parts and total, GiB).
- :func:`load_catalog` / :func:`find_model` — the catalog shipped with the package.
- :func:`plan` — which candidates fit a :class:`Budget`, which are hidden and why, and one recommendation.
- :func:`search_hub` — Hub search with configs read for estimates (online only).
"""

from __future__ import annotations

from .arch import Architecture, architecture_from_config
from .gpus import GpuInfo, GpuStatus, gpu_status
from .schema import CATEGORIES, Catalog, CatalogModel, load_catalog, parse_catalog
from .select import Budget, ModelFacts, ModelFit, Plan, cpu_budget, facts_of, given_budget, gpu_budget, plan
from .vram import METHODS, EstimateSettings, Method, VramEstimate, estimate_vram


def find_model(key: str) -> CatalogModel | None:
    """The catalog entry whose id, name, hub id (or 'embedded') is ``key``."""
    return load_catalog().find(key)


__all__ = [
    "Architecture", "architecture_from_config", "GpuInfo", "GpuStatus", "gpu_status", "CATEGORIES", "Catalog",
    "CatalogModel", "load_catalog", "parse_catalog", "find_model", "Budget", "ModelFacts", "ModelFit", "Plan",
    "cpu_budget", "facts_of", "given_budget", "gpu_budget", "plan", "METHODS", "EstimateSettings", "Method",
    "VramEstimate", "estimate_vram",
]
