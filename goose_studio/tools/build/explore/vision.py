"""Describing screenshots with a vision model, when one can run here.

:class:`Describer` is the interface the explorer uses: ``describe(image, facts)`` returns a short text
about one screenshot. :func:`find_describer` returns the Qwen2.5-VL describer only when everything it needs
is already on this machine: an NVIDIA GPU that torch can use, the ``qwen-vl-utils`` package, a transformers
with Qwen2.5-VL, and the model's weights in a local folder (``vision_model``, ``$GOOSE_STUDIO_VISION_MODEL``)
or in the Hugging Face cache. Weights are never downloaded: the cache is looked up with
``local_files_only``. Otherwise it returns the reason, which the report states as
"DOM-only (no vision model: <reason>)".
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

VISION_MODEL_ENV = "GOOSE_STUDIO_VISION_MODEL"
QWEN_VL_REPOS = ("Qwen/Qwen2.5-VL-7B-Instruct", "Qwen/Qwen2.5-VL-3B-Instruct")
QWEN_VL_UTILS_INSTALL = ".venv/bin/pip install 'qwen-vl-utils==0.0.14'"
MAX_NEW_TOKENS = 160
MAX_PIXELS = 1280 * 28 * 28  # Qwen2.5-VL resizes larger images down to about this many pixels


class Describer(Protocol):
    """Something that describes one screenshot, given the page's DOM facts as a hint."""

    model: str

    def describe(self, image: Path, facts: str) -> str: ...


@dataclass
class VisionChoice:
    describer: Describer | None
    reason: str | None  # why there is no describer


def prompt(facts: str) -> str:
    """The question asked about each screenshot."""
    return ("This is a full-page screenshot of one page of a web application. What the page's HTML says: "
            f"{facts}\nDescribe what the page shows for a developer of the app: its layout (header, navigation, "
            "sidebars, main area), its main sections and widgets, and what a user can do on it. Be concise, "
            "at most five sentences, and describe only what is visible.")


class QwenVLDescriber:
    """Qwen2.5-VL through transformers and qwen-vl-utils, loaded on the first description, greedy decoding."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self.model = model_dir.name
        self._loaded: tuple[Any, Any] | None = None

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            from transformers import AutoProcessor, Qwen2_5_VLForConditionalGeneration

            model = Qwen2_5_VLForConditionalGeneration.from_pretrained(
                str(self.model_dir), torch_dtype="auto", device_map="auto", local_files_only=True)
            processor = AutoProcessor.from_pretrained(str(self.model_dir), max_pixels=MAX_PIXELS,
                                                      local_files_only=True)
            self._loaded = (model, processor)
        return self._loaded

    def describe(self, image: Path, facts: str) -> str:
        from qwen_vl_utils import process_vision_info

        model, processor = self._load()
        messages = [{"role": "user", "content": [{"type": "image", "image": f"file://{Path(image).resolve()}"},
                                                 {"type": "text", "text": prompt(facts)}]}]
        text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        images, videos = process_vision_info(messages)
        inputs = processor(text=[text], images=images, videos=videos, padding=True, return_tensors="pt")
        inputs = inputs.to(model.device)
        out = model.generate(**inputs, max_new_tokens=MAX_NEW_TOKENS, do_sample=False)
        new_tokens = out[:, inputs["input_ids"].shape[1]:]
        return str(processor.batch_decode(new_tokens, skip_special_tokens=True)[0]).strip()


def _gpu_reason() -> str | None:
    """None when torch sees a CUDA GPU, else why not (without importing torch when there is no NVIDIA device)."""
    if not (Path("/dev/nvidiactl").exists() or Path("/proc/driver/nvidia").exists()):
        return "no GPU"
    if importlib.util.find_spec("torch") is None:
        return "torch is not installed"
    import torch

    return None if torch.cuda.is_available() else "no GPU that torch can use"


def local_model(explicit: str | None = None) -> Path | None:
    """A local Qwen2.5-VL folder: ``explicit``, ``$GOOSE_STUDIO_VISION_MODEL``, or one in the Hugging Face cache."""
    wanted = explicit or os.environ.get(VISION_MODEL_ENV)
    if wanted:
        folder = Path(wanted).expanduser()
        return folder if (folder / "config.json").is_file() else None
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    for repo in QWEN_VL_REPOS:
        try:
            return Path(snapshot_download(repo, local_files_only=True))
        except Exception:  # not in the cache (LocalEntryNotFoundError and kin); nothing is fetched
            continue
    return None


def find_describer(vision_model: str | None = None) -> VisionChoice:
    """The Qwen2.5-VL describer when it can run here without downloading anything, else the reason."""
    reason = _gpu_reason()
    if reason:
        return VisionChoice(None, reason)
    if importlib.util.find_spec("qwen_vl_utils") is None:
        return VisionChoice(None, f"qwen-vl-utils is not installed ({QWEN_VL_UTILS_INSTALL})")
    import transformers

    if not hasattr(transformers, "Qwen2_5_VLForConditionalGeneration"):
        return VisionChoice(None, f"transformers {transformers.__version__} has no Qwen2.5-VL")
    folder = local_model(vision_model)
    if folder is None:
        where = vision_model or os.environ.get(VISION_MODEL_ENV)
        return VisionChoice(None, f"no Qwen2.5-VL model at {where}" if where else
                            f"no Qwen2.5-VL model on this machine (set {VISION_MODEL_ENV} to its folder)")
    return VisionChoice(QwenVLDescriber(folder), None)
