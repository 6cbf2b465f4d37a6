"""Counting the dataset: tokens per pair (``chars / 4`` or a local tokenizer) and the estimated training
time (the quality score is in :mod:`.dashboard`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from ...errors import FailureKind, ToolFailure

TEMPLATE_OVERHEAD_TOKENS = 12  # chat-template tokens added around each pair (estimate)
FIT_MIN_TOKENS = 16
FIT_MAX_TOKENS = 320


class TokenCounter:
    """Counts tokens as ``ceil(chars / 4)``, or exactly with a local tokenizer folder."""

    def __init__(self, tokenizer_path: str | None) -> None:
        self.kind: Literal["chars/4", "tokenizer"] = "chars/4"
        self._tok: Any = None
        if tokenizer_path is None:
            return
        path = Path(tokenizer_path).expanduser()
        if not path.exists():
            raise ToolFailure(
                FailureKind.not_found,
                f"There is no tokenizer at {path}.",
                hint="Pass a local folder holding tokenizer files (tokenizer.json / tokenizer_config.json), "
                "or leave tokenizer_path out to estimate tokens as chars / 4.",
                details={"tokenizer_path": str(path)},
            )
        try:
            from transformers import AutoTokenizer
        except ImportError as exc:
            raise ToolFailure(
                FailureKind.missing_dependency,
                "The transformers package is needed to count tokens with a tokenizer.",
                hint="Install the studio's training dependencies, or leave tokenizer_path out.",
                details={"error": str(exc)},
            ) from None
        try:
            self._tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any loader error means the folder is not usable
            raise ToolFailure(
                FailureKind.corrupted,
                f"The tokenizer at {path} could not be loaded: {exc}",
                hint="Point tokenizer_path at a complete tokenizer folder, or leave it out.",
                details={"tokenizer_path": str(path)},
            ) from None
        self.kind = "tokenizer"

    def count(self, text: str) -> int:
        if self._tok is None:
            return math.ceil(len(text) / 4)
        return len(self._tok(text, add_special_tokens=False)["input_ids"])


def train_minutes(train_tokens: int, epochs: float, seconds_per_1k_tokens: float) -> float:
    """Estimated training minutes for ``train_tokens`` (template overhead included), unrounded."""
    return train_tokens * epochs * seconds_per_1k_tokens / 1000 / 60
