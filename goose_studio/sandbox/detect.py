"""Which sandbox this machine offers, and the one object callers use whatever the backend.

:func:`detect` tries Docker first (an engine must answer ``ping``), then bubblewrap (one trivial sandbox
of the real shape must start and end well), and remembers the answer for the process.
``GOOSE_STUDIO_SANDBOX`` (``docker``, ``bubblewrap`` or ``none``) picks one or turns sandboxing off.
With neither, the :class:`~.models.Detection` says why and the caller goes on code-only;
:meth:`Sandbox.open` raises a ``missing_dependency`` :class:`~goose_studio.errors.ToolFailure` that says
the same.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.workspace import default_home

from .bwrap import BubblewrapBackend, probe_bubblewrap
from .docker_backend import DEFAULT_IMAGE, DockerBackend, docker_client, probe_docker
from .models import Detection, RunResult
from .paths import default_roots
from .service import Service
from .session import Command

ENV_CHOICE = "GOOSE_STUDIO_SANDBOX"
BACKENDS = ("docker", "bubblewrap")
_cache: dict[tuple, Detection] = {}
_lock = threading.Lock()


def detect(*, prefer: str | None = None, refresh: bool = False, bwrap: str = "bwrap",
           docker_factory: Callable[[], Any] | None = None) -> Detection:
    """The backend to use here (``docker``, ``bubblewrap``) or None, with the reason and each probe."""
    choice = prefer or os.environ.get(ENV_CHOICE) or None
    if choice not in (None, "none", *BACKENDS):
        return Detection(backend=None, reason=f"{ENV_CHOICE}={choice!r} names no sandbox backend "
                                              f"(use {', '.join(BACKENDS)} or none)")
    if choice == "none":
        return Detection(backend=None, reason=f"sandboxing is turned off ({ENV_CHOICE}=none): repository "
                                              "code is not run, the run continues from the code alone")
    key = (choice, bwrap, docker_factory)
    with _lock:
        if not refresh and key in _cache:
            return _cache[key]
        started = time.perf_counter()
        checks: dict[str, str] = {}
        found: str | None = None
        for name in ([choice] if choice else BACKENDS):
            why = probe_docker(docker_factory) if name == "docker" else probe_bubblewrap(bwrap)
            checks[name] = why or "ok"
            if why is None:
                found = name
                break
        if found:
            reason = f"{found} works here"
        else:
            reason = ("no sandbox works here (" + "; ".join(f"{k}: {v}" for k, v in checks.items()) +
                      "): repository code is not run, the run continues from the code alone")
        result = Detection(backend=found, reason=reason, checks=checks,
                           probe_s=round(time.perf_counter() - started, 3))
        _cache[key] = result
        return result


class Sandbox:
    """Runs repository code in the backend this machine offers (see :func:`detect`)."""

    detect = staticmethod(detect)

    def __init__(self, backend: BubblewrapBackend | DockerBackend, detection: Detection | None = None) -> None:
        self.backend = backend
        self.detection = detection

    @property
    def name(self) -> str:
        return self.backend.name

    @classmethod
    def open(cls, roots: Iterable[Path | str] | None = None, cache_root: Path | str | None = None, *,
             prefer: str | None = None, image: str = DEFAULT_IMAGE, bwrap: str = "bwrap",
             docker_factory: Callable[[], Any] | None = None) -> "Sandbox":
        """A sandbox for app folders under ``roots`` (default: the workspace's ``repos/``), caching
        package downloads per app under ``cache_root`` (default: the workspace's ``cache/sandbox``)."""
        found = detect(prefer=prefer, bwrap=bwrap, docker_factory=docker_factory)
        if not found.available:
            raise ToolFailure(FailureKind.missing_dependency, f"No sandbox for repository code: {found.reason}.",
                              hint="Install bubblewrap (apt-get install bubblewrap) or start a Docker engine "
                                   "to build and run projects; until then the run continues code-only.",
                              details={"checks": found.checks})
        roots = tuple(roots) if roots is not None else default_roots()
        cache = cache_root if cache_root is not None else default_home() / "cache" / "sandbox"
        if found.backend == "docker":
            client = (docker_factory or docker_client)()
            return cls(DockerBackend(roots, cache, client=client, image=image), found)
        return cls(BubblewrapBackend(roots, cache, bwrap=bwrap), found)

    def run(self, cmd: Command, app_dir: Path | str, **kwargs: Any) -> RunResult:
        """An install or build command (see :meth:`BubblewrapBackend.run` for the options)."""
        return self.backend.run(cmd, app_dir, **kwargs)

    def start(self, cmd: Command, app_dir: Path | str, **kwargs: Any) -> Service:
        """A long-running app (see :meth:`BubblewrapBackend.start` for the options)."""
        return self.backend.start(cmd, app_dir, **kwargs)
