"""A memory cap on the trainer process: a cgroup of its own where the machine lets us make one (cgroup v2
``memory.max`` or v1 ``memory.limit_in_bytes``; the kernel's OOM killer stops the trainer above it, as on
a machine that runs out), else an address-space limit (allocations past it fail with an out-of-memory
error in the trainer).
"""

from __future__ import annotations

import os
import resource
import secrets
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
AS_HEADROOM = 3  # address space is far above resident memory for torch (mapped libraries, thread stacks)


def _own_cgroup_v2() -> Path | None:
    try:
        line = next(l for l in Path("/proc/self/cgroup").read_text().splitlines() if l.startswith("0::"))
    except (OSError, StopIteration):
        return None
    base = CGROUP_ROOT / line[3:].lstrip("/")
    return base if (base / "cgroup.controllers").is_file() else None


def _make_group(limit_bytes: int) -> tuple[Path, Path] | None:
    """A fresh cgroup capped at ``limit_bytes``: (its folder, its cgroup.procs), or None when we may not."""
    name = f"goose-studio-trainer-{os.getpid()}-{secrets.token_hex(3)}"
    candidates = []
    v2 = _own_cgroup_v2()
    if v2 is not None and "memory" in (v2 / "cgroup.controllers").read_text().split():
        candidates.append((v2 / name, "memory.max"))
    if (CGROUP_ROOT / "memory" / "memory.limit_in_bytes").exists():
        candidates.append((CGROUP_ROOT / "memory" / name, "memory.limit_in_bytes"))
    for folder, knob in candidates:
        try:
            folder.mkdir()
        except OSError:
            continue
        try:
            (folder / knob).write_text(str(limit_bytes))
            if knob == "memory.limit_in_bytes" and (folder / "memory.memsw.limit_in_bytes").exists():
                (folder / "memory.memsw.limit_in_bytes").write_text(str(limit_bytes))
            return folder, folder / "cgroup.procs"
        except OSError:
            remove_group(folder)
    return None


def remove_group(folder: Path | None) -> None:
    if folder is not None:
        try:
            folder.rmdir()
        except OSError:
            pass


class MemoryCap:
    """How a child process is capped: ``preexec`` (run in the child before exec) and ``close`` after it."""

    def __init__(self, limit_mb: int | None) -> None:
        self.limit_mb = limit_mb
        self.group: Path | None = None
        self.mode = "none"
        self._procs: Path | None = None
        if limit_mb:
            made = _make_group(limit_mb * 2**20)
            if made is not None:
                self.group, self._procs = made
                self.mode = "cgroup"
            else:
                self.mode = "rlimit"

    def attach(self, pid: int) -> None:
        """Put the just-started process ``pid`` under the cap (its children inherit it)."""
        if self.mode == "cgroup":
            try:
                self._procs.write_text(str(pid))
                return
            except OSError:
                self.close()
                self.mode = "rlimit"
        if self.mode == "rlimit":
            limit = int(self.limit_mb * 2**20 * AS_HEADROOM)
            try:
                resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))
            except (OSError, ValueError):
                self.mode = "none"

    def close(self) -> None:
        remove_group(self.group)
        self.group = None
