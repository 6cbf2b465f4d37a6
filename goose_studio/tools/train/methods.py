"""Choosing how to train on this machine: the method (QLoRA 4-bit, LoRA 16-bit, full fine-tuning), Unsloth,
and the precision — and, where what was asked cannot run here, the nearest that can, said as a
:class:`Substitution` (kept in the run's result and the core's provenance).
"""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ...presets import Method

#: Model types Unsloth's fast paths cover (its README's list, as ``config.json`` names them).
UNSLOTH_MODEL_TYPES = frozenset({"llama", "mistral", "qwen2", "qwen3", "qwen3_moe", "gemma", "gemma2", "gemma3",
                                 "gemma3_text", "phi3", "cohere", "granite", "falcon_h1", "gpt_oss"})
FULL_BYTES_PER_PARAM = 16  # fp32 weights + gradients + two AdamW moments
GPU_EXTRA = "pip install 'goose-studio[gpu]'"


class Substitution(BaseModel):
    """Something asked for that this machine cannot do, and what is done instead."""

    what: Literal["model", "dataset", "method", "unsloth", "precision", "settings", "source"]
    asked: str
    used: str
    reason: str

    @property
    def label(self) -> str:
        return f"{self.what}: {self.used} instead of {self.asked} — {self.reason}"

    def record(self, tab: str) -> dict:
        """The substitution as an entry of the core's provenance (beside the repairs and fallbacks taken)."""
        return {"agent": "substitution", "tab": tab, "id": f"{self.what}-substituted", "label": self.label,
                **self.model_dump()}


def importable(name: str) -> bool:
    """Whether ``name`` is installed (located, not imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def model_type(model_path: str | Path) -> str:
    try:
        return str(json.loads((Path(model_path) / "config.json").read_text()).get("model_type", ""))
    except (OSError, json.JSONDecodeError):
        return ""


def model_params(model_path: str | Path) -> int:
    """Parameters of a model folder, counted from its safetensors headers (no weights are read)."""
    total = 0
    for file in Path(model_path).glob("*.safetensors"):
        try:
            with file.open("rb") as fh:
                (size,) = struct.unpack("<Q", fh.read(8))
                header = json.loads(fh.read(size))
        except (OSError, ValueError, struct.error):
            continue
        for name, info in header.items():
            if name != "__metadata__" and isinstance(info, dict):
                n = 1
                for dim in info.get("shape", []):
                    n *= int(dim)
                total += n
    return total


def available_memory_bytes(cuda: bool) -> int | None:
    """Free memory where training runs: the first GPU's, or the machine's RAM."""
    try:
        if cuda:
            import torch

            return int(torch.cuda.mem_get_info()[0])
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:
        return None


def choose_method(asked: Method | None, cuda: bool, model_path: str | Path) -> tuple[Method, Substitution | None]:
    """The method to train with: ``asked`` when it can run here, else the nearest that can (and why)."""
    quantizable = cuda and importable("bitsandbytes")
    if asked is None:
        return ("qlora-4bit" if quantizable else "lora"), None
    if asked == "qlora-4bit" and not quantizable:
        reason = ("4-bit quantization (bitsandbytes) needs a CUDA GPU and there is none here; LoRA trains the "
                  "same adapter on 16-bit weights" if not cuda else
                  f"bitsandbytes is not installed ({GPU_EXTRA}); LoRA trains the same adapter on 16-bit weights")
        return "lora", Substitution(what="method", asked="qlora-4bit", used="lora", reason=reason)
    if asked == "full":
        need = model_params(model_path) * FULL_BYTES_PER_PARAM
        free = available_memory_bytes(cuda)
        if need and free is not None and need > free:
            return "lora", Substitution(
                what="method", asked="full", used="lora",
                reason=f"full fine-tuning needs about {need / 2**30:.1f} GiB for weights, gradients and optimizer "
                       f"state, and {free / 2**30:.1f} GiB is free; LoRA trains a small adapter instead")
    return asked, None


def choose_unsloth(asked: bool | None, cuda: bool, model_path: str | Path) -> tuple[bool, Substitution | None]:
    """Whether to train through Unsloth: asked True is tried as asked (a failure at start falls back to
    standard training); unset means: when CUDA and Unsloth are here and the model type is covered."""
    if asked is not None:
        return asked, None
    if not cuda:
        return False, None  # Unsloth is a CUDA path; nothing was asked for
    kind = model_type(model_path)
    if not importable("unsloth"):
        return False, Substitution(what="unsloth", asked="unsloth", used="standard training",
                                   reason=f"Unsloth is not installed ({GPU_EXTRA})")
    if kind not in UNSLOTH_MODEL_TYPES:
        return False, Substitution(what="unsloth", asked="unsloth", used="standard training",
                                   reason=f"Unsloth does not cover model type '{kind or 'unknown'}'")
    return True, None


def choose_bf16(asked: bool | None, use_cpu: bool, cpu_bf16: bool) -> tuple[bool, Substitution | None]:
    """bfloat16 where the hardware has it; 32-bit floats (slower, same result) where it does not."""
    if asked is not None:
        return asked, None
    if use_cpu and not cpu_bf16:
        return False, Substitution(what="precision", asked="bf16", used="fp32",
                                   reason="this CPU has no bfloat16 instructions")
    return True, None
