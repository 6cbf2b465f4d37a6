"""Which models fit: each candidate's estimate against the memory at hand, a recommendation, and why.

A :class:`Budget` is what training may use: the free memory of the GPU with the most of it, a size the
user gives, or on a machine without a GPU the host's available memory and its CPU time. :func:`plan`
estimates every candidate (:class:`ModelFacts`, from the catalog or the Hub) and sorts it:

- ``fits``: needs at most 85% of the budget; ``tight``: up to 97% (it may run, with little to spare);
  ``hidden``: more than that, or a sequence longer than the model's context, or (on a CPU) more than
  :data:`CPU_HIDE_MINUTES` for the reference workload, or nothing known to estimate from.
- The recommendation is the best-ranked model that fits (on a CPU: the fastest that fits), within the
  asked category, among the models usable now (offline: the embedded one and those already downloaded).

CPU time is scaled from the embedded model's measured speed on a 2-core machine (about 210 tokens/s for
134.5M parameters) by parameter count and core count; the reference workload is 200,000 training tokens
(about 1,000 pairs of 200 tokens, one epoch).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from .arch import Architecture
from .gpus import GpuStatus
from .schema import CatalogModel
from .vram import GIB, NF4_BYTES, EstimateSettings, Method, VramEstimate, estimate_vram

Fit = Literal["fits", "tight", "hidden"]
FIT_SHARE = 0.85
TIGHT_SHARE = 0.97
CPU_REFERENCE_TOKENS = 200_000
CPU_TOKENS_PER_S = 210.0  # the embedded model, 2 cores (bf16), measured by the TRAIN step
CPU_REFERENCE_PARAMS = 134.5e6
CPU_REFERENCE_CORES = 2
CPU_FIT_MINUTES = 60.0
CPU_HIDE_MINUTES = 120.0
METHOD_LABELS = {"qlora": "QLoRA 4-bit", "lora": "LoRA 16-bit", "full": "full fine-tune"}


class Budget(BaseModel):
    """The memory (and, on a CPU, the cores) a training run may use."""

    device: Literal["gpu", "cpu"]
    memory_gib: float = Field(gt=0)
    source: str = Field(description="Where the figure comes from, for people.")
    cpu_cores: int | None = None


class ModelFacts(BaseModel):
    """What is known about a candidate base model before estimating it."""

    id: str | None = Field(None, description="Catalog id (None for a Hub result).")
    name: str
    hub_id: str
    model: str = Field(description="What to pass as the studio's --model.")
    source: Literal["catalog", "hub"] = "catalog"
    params_b: float | None = None
    active_params_b: float | None = None
    context_length: int | None = None
    license: str | None = None
    template: str | None = None
    categories: list[str] = Field(default_factory=list)
    gated: bool = False
    rank: int | None = None
    blurb: str | None = None
    note: str | None = None
    downloads: int | None = None
    cached: bool = Field(False, description="Usable without a network (embedded, or already downloaded).")
    arch: Architecture | None = Field(None, exclude=True)


class ModelFit(ModelFacts):
    """A candidate with its estimate and where it falls."""

    method: Method
    fit: Fit
    reason: str
    memory_gib: float | None = None
    estimate_basis: Literal["architecture", "parameters", "none"] = "architecture"
    estimate: VramEstimate | None = None
    cpu_minutes: float | None = Field(None, description="CPU training time for the reference workload.")
    experts_4bit_gib: float | None = Field(None, description="A hidden MoE model's estimate with its routed "
                                                             "experts quantized too (per-expert Linear layers).")


class Plan(BaseModel):
    budget: Budget
    method: Method
    models: list[ModelFit] = Field(description="What fits (and tight fits), best first.")
    hidden: list[ModelFit] = Field(description="What does not fit, with why.")
    recommended: ModelFit | None = None
    recommendation: str


def facts_of(model: CatalogModel, cache_dir: Path | None = None) -> ModelFacts:
    """A catalog entry as a candidate; ``cached`` when it is the embedded model or in ``cache_dir``."""
    cached = model.embedded or (cache_dir is not None and is_cached(model.hub_id, cache_dir))
    return ModelFacts(id=model.id, name=model.name, hub_id=model.hub_id, model=model.studio_model or model.hub_id,
                      params_b=model.params_b, active_params_b=model.active_params_b,
                      context_length=model.context_length, license=model.license, template=model.template,
                      categories=list(model.categories), gated=model.gated, rank=model.rank, blurb=model.blurb,
                      note=model.note, cached=cached, arch=model.arch)


def is_cached(hub_id: str, cache_dir: Path) -> bool:
    """Whether a snapshot of ``hub_id`` is in the Hugging Face cache folder ``cache_dir``."""
    snapshots = cache_dir / ("models--" + hub_id.replace("/", "--")) / "snapshots"
    return snapshots.is_dir() and any(snapshots.iterdir())


def gpu_budget(status: GpuStatus) -> Budget | None:
    """The GPU with the most free memory, or None without GPUs."""
    best = status.best
    if best is None:
        return None
    return Budget(device="gpu", memory_gib=best.memory_free_gib,
                  source=f"GPU {best.index} {best.name}: {best.memory_free_gib:g} GiB free of "
                         f"{best.memory_total_gib:g} GiB")


def given_budget(gib: float) -> Budget:
    return Budget(device="gpu", memory_gib=gib, source=f"{gib:g} GiB of GPU memory, as given")


def host_memory_gib() -> float:
    """Available host memory (MemAvailable), or total physical memory where /proc is missing."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024 / GIB
    except (OSError, ValueError, IndexError):
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB


def cpu_budget() -> Budget:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    memory = round(host_memory_gib(), 1)
    return Budget(device="cpu", memory_gib=max(memory, 0.1), cpu_cores=cores,
                  source=f"no GPU: {cores} CPU cores and {memory:g} GiB of available memory")


def cpu_minutes(params: float, cores: int, tokens: int = CPU_REFERENCE_TOKENS) -> float:
    """Minutes to train ``tokens`` on ``cores`` CPU cores, scaled from the embedded model's speed."""
    rate = CPU_TOKENS_PER_S * (CPU_REFERENCE_PARAMS / params) * (cores / CPU_REFERENCE_CORES)
    return round(tokens / rate / 60, 1)


def _rough(facts: ModelFacts, method: Method, s: EstimateSettings) -> float | None:
    """GiB from the parameter count alone (no config): weights at the method's precision, plus 20% and
    the overhead."""
    if not facts.params_b:
        return None
    per = {"qlora": NF4_BYTES + 0.1, "lora": 2.0, "full": 18.0}[method] if s.device == "cuda" else (
        {"qlora": 2.0, "lora": 2.0, "full": 18.0}[method])
    return round(facts.params_b * 1e9 * per * 1.2 / GIB + 0.5, 2)


def _share(memory: float, budget: Budget) -> Fit:
    share = memory / budget.memory_gib
    return "fits" if share <= FIT_SHARE else "tight" if share <= TIGHT_SHARE else "hidden"


def _experts_4bit(facts: ModelFacts, method: Method, s: EstimateSettings) -> float | None:
    """The estimate with routed experts at 4 bits, for a QLoRA MoE whose fused experts stay 16-bit."""
    arch = facts.arch
    if method != "qlora" or arch is None or arch.moe is None or not arch.moe.fused_experts or s.experts_4bit:
        return None
    return estimate_vram(arch, method, s.model_copy(update={"experts_4bit": True})).total_gib


def assess(facts: ModelFacts, budget: Budget, method: Method, s: EstimateSettings) -> ModelFit:
    """One candidate against the budget."""
    where = "of GPU memory" if budget.device == "gpu" else "of host memory"
    base = facts.model_dump() | {"arch": facts.arch}
    if facts.context_length and s.seq_len > facts.context_length:
        return ModelFit(**base, method=method, fit="hidden", estimate_basis="none",
                        reason=f"sequence length {s.seq_len} is beyond its context of {facts.context_length}")
    estimate = estimate_vram(facts.arch, method, s) if facts.arch is not None else None
    memory = estimate.total_gib if estimate else _rough(facts, method, s)
    basis = "architecture" if estimate else "parameters" if memory is not None else "none"
    if memory is None:
        return ModelFit(**base, method=method, fit="hidden", estimate_basis="none",
                        reason="neither its config nor its parameter count could be read, so it cannot be sized")
    fit = _share(memory, budget)
    reason = (f"needs ~{memory:g} GiB, {budget.memory_gib:g} GiB {where} available" if fit == "hidden"
              else f"~{memory:g} of {budget.memory_gib:g} GiB")
    minutes = None
    if budget.device == "cpu":
        params = (facts.active_params_b or facts.params_b or 0) * 1e9
        minutes = cpu_minutes(params, budget.cpu_cores or 1) if params else None
        if minutes is not None:
            slow = "hidden" if minutes > CPU_HIDE_MINUTES else "tight" if minutes > CPU_FIT_MINUTES else "fits"
            timing = f"~{minutes:g} min on {budget.cpu_cores} cores for {CPU_REFERENCE_TOKENS:,} tokens"
            if slow == "hidden" and fit != "hidden":
                reason = f"too slow on a CPU: {timing} (over {CPU_HIDE_MINUTES:g})"
            else:
                reason += f"; {timing}"
            fit = max(fit, slow, key=("fits", "tight", "hidden").index)
    quantized = _experts_4bit(facts, method, s) if fit == "hidden" else None
    if quantized is not None:
        reason += (f"; its routed experts stay 16-bit under bitsandbytes (fused tensors in transformers 5, not "
                   f"Linear layers); with 4-bit experts: ~{quantized:g} GiB")
    if basis == "parameters":
        reason += " (rough: from the parameter count, no config readable)"
    return ModelFit(**base, method=method, fit=fit, reason=reason, memory_gib=memory, estimate_basis=basis,
                    estimate=estimate, cpu_minutes=minutes, experts_4bit_gib=quantized)


def _order(fit: ModelFit, budget: Budget) -> tuple:
    if budget.device == "cpu":
        return (fit.fit != "fits", fit.cpu_minutes if fit.cpu_minutes is not None else float("inf"))
    return (fit.fit != "fits", fit.rank if fit.rank is not None else 10_000, -(fit.downloads or 0))


def plan(candidates: list[ModelFacts], budget: Budget, method: Method, settings: EstimateSettings,
         category: str | None = None, offline: bool = False) -> Plan:
    """Assess every candidate, split what fits from what is hidden, and pick one to recommend."""
    assessed = [assess(c, budget, method, settings) for c in candidates]
    shown = sorted((a for a in assessed if a.fit != "hidden"), key=lambda a: _order(a, budget))
    hidden = sorted((a for a in assessed if a.fit == "hidden"), key=lambda a: (a.memory_gib is None,
                                                                              a.memory_gib or 0))
    wanted = [a for a in shown if a.fit == "fits" and (category is None or category in a.categories)]
    usable = [a for a in wanted if a.cached or not offline]
    pick = usable[0] if usable else None
    within = f" in {category}" if category else ""
    if pick is None and wanted:
        text = (f"Nothing{within} that fits is usable offline: {wanted[0].name} fits (about "
                f"{wanted[0].memory_gib:g} GiB) but must be downloaded from the Hub, which is offline now.")
    elif pick is None:
        text = f"No recommendation{within}: nothing fits in {budget.memory_gib:g} GiB."
    else:
        speed = (f"it trains fastest here (about {pick.cpu_minutes:g} min for {CPU_REFERENCE_TOKENS:,} tokens on "
                 f"{budget.cpu_cores} cores)" if budget.device == "cpu" else "it is the best-ranked model that fits")
        text = (f"{pick.name}: {(pick.blurb or 'a good fit').lower()}; needs about {pick.memory_gib:g} of "
                f"{budget.memory_gib:g} GiB with {METHOD_LABELS[method]}, and {speed}{within}.")
        if wanted[0] is not pick:
            text += f" {wanted[0].name} ranks higher but is not downloaded, and the Hub is offline."
    return Plan(budget=budget, method=method, models=shown, hidden=hidden, recommended=pick, recommendation=text)
