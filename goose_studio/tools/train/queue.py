"""The trainer as a shared resource: runs wait for a device in a first-come queue, one trainer per device
at a time unless ``GOOSE_STUDIO_TRAINERS_PER_DEVICE`` allows more.

The queue lives in a folder shared by every studio process on the machine (``GOOSE_STUDIO_DEVICE_LOCKS``,
default ``<tmp>/goose-studio-devices-<uid>/<device>/``), not in one workspace: two workspaces training on
the same CPU would slow each other down as much as two runs of one. A waiting run holds a ticket (its pid
and the kernel's start time of that pid, so a dead one is passed over); the first tickets in line try the
device's slot locks (``flock``, released by the kernel when a holder dies). The holder of a slot writes who
it is beside the lock, for status views.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...procs import process_alive, process_start_time

LOCKS_ENV = "GOOSE_STUDIO_DEVICE_LOCKS"
SLOTS_ENV = "GOOSE_STUDIO_TRAINERS_PER_DEVICE"


def locks_dir() -> Path:
    env = os.environ.get(LOCKS_ENV)
    return Path(env) if env else Path(tempfile.gettempdir()) / f"goose-studio-devices-{os.getuid()}"


def slots() -> int:
    """Trainers allowed at once per device (default 1)."""
    try:
        return max(1, int(os.environ.get(SLOTS_ENV, "1")))
    except ValueError:
        return 1


def _tickets(queue: Path) -> list[Path]:
    """Waiting tickets, oldest first; those of processes that are gone are removed."""
    live = []
    for ticket in sorted(queue.glob("*.ticket")):
        try:
            info = json.loads(ticket.read_text())
        except (OSError, ValueError):
            info = None
        if info is None and time.time() - _mtime(ticket) < 5:
            live.append(ticket)  # being written just now
        elif info is not None and process_alive(info.get("pid"), info.get("start")):
            live.append(ticket)
        else:
            ticket.unlink(missing_ok=True)
    return live


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def queue_state(device: str) -> dict[str, Any]:
    """Who holds the device's slots and who waits, for status views."""
    folder = locks_dir() / device
    holders = []
    for info_file in sorted(folder.glob("slot-*.json")):
        try:
            info = json.loads(info_file.read_text())
        except (OSError, ValueError):
            continue
        if process_alive(info.get("pid"), info.get("start")):
            holders.append(info)
    waiting = []
    for ticket in _tickets(folder / "queue") if (folder / "queue").is_dir() else []:
        try:
            waiting.append(json.loads(ticket.read_text()))
        except (OSError, ValueError):
            pass
    return {"device": device, "slots": slots(), "running": holders, "waiting": waiting}


def _try_slot(folder: Path, index: int) -> int | None:
    fd = os.open(folder / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


@contextmanager
def trainer_slot(device: str, label: str, on_wait: Callable[[int], None] | None = None,
                 poll_s: float = 0.5) -> Iterator[int]:
    """Wait for one of ``device``'s trainer slots, in turn; yields the slot's index while it is held.

    ``on_wait(position)`` is called whenever the run's place in the queue changes (1: next in line).
    """
    folder = locks_dir() / device
    queue = folder / "queue"
    queue.mkdir(parents=True, exist_ok=True)
    me = {"pid": os.getpid(), "start": process_start_time(os.getpid()), "label": label, "since": time.time()}
    ticket = queue / f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}.ticket"
    tmp = queue / f".{ticket.name}.tmp"
    tmp.write_text(json.dumps(me))
    os.replace(tmp, ticket)
    fd, index, last = None, -1, None
    try:
        while fd is None:
            waiting = _tickets(queue)
            position = waiting.index(ticket) if ticket in waiting else 0
            if position < slots():
                for i in range(slots()):
                    fd = _try_slot(folder, i)
                    if fd is not None:
                        index = i
                        break
            if fd is None:
                if on_wait is not None and position + 1 != last:
                    on_wait(position + 1)
                last = position + 1
                time.sleep(poll_s)  # waiting for another run's trainer to finish
        ticket.unlink(missing_ok=True)
        info = folder / f"slot-{index}.json"
        info.write_text(json.dumps({**me, "since": time.time()}))
        try:
            yield index
        finally:
            info.unlink(missing_ok=True)
    finally:
        ticket.unlink(missing_ok=True)
        if fd is not None:
            os.close(fd)
