"""Writing the user's pairs: one alpaca JSON Lines file (the contract is in :mod:`.models`), secrets removed.

Every text of a pair goes through the studio's secret detector (:func:`goose_studio.secrets.redact`) before
it is written, so a key pasted into a chat export never reaches training; how many were replaced is
returned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...secrets import redact
from ...workspace import write_atomic
from .records import Pair

PREVIEW = 3


def _clean(text: str, found: list[int]) -> str:
    if not text:
        return text
    done = redact(text)
    found[0] += len(done.findings)
    return done.text


def redact_pair(pair: Pair, found: list[int]) -> Pair:
    pair.instruction = _clean(pair.instruction, found)
    pair.input = _clean(pair.input, found)
    pair.output = _clean(pair.output, found)
    pair.system = _clean(pair.system, found)
    pair.history = [[_clean(q, found), _clean(a, found)] for q, a in pair.history]
    return pair


def write_pairs(pairs: list[Pair], path: Path) -> int:
    """Write ``pairs`` (redacted) to ``path``; returns how many secrets were replaced."""
    found = [0]
    lines = [json.dumps(redact_pair(p, found).to_json(), ensure_ascii=False) for p in pairs]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, ("\n".join(lines) + "\n" if lines else "").encode("utf-8"))
    return found[0]


def preview(pairs: list[Pair], n: int = PREVIEW, width: int = 300) -> list[dict[str, Any]]:
    """The first ``n`` pairs, each text cut to ``width`` characters."""
    out = []
    for p in pairs[:n]:
        data = p.to_json()
        out.append({k: (v[:width] + "…" if isinstance(v, str) and len(v) > width else v)
                    for k, v in data.items() if k != "history"})
    return out
