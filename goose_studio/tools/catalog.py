"""The ``list_models`` tool: which base models this machine can train, one to recommend, what is hidden and why.

It plans against the GPU with the most free memory (or the memory the caller gives, or on a machine without
a GPU the host's memory and CPU time), estimates every catalog model with the chosen method and settings,
and, with ``search`` and a reachable Hub, the Hub's matching models from their configs. Offline it says so
and searches the catalog only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..catalog import (
    Budget, EstimateSettings, GpuStatus, ModelFit, cpu_budget, facts_of, given_budget, gpu_budget, gpu_status,
    load_catalog, plan,
)
from ..catalog.hub import HubSearch, offline_by_env, search_hub
from ..catalog.select import METHOD_LABELS, ModelFacts
from .models import infer_template
from .registry import ToolContext, tool


class ListModelsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["qlora", "lora", "full"] | None = Field(
        None, description="Training method to size for; default QLoRA 4-bit on a GPU, LoRA on a CPU.")
    gpu_memory: float | None = Field(None, gt=0, le=4096, description="Plan for this many GiB of GPU memory "
                                                                      "instead of the GPUs found.")
    seq_len: int = Field(1024, ge=16, le=131072, description="Tokens per training sequence (cutoff_len).")
    batch_size: int = Field(1, ge=1, le=256, description="Sequences per device step.")
    lora_rank: int = Field(16, ge=1, le=1024, description="LoRA rank.")
    unsloth: bool = Field(False, description="Size for Unsloth (fused loss, checkpoints offloaded to host memory).")
    category: Literal["coding", "chat", "reasoning", "vision"] | None = Field(
        None, description="Recommend within this category.")
    search: str | None = Field(None, min_length=1, max_length=200,
                               description="Search the Hub (online) or the catalog (offline) by name.")
    limit: int = Field(10, ge=1, le=50, description="Most Hub results to size.")


class ListModelsResult(BaseModel):
    budget: Budget
    gpus: GpuStatus
    method: Literal["qlora", "lora", "full"]
    settings: EstimateSettings
    recommended: ModelFit | None
    recommendation: str
    models: list[ModelFit]
    hidden: list[ModelFit]
    notes: list[str] = Field(default_factory=list)
    hub: HubSearch | None = None


def _matches(facts: ModelFacts, text: str) -> bool:
    low = text.lower()
    return any(low in value.lower() for value in (facts.name, facts.hub_id, facts.id or ""))


def _merge(catalog: list[ModelFacts], hub: HubSearch | None, text: str | None) -> list[ModelFacts]:
    """The catalog (filtered by the search text) and the Hub's results not already in it."""
    shown = [f for f in catalog if text is None or _matches(f, text)]
    if hub and hub.results:
        known = {f.hub_id.lower(): f for f in catalog}
        for found in hub.results:
            entry = known.get(found.hub_id.lower())
            if entry is None:
                shown.append(found)
            elif entry not in shown:
                shown.append(entry)
    return shown


@tool("list_models", tab="train", read_only=True, idempotent=True, open_world=True)
def list_models(args: ListModelsArgs, ctx: ToolContext) -> ListModelsResult:
    """List the base models that fit this machine's GPU (or a given memory, or its CPU), recommend one, and
    say what is hidden and why; with ``search``, search the Hub when it can be reached."""
    notes: list[str] = []
    gpus = gpu_status()
    if args.gpu_memory is not None:
        budget = given_budget(args.gpu_memory)
    else:
        budget = gpu_budget(gpus) or cpu_budget()
        if gpus.reason:
            notes.append(f"No GPU: {gpus.reason}. Listing what trains on this CPU in reasonable time.")
        elif len(gpus.gpus) > 1:
            notes.append(f"{len(gpus.gpus)} GPUs found; sizing for one ({budget.source}).")
    method = args.method or ("qlora" if budget.device == "gpu" else "lora")
    if budget.device == "cpu" and method == "qlora":
        method = "lora"
        notes.append("QLoRA 4-bit needs a CUDA GPU (bitsandbytes); sized for LoRA 16-bit on the CPU instead.")
    cpu = budget.device == "cpu"
    settings = EstimateSettings(seq_len=args.seq_len, batch_size=args.batch_size, lora_rank=args.lora_rank,
                                unsloth=args.unsloth and not cpu, device="cpu" if cpu else "cuda",
                                gradient_checkpointing=not cpu)
    hf_cache = ctx.workspace.cache / "huggingface"
    catalog = [facts_of(m, hf_cache) for m in load_catalog().models]
    hub = None
    if args.search:
        hub = search_hub(args.search, limit=args.limit, cache_dir=hf_cache, template_for=infer_template)
        if not hub.online:
            notes.append(f"Offline: {hub.note}.")
        elif hub.unreadable_configs:
            notes.append(f"{hub.unreadable_configs} Hub result(s) had no readable config.json; sized from their "
                         "parameter counts (rough).")
    offline = offline_by_env() or (hub is not None and not hub.online)
    result = plan(_merge(catalog, hub, args.search), budget, method, settings, args.category, offline=offline)
    gated = [m.name for m in result.models if m.gated]
    if gated:
        notes.append("Gated on the Hub (accept the licence there and set HF_TOKEN): " + ", ".join(gated) + ".")
    notes.append(f"Sized for {METHOD_LABELS[method]}, {args.seq_len} tokens x {args.batch_size} per step.")
    return ListModelsResult(budget=result.budget, gpus=gpus, method=method, settings=settings,
                            recommended=result.recommended, recommendation=result.recommendation,
                            models=result.models, hidden=result.hidden, notes=notes, hub=hub)
