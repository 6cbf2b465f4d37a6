"""The fresh process behind gates V4 and V5: ``python -m goose_studio.tools.package.fresh SPEC.json`` loads a
core's adapter onto its base model in a new interpreter (nothing of the validating process is reused),
checks that every saved tensor was applied unchanged and that a forward pass gives finite logits, and, when
the base folder has a tokenizer and the chat template is known, measures what V5 needs:

- consistency: greedy answers to the same prompts, generated twice, must be identical, and the core must
  not give empty or looping answers on more prompts than the base model does;
- regression: accuracy on the general questions shipped with the studio and the loss of the package's own
  sample answers, with the adapter on (the core) and off (the base), on one set of weights.

It prints one JSON object (:func:`measure`'s result) on its last line of output.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

GENERAL_QUESTIONS = 16
MAX_PROMPTS = 3
MAX_NEW_TOKENS = 24
MAX_SAMPLES = 8


def looping(text: str) -> bool:
    """An answer that is empty or mostly repeats itself."""
    words = text.split()
    if not words:
        return True
    return len(words) >= 12 and len(set(words)) / len(words) < 0.25


def _general(limit: int) -> list[dict[str, Any]]:
    text = resources.files("goose_studio.evals").joinpath("data", "general.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()][:limit]


def _load_plain(spec: dict[str, Any]) -> tuple[Any, Any]:
    import torch
    import transformers
    from peft import PeftModel

    model = transformers.AutoModelForCausalLM.from_pretrained(spec["base"], dtype=torch.float32,
                                                              low_cpu_mem_usage=True, local_files_only=True)
    return None, PeftModel.from_pretrained(model.eval(), spec["adapter"], is_trainable=False, torch_device="cpu")


def _load_scorer(spec: dict[str, Any]) -> tuple[Any, Any]:
    from ...evals.scorer import Scorer

    scorer = Scorer(spec["base"], spec["adapter"], spec["template"], cutoff_len=512)
    return scorer, scorer.model


def _applied(model: Any, adapter: Path, caught: list[Any]) -> tuple[bool, str]:
    import torch
    from peft import get_peft_model_state_dict
    from safetensors.torch import load_file

    missing = [str(w.message) for w in caught if "missing adapter keys" in str(w.message)]
    if missing:
        return False, missing[0][:400]
    saved = load_file(str(adapter / "adapter_model.safetensors"))
    live = get_peft_model_state_dict(model)
    absent = sorted(set(saved) - set(live))
    if absent:
        return False, f"{len(absent)} adapter tensors were not applied (e.g. {absent[0]})"
    differ = [k for k in saved if not torch.equal(live[k].detach().to("cpu", saved[k].dtype), saved[k])]
    if differ:
        return False, f"{len(differ)} adapter tensors differ after loading (e.g. {differ[0]})"
    vocab = int(getattr(model.config, "vocab_size", 0) or 0) or int(model.get_input_embeddings().weight.shape[0])
    ids = torch.tensor([[i % vocab for i in (1, 2, 3, 4)]], dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    if not bool(torch.isfinite(logits).all()):
        return False, "the forward pass produced non-finite logits (NaN/inf)"
    return True, f"{len(saved)} adapter tensors applied unchanged; a forward pass gave finite logits"


def _quality(scorer: Any, spec: dict[str, Any]) -> dict[str, Any]:
    from ...evals.probe import pick

    prompts = [str(p) for p in spec.get("prompts", [])][:MAX_PROMPTS] or ["What does this project do?"]
    encoded = [scorer.encode(p, "")[0] for p in prompts]
    answers: dict[str, list[list[str]]] = {}
    for model, on in (("core", True), ("base", False)):
        with scorer.adapter(on):
            answers[model] = [[a[0] for a in scorer.generate_batch(encoded, MAX_NEW_TOKENS)] for _ in range(2)]
    questions = _general(int(spec.get("general", GENERAL_QUESTIONS)))
    right: dict[str, int] = {}
    for model, on in (("core", True), ("base", False)):
        with scorer.adapter(on):
            right[model] = sum(pick(scorer.choice_losses, scorer.encode, q["question"], q["choices"])[0] == q["answer"]
                               for q in questions)
    samples = [(str(s["prompt"]), str(s["answer"])) for s in spec.get("samples", []) if s.get("answer")][:MAX_SAMPLES]
    loss: dict[str, float | None] = {"core": None, "base": None}
    if samples:
        items = [scorer.encode(p, a) for p, a in samples]
        for model, on in (("core", True), ("base", False)):
            with scorer.adapter(on):
                sums = scorer.nll_batch(items)
            tokens = sum(n for _, n in sums)
            loss[model] = sum(s for s, _ in sums) / tokens if tokens else None
    return {"prompts": prompts,
            "answers": {m: runs[0] for m, runs in answers.items()},
            "deterministic": all(runs[0] == runs[1] for runs in answers.values()),
            "looping": {m: sum(looping(a) for a in runs[0]) for m, runs in answers.items()},
            "general": {"questions": len(questions), **right},
            "sample_loss": loss, "samples": len(samples)}


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Load and (when it can) measure; every failure is a field of the result, never an exception."""
    started = time.monotonic()
    out: dict[str, Any] = {"load": None, "quality": None, "timings": {}}
    adapter = Path(spec["adapter"])
    can_measure = bool(spec.get("template")) and (Path(spec["base"]) / "tokenizer_config.json").is_file()
    try:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from ..models import quiet_libraries

        quiet_libraries()
        out["timings"]["import"] = round(time.monotonic() - started, 2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scorer, model = (_load_scorer if can_measure and spec.get("quality", True) else _load_plain)(spec)
        out["timings"]["load"] = round(time.monotonic() - started, 2)
        ok, detail = _applied(model, adapter, list(caught))
        out["load"] = {"ok": ok, "detail": detail}
    except ImportError as exc:
        out["load"] = {"ok": None, "detail": f"skipped: {exc.name or exc} is not installed"}
        return out
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:400]
        out["load"] = {"ok": False, "detail": f"{type(exc).__name__}: {first}"}
        return out
    if ok and scorer is not None:
        try:
            out["quality"] = _quality(scorer, spec)
        except Exception as exc:
            out["quality"] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    elif ok:
        out["quality"] = {"skipped": "the base folder has no tokenizer or the chat template is unknown"}
    out["timings"]["total"] = round(time.monotonic() - started, 2)
    return out


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    result = measure(spec)
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
