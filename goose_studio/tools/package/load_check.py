"""The load check: find the base model, load the adapter onto it with PEFT, confirm that every saved tensor
was applied unchanged, and run a short forward pass that must give finite logits."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from .base_model import resolve_base
from .checks import Checks


def run_load_check(
    checks: Checks,
    adapter_dir: Path | None,
    extract_error: str,
    parsed: dict[str, Any],
    *,
    base_model_path: str | Path | None,
    model_cache: str | Path | None,
    strict: bool,
) -> None:
    """Record the ``load`` check: skipped (ok=None) when the base model is nowhere local (a failure when
    ``strict``) or the weights already failed the safetensors check, else the result of :func:`check_load`."""
    base, found_in = resolve_base(str(base_model_path) if base_model_path else None,
                                  parsed.get("manifest"), parsed.get("provenance"),
                                  Path(model_cache) if model_cache else None)
    if base is None:
        hint = ("Pass base_model_path (a local Hugging Face folder of the base model) "
                "to load the adapter and run a forward pass.")
        checks.set("load", None, "skipped: base model not available locally", hint=hint)
        if strict:
            checks.set("load", False, "base model not available locally (strict)", hint=hint)
    elif not base.exists():
        checks.set("load", False, f"base model folder {base} does not exist",
                   hint="Pass the path of the local base model folder.")
    elif checks.results["safetensors"].ok is False:
        checks.set("load", None, "not run: the adapter weights failed the safetensors check")
    elif adapter_dir is None:
        checks.set("load", False, f"the adapter could not be extracted for loading ({extract_error})")
    else:
        check_load(adapter_dir, base, checks)
        load = checks.results["load"]
        if load.ok and found_in != "given":
            load.detail += f" (base model found in {found_in}: {base})"


def check_load(adapter_dir: Path | None, base: Path | None, checks: Checks) -> None:
    """Load the adapter in ``adapter_dir`` onto the base model folder ``base`` on the CPU and check it."""
    if adapter_dir is None or not (adapter_dir / "adapter_config.json").is_file():
        checks.set("load", False, "the adapter could not be extracted for loading")
        return
    if not (base / "config.json").is_file():
        checks.set("load", False, f"{base} is not a Hugging Face model folder (no config.json)",
                   hint="Pass --base-model-path pointing at the local base model folder.")
        return
    try:
        from ..models import quiet_libraries

        quiet_libraries()
        import torch
        import transformers
        from peft import PeftModel, get_peft_model_state_dict
    except ImportError as exc:
        checks.set("load", None, f"skipped: {exc.name or exc} is not installed",
                   hint="Install torch, transformers and peft to run the load check.")
        return
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = transformers.AutoModelForCausalLM.from_pretrained(
                str(base), dtype=torch.float32, low_cpu_mem_usage=True, local_files_only=True
            )
            model.eval()
            peft_model = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False, torch_device="cpu")
        missing = [str(w.message) for w in caught if "missing adapter keys" in str(w.message)]
        if missing:
            checks.set("load", False, missing[0][:500],
                       hint="The adapter does not match this base model; check the base model id.")
            return
        # Every tensor in the file must now be in the model, with the same values.
        from safetensors.torch import load_file

        saved = load_file(str(adapter_dir / "adapter_model.safetensors"))
        live = get_peft_model_state_dict(peft_model)
        absent = sorted(set(saved) - set(live))
        if absent:
            checks.set("load", False, f"{len(absent)} adapter tensors were not applied (e.g. {absent[0]})",
                       hint="The adapter does not match this base model; check the base model id.")
            return
        differ = [k for k in saved if not torch.equal(live[k].detach().to("cpu", saved[k].dtype), saved[k])]
        if differ:
            checks.set("load", False, f"{len(differ)} adapter tensors differ after loading (e.g. {differ[0]})")
            return
        vocab = int(getattr(model.config, "vocab_size", 0) or 0)
        if vocab <= 0:
            vocab = int(peft_model.get_input_embeddings().weight.shape[0])
        ids = [i % vocab for i in (1, 2, 3, 4)]
        with torch.no_grad():
            out = peft_model(input_ids=torch.tensor([ids], dtype=torch.long))
        logits = out.logits
        if logits.shape[:2] != (1, len(ids)):
            checks.set("load", False, f"unexpected logits shape {tuple(logits.shape)}")
            return
        if not bool(torch.isfinite(logits).all()):
            checks.set("load", False, "the forward pass produced non-finite logits (NaN/inf)",
                       hint="The adapter weights are broken; retrain with a lower learning rate.")
            return
        checks.set("load", True, f"loaded onto {base.name} ({len(saved)} adapter tensors applied); "
                                 f"forward pass on {len(ids)} tokens gave finite logits {tuple(logits.shape)}")
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:400] if str(exc).strip() else type(exc).__name__
        checks.set("load", False, f"loading the adapter onto {base} failed: {type(exc).__name__}: {first}",
                   hint="Check that the base model folder is the model the adapter was trained on.")
