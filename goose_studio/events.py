"""Run events: ``step.<tab>.started|progress|complete|failed``, appended to ``events.jsonl``.

Every event is persisted in the run's folder and handed to in-process subscribers (the CLI's live view
now; MCP notifications and the web UI later).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, Field

TABS = ("source", "build", "prepare", "train", "test", "publish")
Phase = Literal["started", "progress", "complete", "failed", "skipped"]


class Event(BaseModel):
    ts: float = Field(default_factory=time.time)
    run_id: str
    type: str
    payload: dict[str, Any] = Field(default_factory=dict)


Subscriber = Callable[[Event], None]


class EventBus:
    """Appends events to a run's ``events.jsonl`` and fans them out to subscribers."""

    def __init__(self, run_id: str, path: Path) -> None:
        self.run_id = run_id
        self.path = path
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    def emit(self, type_: str, **payload: Any) -> Event:
        event = Event(run_id=self.run_id, type=type_, payload=payload)
        line = event.model_dump_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        for fn in list(self._subscribers):
            fn(event)
        return event

    def step(self, tab: str, phase: Phase, **payload: Any) -> Event:
        if tab not in TABS:
            raise ValueError(f"unknown tab {tab!r}")
        return self.emit(f"step.{tab}.{phase}", **payload)


def read_events(path: Path) -> list[Event]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            events.append(Event.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValueError):
            continue  # a line cut short by a crash; the rest of the log is still good
    return events
