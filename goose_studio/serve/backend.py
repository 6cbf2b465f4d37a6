"""A core as a chat backend: a base model with the core's LoRA adapter (or the embedded model alone),
answering through the chat template it was trained with."""

from __future__ import annotations

import threading
from pathlib import Path

from ..cores import core_path, open_core
from ..errors import FailureKind, ToolFailure
from ..evals.scorer import Scorer
from ..tools.models import materialize_embedded, model_card
from ..workspace import Workspace
from .api import ChatMessage, Reply, split_messages

EMBEDDED = "embedded"


# ------------------------------------------------------------------------------------------ a core as backend


class CoreBackend:
    """A base model, with a core's LoRA adapter on it or none, answering with the template it was trained with.

    The whole conversation goes through LLaMA-Factory's chat template (the one training used), system
    turns included; the oldest prompt tokens are dropped when it is longer than the context budget. One
    generation at a time.
    """

    def __init__(self, base: Path, adapter: Path | None, template: str, model_name: str,
                 cutoff_len: int = 2048) -> None:
        self.base = base
        self.adapter = adapter
        self.template = template
        self.model_name = model_name
        self.cutoff_len = cutoff_len
        self.scorer = Scorer(str(base), str(adapter) if adapter else None, template, cutoff_len)
        self._lock = threading.Lock()

    def encode(self, messages: list[ChatMessage], max_tokens: int) -> list[int]:
        system, turns = split_messages(messages)
        if turns[0]["role"] != "user":  # the template's turns start with the user
            turns.insert(0, {"role": "user", "content": ""})
        turns.append({"role": "assistant", "content": ""})
        prompt_ids, _ = self.scorer.template.encode_oneturn(self.scorer.tokenizer, turns, system or None)
        return prompt_ids[-max(16, self.cutoff_len - max_tokens):]

    def __call__(self, messages: list[ChatMessage], max_tokens: int, temperature: float) -> Reply:
        with self._lock:
            prompt_ids = self.encode(messages, max_tokens)
            text, n_tokens, stopped = self.scorer.generate_ids(prompt_ids, max_tokens, temperature)
        return Reply(text=text, finish_reason="stop" if stopped else "length", prompt_tokens=len(prompt_ids),
                     completion_tokens=n_tokens)


def load_core_backend(ws: Workspace, core: str, base_model_path: str | None = None) -> CoreBackend:
    """``embedded`` (the embedded base model, no adapter), or a core by name or .gcpkg path, loaded.

    Raises ToolFailure: not_found for an unknown core, missing_dependency / corrupted when its base model
    or adapter cannot be loaded.
    """
    if core == EMBEDDED:
        base = Path(base_model_path) if base_model_path else materialize_embedded(ws.cache)
        if not (base / "config.json").is_file():
            raise ToolFailure(FailureKind.missing_dependency, f"There is no model folder at {base}.",
                              hint="Omit --base-model-path to use the embedded model.")
        template, adapter, name = str(model_card(base).get("template") or "default"), None, EMBEDDED
    else:
        path = core_path(ws, core)
        opened = open_core(ws, path, base_model_path)
        base, template, adapter, name = opened.base, opened.template, opened.adapter, path.stem
    try:
        return CoreBackend(base, adapter, template, name)
    except ImportError as exc:
        raise ToolFailure(FailureKind.missing_dependency, f"A package serving needs is missing: {exc}.",
                          hint="Run `bash scripts/setup.sh`.") from None
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        what = f"The adapter does not load onto {base}" if adapter else f"The model at {base} does not load"
        raise ToolFailure(FailureKind.corrupted, f"{what}: {type(exc).__name__}: {str(exc)[:300]}",
                          hint="Check the core with `goose-studio validate`, or pass --base-model-path.") from None
