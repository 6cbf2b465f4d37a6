"""Process liveness: whether a recorded pid is still the same running process.

A run records the pid (and the kernel's start time of that pid) of the process that owns it; a pid alone
can be reused by a later process, the pair cannot.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

#: Child processes this process started and has not collected yet (pid -> Popen).
CHILDREN: dict[int, subprocess.Popen] = {}


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (it tells a process from a later one with the same pid).

    None when there is no such process, or it has exited and only its zombie entry remains. Where there is
    no /proc, "?" for any process that exists.
    """
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"
        return "?"
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


def reap() -> None:
    """Collect children this process started that have exited, so none lingers as a zombie."""
    for pid, proc in list(CHILDREN.items()):
        if proc.poll() is not None:
            CHILDREN.pop(pid, None)


def process_alive(pid: int | None, start: str | None = None) -> bool:
    """Whether ``pid`` runs and, when ``start`` is known, is still the same process."""
    reap()
    if not pid:
        return False
    now = process_start_time(int(pid))
    if now is None:
        return False
    return start in (None, "?") or now in ("?", start)
