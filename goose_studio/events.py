"""Run events: ``step.<tab>.started|progress|complete|failed|skipped``, ``agent.*`` and ``run.*``.

Event names are typed: :class:`RunEvent` (a run's life), :class:`AgentEvent` (what the agents did) and
``step.<tab>.<phase>`` (built by :meth:`EventBus.step`, read back with :attr:`Event.step`).

Every event is appended to the run's ``events.jsonl`` (the record of truth) and handed to in-process
subscribers (the CLI's live view, MCP progress). When ``REDIS_URL`` is set, every event is also mirrored
to Redis, for subscribers in other processes or on other machines: appended to the stream
``goose-studio:run:<run-id>`` and published on the channel ``goose-studio:events``. Redis being down never
stops a run: the mirror says so once in the log and the file still has every event.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from enum import Enum
from typing import Any, Callable, Literal, get_args

from pydantic import BaseModel, Field

TABS = ("source", "build", "prepare", "train", "test", "publish")
#: How a tab is named to people (CLI, MCP text, UI).
TAB_LABELS = {tab: tab.upper() for tab in TABS}
Phase = Literal["started", "progress", "complete", "failed", "skipped"]
PHASES: tuple[str, ...] = get_args(Phase)


class RunEvent(str, Enum):
    """A run's life: started, resumed, answered, waiting, complete, failed, interrupted, cancelled."""

    started = "run.started"
    resumed = "run.resumed"
    answered = "run.answered"
    waiting = "run.waiting"
    complete = "run.complete"
    failed = "run.failed"
    interrupted = "run.interrupted"
    cancelled = "run.cancelled"


class AgentEvent(str, Enum):
    """What the agents did after a step failed (or the user answered the Guide)."""

    retry = "agent.retry"
    repair = "agent.repair"
    fallback = "agent.fallback"
    guide = "agent.guide"
    answered = "agent.guide.answered"


class Event(BaseModel):
    ts: float = Field(default_factory=time.time)
    run_id: str
    type: str
    payload: dict[str, Any] = Field(default_factory=dict)

    @property
    def step(self) -> tuple[str, str] | None:
        """``(tab, phase)`` for a ``step.<tab>.<phase>`` event, else None."""
        parts = self.type.split(".")
        if len(parts) == 3 and parts[0] == "step" and parts[1] in TABS and parts[2] in PHASES:
            return parts[1], parts[2]
        return None

    def is_(self, kind: RunEvent | AgentEvent) -> bool:
        return self.type == kind.value


Subscriber = Callable[[Event], None]
log = logging.getLogger(__name__)
STREAM_PREFIX = "goose-studio:run:"
CHANNEL = "goose-studio:events"


class RedisMirror:
    """A subscriber that copies events to Redis (a stream per run and one pub/sub channel)."""

    def __init__(self, url: str) -> None:
        import redis

        self._errors = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.healthy = True
        self._retry_at = 0.0  # after a failure, the mirror rests a while instead of slowing every event

    def __call__(self, event: Event) -> None:
        if not self.healthy and time.monotonic() < self._retry_at:
            return
        data = event.model_dump_json()
        try:
            self.client.xadd(STREAM_PREFIX + event.run_id, {"event": data}, maxlen=100_000, approximate=True)
            self.client.publish(CHANNEL, data)
            self.healthy = True
        except self._errors as exc:
            if self.healthy:
                log.warning("events are not reaching Redis (%s); they are still in events.jsonl", exc)
            self.healthy = False
            self._retry_at = time.monotonic() + 30.0


def redis_events(url: str, run_id: str) -> list[Event]:
    """A run's events as mirrored in Redis, oldest first."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    return [Event.model_validate_json(fields[b"event"]) for _, fields in client.xrange(STREAM_PREFIX + run_id)]


def _mirror_from_env() -> Subscriber | None:
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return None
    try:
        return RedisMirror(url)
    except ImportError:
        log.warning("REDIS_URL is set but the redis package is not installed: `pip install redis`")
        return None


class EventBus:
    """Appends events to a run's ``events.jsonl`` and fans them out to subscribers."""

    def __init__(self, run_id: str, path: Path) -> None:
        self.run_id = run_id
        self.path = path
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        mirror = _mirror_from_env()
        if mirror is not None:
            self._subscribers.append(mirror)

    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    def emit(self, kind: RunEvent | AgentEvent, /, **payload: Any) -> Event:
        return self._emit(kind.value, payload)

    def _emit(self, type_: str, payload: dict[str, Any]) -> Event:
        event = Event(run_id=self.run_id, type=type_, payload=payload)
        line = event.model_dump_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        for fn in list(self._subscribers):
            fn(event)
        return event

    def step(self, tab: str, phase: Phase, /, **payload: Any) -> Event:
        if tab not in TABS or phase not in PHASES:
            raise ValueError(f"unknown step event {tab!r}.{phase!r}")
        return self._emit(f"step.{tab}.{phase}", payload)


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
