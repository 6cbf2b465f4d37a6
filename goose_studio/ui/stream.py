"""A run followed live: its ``events.jsonl`` read as it grows, sent as server-sent events.

:class:`EventFile` follows the file the run's worker appends to: each call to :meth:`EventFile.read_new`
returns the complete lines written since the last one (a line still being written waits for its newline),
and notices a file that was replaced or cut short (it starts again from the top). :func:`run_stream` turns
that into the messages the page reads: ``event`` (one run event, its id the byte offset after its line, so a
reconnecting browser's ``Last-Event-ID`` continues where it stopped) and ``status`` (the ``run_status``
snapshot: at the start, after every ``run.*`` or ``agent.*`` event, and every :data:`STATUS_EVERY_S`, so a
worker that died is seen). The file is looked at every :data:`POLL_S`; the browser only listens.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from ..errors import ToolFailure
from ..tools.registry import ToolContext
from ..tools.runs import RunStatusArgs, run_status
from ..workspace import Workspace

POLL_S = 0.1
STATUS_EVERY_S = 5.0
#: Lines read per look at the file (a long history is sent in a few bursts, not one).
BURST = 2000


class EventFile:
    """The complete lines appended to a file since the last read, from byte ``offset`` on."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.path = path
        self.offset = max(0, offset)
        self.inode: int | None = None

    def read_new(self, limit: int = BURST) -> list[tuple[int, dict[str, Any]]]:
        """``(offset after the line, parsed event)`` for each new complete line (unreadable lines skipped)."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return []
        if (self.inode is not None and stat.st_ino != self.inode) or stat.st_size < self.offset:
            self.offset = 0  # replaced or truncated: read it again from the start
        self.inode = stat.st_ino
        if stat.st_size == self.offset:
            return []
        out: list[tuple[int, dict[str, Any]]] = []
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            while len(out) < limit:
                line = fh.readline()
                if not line.endswith(b"\n"):
                    break  # not written to the end yet (or nothing left)
                self.offset += len(line)
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict) and "type" in event:
                    out.append((self.offset, event))
        return out


def status_snapshot(ws: Workspace, run_id: str) -> dict[str, Any]:
    """``run_status`` of the run without its events (the stream carries those)."""
    return run_status(RunStatusArgs(run_id=run_id, events=0), ToolContext(workspace=ws)).model_dump(mode="json")


def _message(event: str, data: Any, id_: int | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"event": event, "data": json.dumps(data, separators=(",", ":"), default=str)}
    if id_ is not None:
        msg["id"] = str(id_)
    return msg


async def run_stream(ws: Workspace, run_id: str, last_event_id: str | None = None,
                     stop_after_s: float | None = None) -> AsyncIterator[dict[str, Any]]:
    """The messages for one browser following ``run_id`` (see the module's docstring); ends when the browser
    goes away (or after ``stop_after_s``, for tests)."""
    offset = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    follower = EventFile(ws.run_paths(run_id).events, offset)
    started = time.monotonic()
    last_status = 0.0
    want_status = True
    while stop_after_s is None or time.monotonic() - started < stop_after_s:
        batch = await anyio.to_thread.run_sync(follower.read_new)
        for end, event in batch:
            yield _message("event", event, end)
            if str(event.get("type", "")).startswith(("run.", "agent.")):
                want_status = True
        now = time.monotonic()
        if want_status or now - last_status >= STATUS_EVERY_S:
            try:
                snapshot = await anyio.to_thread.run_sync(status_snapshot, ws, run_id)
            except ToolFailure as failure:
                yield _message("problem", failure.to_dict())
            else:
                yield _message("status", snapshot)
            last_status, want_status = now, False
        if len(batch) < BURST:
            await anyio.sleep(POLL_S)
