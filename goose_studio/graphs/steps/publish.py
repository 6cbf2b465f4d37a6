"""PUBLISH: the core packaged as a signed .gcpkg (manifest, adapter, recipe, logs, eval, cards, provenance,
retrieval index) and held to the five gates, with the quality bar TEST held it to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ...options import RunOptions
from ...tools.registry import ToolContext, call_tool
from ...workspace import RunPaths
from ..state import RunState
from ...tools.package import PackageArgs
from ..state import read_yaml
from .build import build_engine, build_repairs


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    src, tr, ev, data = state["source"], state["train"], state["test"], state["prepare"]
    trained, model = tr.trained, tr.model
    recipe = read_yaml(Path(trained.recipe_path))
    taken = build_repairs(state["build"]) + [h.model_dump(mode="json", exclude_none=True)
                                             for h in state.get("history") or []
                                             if h.agent in ("repair", "fallback", "guide")]
    return call_tool("package", PackageArgs(
        adapter_dir=trained.adapter_dir, recipe_path=trained.recipe_path, training_log_path=trained.trainer_log,
        eval_results_path=ev.scores.results_path, dataset_dir=data.dataset_dir, name=opts.name or src.name,
        description=f"LoRA core trained on the code of {src.source}.",
        tags=sorted(state["build"].index.languages), base_model_id=model.model_id,
        base_model_path=model.model_path, base_model_hash=model.model_hash, source=src.source, commit=src.commit,
        method="qlora-4bit" if trained.method == "qlora-4bit" else "lora", quality_score=ev.scores.quality_score,
        training={"epochs": recipe.get("num_train_epochs"), "max_steps": recipe.get("max_steps"),
                  "steps": trained.steps, "final_loss": trained.final_loss, "duration_sec": trained.duration_s,
                  "trained_on": trained.device, "build_engine": build_engine(state["build"]),
                  "accepted_low_quality": ev.accepted_low_quality, "method": trained.method,
                  "tokens_per_s": trained.tokens_per_s},
        fallbacks=taken + list(tr.substitutions), loss_curve_path=tr.loss_curve or trained.loss_curve,
        retrieval_dir=ev.retrieval_dir, quality_threshold=ev.min_quality,
        accepted_below_threshold=ev.accepted_low_quality, check_load=opts.check_load), ctx)


def summary(result: Any) -> dict[str, Any]:
    report = result.validation
    return {"core": result.path, "size_bytes": result.size_bytes, "sha256": result.sha256,
            "gates": {g.id: g.status for g in report.gates},
            "signer": report.signer.fingerprint if report.signer else None}
