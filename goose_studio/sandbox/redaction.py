"""Secrets out of what a sandboxed program prints, before any of it reaches a log file or the studio.

:func:`redact` replaces, in a piece of text, every secret the studio's detector finds
(:func:`goose_studio.secrets.redact`: token formats, private key blocks, the ``user:password@`` part of
URLs, credential-like and high-entropy assignments) and any exact value the caller names (the secrets it
passed in the environment) by ``[REDACTED]``. :class:`LogSink` reads a program's output pipe line by line
in a thread, redacts each line, appends it to the log file and keeps a tail in memory (the file stops at
``max_bytes``); a private key printed over several lines is masked from its ``BEGIN`` line to its ``END``
line. It also notes lines that show a write refused by a read-only mount.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import IO, Iterable

from goose_studio import secrets
from goose_studio.secrets.contexts import KEY_BEGIN, KEY_END
from goose_studio.secrets.values import is_placeholder, is_secret_name, looks_random

MASK = "[REDACTED]"
READ_ONLY_MARKERS = ("Read-only file system", "EROFS")
MAX_LINE = 64 * 1024
MAX_LOG_BYTES = 64 * 1024 * 1024


def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every secret-looking part, and every value in ``known``, replaced by ``[REDACTED]``."""
    return secrets.redact(text, known=known, mask=lambda _finding: MASK).text


class LogSink:
    """A program's output, redacted line by line into a log file, with the last lines kept in memory."""

    def __init__(self, log_path: Path | None, known: Iterable[str] = (), tail_lines: int = 200,
                 max_bytes: int = MAX_LOG_BYTES) -> None:
        self.log_path = Path(log_path) if log_path else None
        self.known = tuple(known)
        self._tail: deque[str] = deque(maxlen=tail_lines)
        self._lock = threading.Lock()
        self._in_key = False
        self.read_only_hits = 0
        self.lines = 0
        self.max_bytes = max_bytes
        self.written = 0
        self._fh: IO[str] | None = None
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.log_path.open("a", encoding="utf-8")
        self._thread: threading.Thread | None = None

    def follow(self, stream: IO[bytes]) -> None:
        """Read ``stream`` to its end in a daemon thread."""
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True, name="sandbox-log")
        self._thread.start()

    def _pump(self, stream: IO[bytes]) -> None:
        try:
            while True:
                raw = stream.readline(MAX_LINE)
                if not raw:
                    break
                self.write(raw.decode("utf-8", "replace"))
        except (OSError, ValueError):
            pass
        finally:
            stream.close()

    def write(self, line: str) -> None:
        """Redact and record one line (a trailing newline is added when missing)."""
        line = line.rstrip("\n")
        with self._lock:  # the pump and the studio's notes write from different threads
            if any(m in line for m in READ_ONLY_MARKERS):
                self.read_only_hits += 1
            if self._in_key:
                if KEY_END.search(line):
                    self._in_key = False
                line = MASK
            elif KEY_BEGIN.search(line) and not KEY_END.search(line):
                self._in_key = True
                line = KEY_BEGIN.split(line, 1)[0] + MASK
            else:
                line = redact(line, self.known)
            self.lines += 1
            self._tail.append(line)
            if self._fh:
                if self.written + len(line) + 1 > self.max_bytes:
                    self._fh.write(f"[sandbox] log truncated at {self.max_bytes} bytes; only the tail is kept\n")
                    self._fh.close()
                    self._fh = None
                else:
                    self._fh.write(line + "\n")
                    self._fh.flush()
                    self.written += len(line) + 1

    def note(self, text: str) -> None:
        """A line of the studio's own about the sandbox (a blocked connection, a kill)."""
        self.write(f"[sandbox] {text}")

    def wait(self, timeout: float | None = 5.0) -> None:
        """Wait until the followed stream has ended."""
        if self._thread:
            self._thread.join(timeout)

    def tail(self, lines: int = 50) -> str:
        with self._lock:
            return "\n".join(list(self._tail)[-lines:])

    def close(self) -> None:
        self.wait()
        with self._lock:
            if self._fh:
                self._fh.close()
                self._fh = None


def secret_values(env: dict[str, str]) -> list[str]:
    """The values in ``env`` that are secrets by their name (``*_TOKEN``, ``PASSWORD``…) or their look."""
    return [v for k, v in env.items()
            if v and len(v) >= 6 and not is_placeholder(v) and (is_secret_name(k) or looks_random(v))]
