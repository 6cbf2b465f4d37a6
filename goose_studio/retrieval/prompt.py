"""How found passages go before a question: the one user-message layout that chat, serving and the
knowledge probe share, so a core is measured the way it answers."""

from __future__ import annotations

from collections.abc import Sequence

from .store import Hit

DEFAULT_K = 2  # passages put before a question
MAX_PASSAGE_CHARS = 900  # each passage is cut to this many characters before the question


def with_passages(question: str, hits: Sequence[Hit], max_chars: int = MAX_PASSAGE_CHARS) -> str:
    """The user message: the passages (numbered, each with its place in the repository), then the question."""
    if not hits:
        return question
    blocks = []
    for n, hit in enumerate(hits, 1):
        text = hit.text if len(hit.text) <= max_chars else hit.text[: max_chars - 1].rstrip() + "…"
        blocks.append(f"[{n}] {hit.path}:{hit.start_line}-{hit.end_line}\n{text}")
    return ("Passages from the repository that may help:\n\n" + "\n\n".join(blocks) +
            f"\n\nAnswer using the passages where they help.\nQuestion: {question}")
