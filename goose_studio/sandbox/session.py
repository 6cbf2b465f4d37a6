"""What every backend does around one sandbox: check the folders, choose the sandbox user, make the run
folder, build the environment, follow the log, and turn the end into a :class:`~.models.RunResult`.

The run folder (``gsx-*`` under the system's temporary folder, short enough for Unix socket paths) has
``etc/`` (owned by the studio) and ``io/`` (handed to the sandbox user: the launcher's status file and
the sockets). With ``network="registries"`` a :class:`~.proxy.RegistryProxy` listens on
``io/proxy.sock`` for as long as the sandbox lives.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Protocol, Sequence

from goose_studio.errors import FailureKind, ToolFailure

from .models import NETWORK_POLICIES, BackendName, NetworkProbe, RunResult
from .paths import check_app_dir, check_extra_dir, escaping_links, hand_over, sandbox_identity
from .proxy import RegistryProxy
from .redaction import LogSink, secret_values
from .registries import RegistryPolicy

Command = Sequence[str] | str
INNER_CACHE = "/cache"


def as_argv(cmd: Command) -> list[str]:
    """A command as an argument list: a string runs through ``/bin/sh -c``."""
    if isinstance(cmd, str):
        if not cmd.strip():
            raise ToolFailure(FailureKind.invalid_input, "The command is empty.")
        return ["/bin/sh", "-c", cmd]
    argv = list(cmd)
    if not argv or not all(isinstance(a, str) for a in argv):
        raise ToolFailure(FailureKind.invalid_input, "The command must be a non-empty list of strings.",
                          details={"command": repr(cmd)[:200]})
    return argv


class Ended(Protocol):
    """What a backend's sandbox handle tells about its end."""

    stopped_by_studio: bool

    def status(self) -> dict: ...

    def exit_info(self) -> tuple[int | None, int | None]: ...

    def duration_s(self) -> float: ...


@dataclass
class Session:
    """Everything one sandbox holds on the host until it has ended."""

    app_dir: Path
    run_dir: Path
    uid: int
    gid: int
    network: str
    env: dict[str, str]
    sink: LogSink
    cache_dir: Path | None = None
    read_only: list[Path] = field(default_factory=list)
    proxy: RegistryProxy | None = None

    @property
    def io_dir(self) -> Path:
        return self.run_dir / "io"

    @property
    def etc_dir(self) -> Path:
        return self.run_dir / "etc"

    def cleanup(self) -> None:
        if self.proxy is not None:
            self.proxy.close()
            self.proxy = None
        self.sink.close()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def result(self, backend: BackendName, handle: Ended, argv: list[str], timed_out: bool) -> RunResult:
        """The sandbox's end as a result; the session's host resources are released."""
        self.sink.wait()
        status = handle.status()
        code, sig = handle.exit_info()
        result = RunResult(
            backend=backend, command=argv, exit_code=code, signal=sig, timed_out=timed_out,
            killed=handle.stopped_by_studio, duration_s=handle.duration_s(), network=self.network,
            probe=NetworkProbe(**status["probe"]) if status.get("probe") else NetworkProbe(),
            blocked_hosts=list(self.proxy.blocked) if self.proxy else [],
            write_denied=self.sink.read_only_hits > 0, escaping_links=escaping_links(self.app_dir),
            log_path=str(self.sink.log_path) if self.sink.log_path else None, log_tail=self.sink.tail(50),
        )
        self.cleanup()
        return result


def cache_for(cache_root: Path, app: Path) -> Path:
    """The package managers' cache of one app folder (apps never share one: no cache poisoning)."""
    return check_extra_dir(cache_root / f"{app.name[:40]}-{zlib.crc32(str(app).encode()):08x}", "cache")


def prepare_session(app_dir: Path | str, *, roots: Iterable[Path], cache_root: Path | None, network: str,
                    base_env: Mapping[str, str], env: Mapping[str, str] | None, log_path: Path | str | None,
                    registries: RegistryPolicy | None, read_only: Sequence[Path] = ()) -> Session:
    """Check the app folder and make everything a sandbox of it needs on the host."""
    if network not in NETWORK_POLICIES:
        raise ToolFailure(FailureKind.invalid_input, f"Unknown network policy {network!r}.",
                          hint=f"Use one of {', '.join(NETWORK_POLICIES)}.")
    app = check_app_dir(app_dir, roots)
    uid, gid = sandbox_identity(app)
    cache = cache_for(cache_root, app) if cache_root is not None else None
    run_dir = Path(tempfile.mkdtemp(prefix="gsx-"))
    os.chmod(run_dir, 0o755)
    (run_dir / "etc").mkdir()
    (run_dir / "io").mkdir()
    for path in (app, run_dir / "io", *([cache] if cache else [])):
        hand_over(path, uid, gid)
    user_env = {str(k): str(v) for k, v in (env or {}).items()}
    sandbox_env = dict(base_env)
    ro = list(read_only)
    if network == "registries" and registries is not None:
        sandbox_env.update(registries.sandbox_env(INNER_CACHE if cache else None))
        ro += list(registries.read_only_paths)
    sandbox_env.update(user_env)
    sink = LogSink(Path(log_path) if log_path else None, known=secret_values(user_env))
    session = Session(app_dir=app, run_dir=run_dir, uid=uid, gid=gid, network=network, env=sandbox_env,
                      sink=sink, cache_dir=cache, read_only=ro)
    if network == "registries" and registries is not None:
        session.proxy = RegistryProxy(session.io_dir / "proxy.sock", registries, note=sink.note)
    return session
