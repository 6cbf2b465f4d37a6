"""Reading the trainer's progress: LLaMA-Factory's ``trainer_log.jsonl`` rows, its time strings, the progress
events made from them, and whether the loss has stopped going down."""

from __future__ import annotations

import json
import math
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


def progress_payload(row: dict[str, Any]) -> dict[str, Any]:
    """A ``step.train.progress`` payload from one log row: step, total, epoch, loss, learning rate,
    tokens/s, tokens so far, elapsed and remaining seconds (keys without a value are left out)."""
    payload = {"step": row.get("current_steps"), "total": row.get("total_steps"), "epoch": row.get("epoch"),
               "loss": row.get("loss"), "lr": row.get("lr"), "tokens_per_s": row.get("throughput"),
               "tokens": row.get("total_tokens"), "elapsed_s": hms_to_s(row.get("elapsed_time")),
               "eta_sec": hms_to_s(row.get("remaining_time"))}
    return {k: v for k, v in payload.items() if v is not None or k in ("step", "total", "loss", "eta_sec", "epoch")}


def losses(rows: list[dict[str, Any]]) -> list[tuple[int, float]]:
    """``(step, loss)`` of every row that logged a finite training loss."""
    found = []
    for row in rows:
        loss, step = row.get("loss"), row.get("current_steps")
        if isinstance(loss, (int, float)) and isinstance(step, int) and math.isfinite(loss):
            found.append((step, float(loss)))
    return found


DIVERGE_FACTOR = 3.0  # a loss this many times the lowest so far ...
DIVERGE_MARGIN = 2.0  # ... and this many nats above it ...
DIVERGE_STREAK = 3  # ... for this many logged steps in a row: the training diverged


def diverged(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Whether the loss diverged: a loss that is not finite, or one that exploded (many times the lowest so
    far, for several steps in a row — with bfloat16, an absurd learning rate first makes the loss jump, then
    collapse to ``ln(vocabulary)``, without ever printing NaN). Returns the first bad step and the loss."""
    best, streak_start, streak = None, None, 0
    for row in rows:
        loss, step = row.get("loss"), row.get("current_steps")
        if not isinstance(loss, (int, float)) or not isinstance(step, int):
            continue
        if not math.isfinite(loss):
            return {"step": step, "loss": str(loss), "lowest": best}
        if best is not None and loss > max(best * DIVERGE_FACTOR, best + DIVERGE_MARGIN):
            streak_start = step if streak == 0 else streak_start
            streak += 1
            if streak >= DIVERGE_STREAK:
                return {"step": streak_start, "loss": round(float(loss), 4), "lowest": round(best, 4)}
            continue
        streak = 0
        best = loss if best is None else min(best, loss)
    return None


PLATEAU_MIN_STEPS = 12
PLATEAU_FRACTION = 0.25  # of the planned steps, before a flat loss counts as "not learning"
PLATEAU_GAIN = 0.02  # the loss must have gone down by at least this fraction of where it started


def plateau(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Whether the loss has stopped going down: after enough steps, the mean of the latest window is not
    :data:`PLATEAU_GAIN` below the mean of the first one (training that is not learning at all, as on random
    labels — not a loss that flattens after it fell). Returns the facts, or None."""
    seen = losses(rows)
    total = max((r.get("total_steps") or 0 for r in rows), default=0)
    if not seen or not total:
        return None
    step = seen[-1][0]
    if step < max(PLATEAU_MIN_STEPS, PLATEAU_FRACTION * total):
        return None
    window = max(4, len(seen) // 4)
    first = sum(v for _, v in seen[:window]) / window
    last = sum(v for _, v in seen[-window:]) / window
    if last > first * (1 - PLATEAU_GAIN):
        return {"step": step, "first_loss": round(first, 4), "recent_loss": round(last, 4), "window": window}
    return None


def trim_log(path: Path, through_step: int | None) -> list[dict[str, Any]]:
    """Keep only the rows up to ``through_step`` (the checkpoint a resumed trainer starts from); none when
    it starts over (``None``). Returns the rows kept."""
    rows = read_trainer_log(path)
    kept = [r for r in rows if through_step and (r.get("current_steps") or 0) <= through_step]
    if len(kept) != len(rows):
        if kept:
            path.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")
        else:
            path.unlink(missing_ok=True)
    return kept
