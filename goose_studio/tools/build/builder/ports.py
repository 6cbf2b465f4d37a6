"""Which TCP ports a sandboxed app listens on, seen from the host.

An app that ignores ``PORT`` listens somewhere else in its own network namespace. The host can read that
namespace's socket table through any of the sandbox's processes (``/proc/<pid>/net/tcp`` and ``tcp6``
describe the namespace of ``<pid>``): :func:`listening_ports` walks the sandbox's process tree, takes a
process whose network namespace differs from the studio's, and lists its listening ports.
"""

from __future__ import annotations

import os
from pathlib import Path

LISTEN = "0A"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found += [int(p) for p in text.split()]
    except (OSError, ValueError):
        pass
    return found


def _descendants(pid: int, limit: int = 256) -> list[int]:
    out, todo = [], [pid]
    while todo and len(out) < limit:
        current = todo.pop(0)
        out.append(current)
        todo += _children(current)
    return out


def _netns(pid: int | str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def parse_listening(table: str) -> set[int]:
    """The local ports of the LISTEN sockets of a ``/proc/net/tcp``-style table."""
    ports: set[int] = set()
    for line in table.splitlines()[1:]:
        cols = line.split()
        if len(cols) > 3 and cols[3] == LISTEN:
            try:
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
            except (IndexError, ValueError):
                continue
    return ports


def listening_ports(root_pid: int | None) -> set[int] | None:
    """The ports the processes under ``root_pid`` listen on in their own network namespace; None when it
    cannot be told here (no such process, or it shares the studio's namespace)."""
    if not root_pid:
        return None
    own = _netns("self")
    for pid in _descendants(root_pid):
        ns = _netns(pid)
        if ns is None or ns == own:
            continue
        ports: set[int] = set()
        for name in ("tcp", "tcp6"):
            try:
                ports |= parse_listening(Path(f"/proc/{pid}/net/{name}").read_text())
            except OSError:
                continue
        return ports
    return None
