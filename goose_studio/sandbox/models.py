"""What the sandbox takes and gives back: limits, the network policy, and the typed results.

:class:`Limits` bounds one sandboxed program (memory, CPU seconds, processes, file size, private /tmp);
:class:`RunResult` is what an install or build command ends with; :class:`HttpCheck` is what waiting for
a started app's HTTP port ends with; :class:`Detection` says which backend this machine offers and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from goose_studio.errors import FailureKind, ToolFailure

BackendName = Literal["docker", "bubblewrap"]
NetworkPolicy = Literal["registries", "none"]
NETWORK_POLICIES: tuple[str, ...] = ("registries", "none")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed program.

    ``memory_mb`` bounds the private writable memory of each process (``RLIMIT_DATA``; a container's
    memory limit under Docker), ``cpu_s`` the CPU seconds of each process, ``pids`` the processes and
    threads of the sandbox user, ``file_mb`` the size of any one file written, ``tmp_mb`` the private /tmp.
    """

    memory_mb: int = 2048
    cpu_s: int = 900
    pids: int = 256
    file_mb: int = 2048
    tmp_mb: int = 512
    nofile: int = 4096

    def __post_init__(self) -> None:
        for name in ("memory_mb", "cpu_s", "pids", "file_mb", "tmp_mb", "nofile"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ToolFailure(FailureKind.invalid_input, f"The sandbox limit {name} must be a positive "
                                  f"whole number, not {value!r}.", details={"limit": name})

    def rlimits(self) -> dict[str, int]:
        """The limits as the launcher's rlimit names and values."""
        mib = 1024 * 1024
        return {"nproc": self.pids, "data": self.memory_mb * mib, "cpu": self.cpu_s,
                "fsize": self.file_mb * mib, "nofile": self.nofile}


class NetworkProbe(BaseModel):
    """What one direct outbound connection from inside the sandbox met."""

    outbound: Literal["blocked", "open", "unknown"] = "unknown"
    error: str | None = Field(None, description="errno name of the refused connection, e.g. ENETUNREACH")


class RunResult(BaseModel):
    """The end of one sandboxed command."""

    backend: BackendName
    command: list[str]
    exit_code: int | None = Field(None, description="None when the sandbox itself could not report one")
    signal: int | None = Field(None, description="the signal that ended the command, if one did")
    timed_out: bool = False
    killed: bool = Field(False, description="the studio had to kill the sandbox (timeout or stop)")
    duration_s: float = 0.0
    network: NetworkPolicy = "none"
    probe: NetworkProbe = Field(default_factory=NetworkProbe)
    blocked_hosts: list[str] = Field(default_factory=list, description="registry-proxy requests refused")
    write_denied: bool = Field(False, description="the output shows a write refused by a read-only mount")
    escaping_links: list[str] = Field(default_factory=list,
                                      description="symlinks in the app folder that point outside it")
    log_path: str | None = None
    log_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.killed


class HttpCheck(BaseModel):
    """The end of waiting for a started app to answer HTTP on its port."""

    ready: bool
    url: str
    status: int | None = Field(None, description="the HTTP status of the first answer")
    elapsed_s: float = 0.0
    timed_out: bool = False
    exited: bool = Field(False, description="the app ended before it answered")
    exit_code: int | None = None
    error: str | None = Field(None, description="the last connection error while waiting")


class Detection(BaseModel):
    """Which sandbox this machine offers: the backend, or None and why code stays unrun."""

    backend: BackendName | None
    reason: str
    checks: dict[str, str] = Field(default_factory=dict, description="what each backend's probe found")
    probe_s: float = 0.0

    @property
    def available(self) -> bool:
        return self.backend is not None
