"""Live build-log lines as progress events.

The sandbox writes each command's output, redacted, to a log file. :class:`LogFollower` reads that file
as it grows, in a thread, and hands each new line to a callback (the build tool's
``ctx.progress(stage=..., line=...)``), at most ``max_lines`` lines per file so that a chatty install
cannot flood the run's event log; the line that says how many were left out comes last.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from ....sandbox import redact
from .diagnose import plain

POLL_S = 0.1


class LogFollower:
    def __init__(self, path: Path, emit: Callable[[str], None], max_lines: int = 300) -> None:
        self.path = Path(path)
        self.emit = emit
        self.max_lines = max_lines
        self.sent = 0
        self.dropped = 0
        self._offset = self.path.stat().st_size if self.path.exists() else 0
        self._stop = threading.Event()
        self._buffer = ""
        self._thread = threading.Thread(target=self._loop, daemon=True, name="build-log")

    def __enter__(self) -> "LogFollower":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._read()
        if self._buffer.strip():
            self._send(self._buffer)
            self._buffer = ""
        if self.dropped:
            self.emit(f"[goose-studio] {self.dropped} more log lines are in {self.path}")

    def _loop(self) -> None:
        while not self._stop.wait(POLL_S):
            self._read()

    def _read(self) -> None:
        try:
            with self.path.open("r", encoding="utf-8", errors="replace") as fh:
                fh.seek(self._offset)
                chunk = fh.read()
                self._offset = fh.tell()
        except OSError:
            return
        if not chunk:
            return
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self._send(line)

    def _send(self, line: str) -> None:
        if not line.strip():
            return
        if self.sent >= self.max_lines:
            self.dropped += 1
            return
        self.sent += 1
        try:
            self.emit(redact(plain(line).rstrip()[:500]))  # the sandbox redacted it already; the studio's notes too
        except Exception:  # an event sink that fails must not stop the build
            pass
