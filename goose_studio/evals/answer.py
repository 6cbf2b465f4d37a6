"""A core answering people: its base model with the adapter (switched off for the base model's answer), the
chat template it was trained with, and its retrieval index, whose passages go before each question.

Shared by ``goose-studio chat``, the ``chat_with_core`` tool and ``goose-studio serve``. A conversation is a
list of user/assistant turns ending with the user's; with retrieval on, the last user turn is searched and
answered with the found passages before it (the layout of :func:`goose_studio.retrieval.with_passages`, the
same the knowledge probe measures). One generation at a time per loaded model.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from ..retrieval import DEFAULT_K, Hit, RetrievalIndex, with_passages
from .scorer import Scorer

Turns = list[dict[str, str]]


class Answer(BaseModel):
    text: str
    prompt_tokens: int
    completion_tokens: int
    stopped: bool


class CoreChat:
    """A loaded core (or a base model alone, ``adapter`` None) with its retrieval index (None: closed-book)."""

    def __init__(self, base: Path, adapter: Path | None, template: str, retrieval: RetrievalIndex | None = None,
                 k: int = DEFAULT_K, cutoff_len: int = 2048) -> None:
        self.base, self.adapter, self.template = base, adapter, template
        self.retrieval, self.k, self.cutoff_len = retrieval, k, cutoff_len
        self.scorer = Scorer(str(base), str(adapter) if adapter else None, template, cutoff_len)
        self.scorer.use_fast_dtype()
        self.lock = threading.Lock()

    @property
    def has_adapter(self) -> bool:
        return self.adapter is not None

    def passages(self, question: str, use: bool = True) -> list[Hit]:
        """The passages the core puts before ``question`` (none with retrieval off or no index)."""
        if not use or self.retrieval is None or self.k <= 0:
            return []
        return self.retrieval.search(question, self.k)

    def prompt(self, turns: Turns, system: str | None, max_tokens: int, hits: list[Hit]) -> list[int]:
        """Prompt ids of the conversation, the passages before its last question."""
        if hits:
            turns = [*turns[:-1], {"role": "user", "content": with_passages(turns[-1]["content"], hits)}]
        return self.scorer.encode_turns(turns, system, budget=self.cutoff_len - max_tokens)

    def answer(self, turns: Turns, system: str | None = None, *, max_tokens: int = 256, temperature: float = 0.0,
               hits: list[Hit] | None = None, core: bool = True) -> Answer:
        """The reply to the conversation, from the core (``core``) or from its base model."""
        ids = self.prompt(turns, system, max_tokens, hits or [])
        with self.lock, self.scorer.adapter(core):
            text, n, stopped = self.scorer.generate_ids(ids, max_tokens, temperature)
        return Answer(text=text, prompt_tokens=len(ids), completion_tokens=n, stopped=stopped)

    def stream(self, turns: Turns, system: str | None = None, *, max_tokens: int = 256, temperature: float = 0.0,
               hits: list[Hit] | None = None, core: bool = True) -> Iterator[str]:
        """The reply as it is generated, piece by piece."""
        ids = self.prompt(turns, system, max_tokens, hits or [])
        with self.lock, self.scorer.adapter(core):
            yield from self.scorer.stream(ids, max_tokens, temperature)

    def count(self, text: str) -> int:
        return len(self.scorer.tokenizer(text, add_special_tokens=False)["input_ids"]) if text else 0
