"""A LoRA adapter from a full fine-tune: for every linear layer the fine-tune changed, the best rank-``r``
approximation of the change (truncated SVD of ``W_tuned - W_base``) as PEFT's ``lora_A``/``lora_B``.

A core is an adapter on its base model; this keeps the full fine-tune's result in that shape (the full
weights stay in the output folder). What the adapter cannot carry — changed embeddings and norms — is
counted and said.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def _tensors(folder: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    found: dict[str, Any] = {}
    for file in sorted(folder.glob("*.safetensors")):
        if not file.name.startswith("adapter_"):
            found.update(load_file(str(file)))
    return found


def extract_lora(base_dir: Path, tuned_dir: Path, out_dir: Path, rank: int) -> dict[str, Any]:
    """Write ``adapter_model.safetensors`` and ``adapter_config.json`` into ``out_dir``; returns what was kept
    (layers, rank, the share of the change the adapter holds) and what was left out."""
    import torch
    from safetensors.torch import save_file

    base, tuned = _tensors(base_dir), _tensors(tuned_dir)
    weights: dict[str, Any] = {}
    kept, energy_kept, energy_all, left_out = [], 0.0, 0.0, []
    for name, new in tuned.items():
        old = base.get(name)
        if old is None or old.shape != new.shape:
            continue
        delta = new.float() - old.float()
        if not torch.any(delta):
            continue
        module = name.removesuffix(".weight")
        if new.dim() != 2 or not name.endswith(".weight") or module.rsplit(".", 1)[-1] not in TARGETS:
            left_out.append(name)
            continue
        u, s, vh = torch.linalg.svd(delta, full_matrices=False)
        r = min(rank, s.numel())
        energy_all += float((s ** 2).sum())
        energy_kept += float((s[:r] ** 2).sum())
        root = s[:r].sqrt()
        weights[f"base_model.model.{module}.lora_A.weight"] = (root[:, None] * vh[:r]).contiguous()
        weights[f"base_model.model.{module}.lora_B.weight"] = (u[:, :r] * root[None, :]).contiguous()
        kept.append(module)
    if not weights:
        raise ValueError("the fine-tuned model changed no linear layer of the base model")
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(out_dir / "adapter_model.safetensors"))
    targets = sorted({m.rsplit(".", 1)[-1] for m in kept})
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": str(base_dir), "r": rank,
              "lora_alpha": rank, "lora_dropout": 0.0, "target_modules": targets, "bias": "none",
              "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True, "modules_to_save": None}
    (out_dir / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    return {"layers": len(kept), "rank": rank, "kept_fraction": round(energy_kept / energy_all, 4) if energy_all else 1.0,
            "left_out": left_out}
