"""A core as a chat backend: a base model with the core's LoRA adapter (or the embedded model alone),
answering through the chat template it was trained with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..cores import core_path, open_core
from ..errors import FailureKind, ToolFailure
from ..evals.answer import CoreChat
from ..retrieval import DEFAULT_K, RETRIEVAL_DIR, Hit, RetrievalIndex, open_index
from ..tools.models import materialize_embedded, model_card
from ..workspace import Workspace
from .api import ChatMessage, Reply, split_messages

EMBEDDED = "embedded"


# ------------------------------------------------------------------------------------------ a core as backend


class CoreBackend:
    """A base model, with a core's LoRA adapter on it or none, answering with the template it was trained with.

    The whole conversation goes through LLaMA-Factory's chat template (the one training used), system
    turns included; the oldest prompt tokens are dropped when it is longer than the context budget. With a
    retrieval index, passages of the core's repository go before the last question. One generation at a
    time; :meth:`stream` yields the reply as it is generated.
    """

    def __init__(self, base: Path, adapter: Path | None, template: str, model_name: str,
                 cutoff_len: int = 2048, retrieval: RetrievalIndex | None = None, k: int = DEFAULT_K) -> None:
        self.base = base
        self.adapter = adapter
        self.template = template
        self.model_name = model_name
        self.cutoff_len = cutoff_len
        self.chat = CoreChat(base, adapter, template, retrieval=retrieval, k=k, cutoff_len=cutoff_len)
        self.scorer = self.chat.scorer

    def _turns(self, messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]], list[Hit]]:
        system, turns = split_messages(messages)
        return system, turns, self.chat.passages(turns[-1]["content"])

    def encode(self, messages: list[ChatMessage], max_tokens: int) -> list[int]:
        system, turns, hits = self._turns(messages)
        return self.chat.prompt(turns, system or None, max_tokens, hits)

    def __call__(self, messages: list[ChatMessage], max_tokens: int, temperature: float) -> Reply:
        system, turns, hits = self._turns(messages)
        got = self.chat.answer(turns, system or None, max_tokens=max_tokens, temperature=temperature, hits=hits)
        return Reply(text=got.text, finish_reason="stop" if got.stopped else "length", prompt_tokens=got.prompt_tokens,
                     completion_tokens=got.completion_tokens)

    def count_tokens(self, text: str) -> int:
        return self.chat.count(text)

    def stream(self, messages: list[ChatMessage], max_tokens: int, temperature: float) -> Iterator[str]:
        """The reply's text pieces as they are generated."""
        system, turns, hits = self._turns(messages)
        return self.chat.stream(turns, system or None, max_tokens=max_tokens, temperature=temperature, hits=hits)


def load_core_backend(ws: Workspace, core: str, base_model_path: str | None = None, *,
                      retrieval: bool = True, k: int = DEFAULT_K) -> CoreBackend:
    """``embedded`` (the embedded base model, no adapter), or a core by name or .gcpkg path, loaded (with
    its retrieval index unless ``retrieval`` is off).

    Raises ToolFailure: not_found for an unknown core, missing_dependency / corrupted when its base model
    or adapter cannot be loaded.
    """
    if core == EMBEDDED:
        base = Path(base_model_path) if base_model_path else materialize_embedded(ws.cache)
        if not (base / "config.json").is_file():
            raise ToolFailure(FailureKind.missing_dependency, f"There is no model folder at {base}.",
                              hint="Omit --base-model-path to use the embedded model.")
        template, adapter, name = str(model_card(base).get("template") or "default"), None, EMBEDDED
        index = None
    else:
        path = core_path(ws, core)
        opened = open_core(ws, path, base_model_path)
        base, template, adapter, name = opened.base, opened.template, opened.adapter, path.stem
        index = open_index(opened.adapter.parent / RETRIEVAL_DIR, core_file=path) if retrieval else None
    try:
        return CoreBackend(base, adapter, template, name, retrieval=index, k=k)
    except ImportError as exc:
        raise ToolFailure(FailureKind.missing_dependency, f"A package serving needs is missing: {exc}.",
                          hint="Run `bash scripts/setup.sh`.") from None
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        what = f"The adapter does not load onto {base}" if adapter else f"The model at {base} does not load"
        raise ToolFailure(FailureKind.corrupted, f"{what}: {type(exc).__name__}: {str(exc)[:300]}",
                          hint="Check the core with `goose-studio validate`, or pass --base-model-path.") from None
