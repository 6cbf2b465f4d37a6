"""Reading the trainer's progress: LLaMA-Factory's ``trainer_log.jsonl`` rows and its time strings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_trainer_log(path: Path) -> list[dict[str, Any]]:
    """The log's rows, in order; a line cut short (the trainer is still writing it) is left out."""
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return rows
    for line in text.splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def hms_to_s(text: str | None) -> float | None:
    """Seconds in a ``timedelta`` string such as ``'0:01:05'`` or ``'1 day, 2:00:00'``."""
    if not text:
        return None
    try:
        days = 0
        if "day" in text:
            d, text = text.split(",", 1)
            days = int(d.split()[0])
        h, m, s = (float(x) for x in text.strip().split(":"))
        return days * 86400 + h * 3600 + m * 60 + s
    except ValueError:
        return None
