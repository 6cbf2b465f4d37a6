"""The loss curve: a PNG drawn from the trainer's log (training loss per step, and eval loss when logged)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .progress import losses


def draw_loss_curve(rows: list[dict[str, Any]], path: Path, title: str = "Training loss") -> Path | None:
    """Draw the curve into ``path`` (written whole or not at all); None when the log has no loss yet."""
    points = losses(rows)
    if not points:
        return None
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.6), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([s for s, _ in points], [v for _, v in points], color="#2b6cb0", linewidth=1.6, label="train loss")
    evals = [(r["current_steps"], r["eval_loss"]) for r in rows
             if isinstance(r.get("eval_loss"), (int, float)) and math.isfinite(r["eval_loss"])]
    if evals:
        ax.plot([s for s, _ in evals], [v for _, v in evals], "o-", color="#c05621", label="eval loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png")
    tmp.replace(path)
    return path
