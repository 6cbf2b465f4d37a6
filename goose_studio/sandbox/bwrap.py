"""The bubblewrap backend: install and build commands (:meth:`BubblewrapBackend.run`) and long-running
apps (:meth:`BubblewrapBackend.start`) in a sandbox laid out by :mod:`.bwrap_args`, around a session of
:mod:`.session` (folders, user, environment, log, registry proxy).

:func:`probe_bubblewrap` starts one trivial sandbox of the real shape (the same namespaces, and the drop
to an unprivileged uid when the studio runs as root) to tell whether bubblewrap works on this machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from goose_studio.errors import FailureKind, ToolFailure

from . import launcher as launcher_module
from .bwrap_args import (DISABLE_USERNS_VERSION, HOME, MIN_VERSION, Layout, base_env, bwrap_argv, bwrap_version,
                         launcher_config, namespace_args, system_args, system_python)
from .models import Limits, RunResult
from .paths import SANDBOX_UID_BASE, runs_as_root, synth_etc_files
from .process import DEFAULT_GRACE_S, SandboxProcess
from .registries import PROXY_PORT, RegistryPolicy, registry_policy
from .service import Service, loopback_listener
from .session import Command, Session, as_argv, prepare_session

PROBE_TIMEOUT_S = 15.0


def probe_bubblewrap(bwrap: str = "bwrap") -> str | None:
    """None when a trivial sandbox of the real shape starts and ends well here, else why not."""
    exe = shutil.which(bwrap)
    if exe is None:
        return f"{bwrap} is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    version = bwrap_version(exe)
    if version is None or version < MIN_VERSION:
        found = ".".join(map(str, version)) if version else "of unknown version"
        need = ".".join(map(str, MIN_VERSION))
        return f"bubblewrap {found} is too old here ({need} or later is needed)"
    python = system_python()
    if python is None:
        return "no python3 under /usr for the sandbox's launcher"
    root = runs_as_root()
    uid = SANDBOX_UID_BASE if root else os.getuid()
    gid = SANDBOX_UID_BASE if root else os.getgid()
    code = (f"import os\nos.setgroups([]); os.setresgid({gid},{gid},{gid}); os.setresuid({uid},{uid},{uid})"
            if root else "pass")
    argv = [exe, *namespace_args(root, uid, gid, version >= DISABLE_USERNS_VERSION), *system_args(),
            "--proc", "/proc", "--dev", "/dev", "--", python, "-I", "-S", "-c", code]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                              env={"PATH": "/usr/bin:/bin"})
    except subprocess.TimeoutExpired:
        return f"a trivial bubblewrap sandbox did not end within {PROBE_TIMEOUT_S:g}s"
    except OSError as exc:
        return f"bubblewrap could not be started: {exc}"
    if done.returncode != 0:
        return f"a trivial bubblewrap sandbox failed (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    return None


class BubblewrapBackend:
    """Sandboxes made with bubblewrap: read-only system, only the app folder writable, no network of
    its own (registries through the studio's proxy during installs)."""

    name = "bubblewrap"

    def __init__(self, roots: Iterable[Path | str], cache_root: Path | str | None = None, *,
                 bwrap: str = "bwrap", registries: RegistryPolicy | None = None,
                 read_only: Sequence[Path | str] = (), extra_etc: Sequence[str] = ()) -> None:
        self.roots = tuple(Path(r) for r in roots)
        self.cache_root = Path(cache_root) if cache_root else None
        self.bwrap = shutil.which(bwrap) or bwrap
        self._registries = registries
        self.read_only = tuple(Path(p) for p in read_only)
        self.extra_etc = tuple(extra_etc)

    @property
    def registries(self) -> RegistryPolicy:
        if self._registries is None:
            self._registries = registry_policy()
        return self._registries

    def _prepare(self, app_dir: Path | str, env: Mapping[str, str] | None, limits: Limits,
                 log_path: Path | str | None, network: str) -> tuple[Session, Layout]:
        python = system_python()
        if python is None:
            raise ToolFailure(FailureKind.missing_dependency, "No python3 under /usr for the sandbox launcher.",
                              hint="Install python3 from the system's packages.")
        session = prepare_session(app_dir, roots=self.roots, cache_root=self.cache_root, network=network,
                                  base_env=base_env(), env=env, log_path=log_path,
                                  registries=self.registries if network == "registries" else None,
                                  read_only=self.read_only)
        for name, text in synth_etc_files(session.uid, session.gid, HOME).items():
            (session.etc_dir / name).write_text(text)
        layout = Layout(app_dir=session.app_dir, run_dir=session.run_dir, launcher=Path(launcher_module.__file__),
                        python=python, root_mode=runs_as_root(), uid=session.uid, gid=session.gid,
                        tmp_mb=limits.tmp_mb, cache_dir=session.cache_dir, read_only=session.read_only,
                        extra_etc=self.extra_etc,
                        disable_userns=(bwrap_version(self.bwrap) or (0,)) >= DISABLE_USERNS_VERSION)
        return session, layout

    def _launch(self, session: Session, layout: Layout, argv: list[str], serve_port: int | None,
                limits: Limits) -> SandboxProcess:
        control_read, control_write = os.pipe()
        proxy_port = PROXY_PORT if session.proxy is not None else None
        cfg = launcher_config(layout, argv, limits=limits.rlimits(), control_fd=control_read,
                              serve_port=serve_port, proxy_port=proxy_port)
        try:
            return SandboxProcess(bwrap_argv(layout, cfg, self.bwrap), session.env, session.sink,
                                  session.io_dir / "status.json", control_read=control_read,
                                  control_write=control_write)
        except ToolFailure:
            session.cleanup()
            raise

    def _result(self, session: Session, proc: SandboxProcess, argv: list[str], timed_out: bool) -> RunResult:
        session.sink.wait()
        code, _sig = proc.exit_info()
        if not proc.status() and not proc.stopped_by_studio and code not in (0, None):
            tail = session.sink.tail(20)
            session.cleanup()
            raise ToolFailure(FailureKind.unsupported, "The sandbox could not be set up on this machine.",
                              hint="bubblewrap failed before the command started (its words are in "
                                   "details.log_tail); the run can continue from the code alone.",
                              details={"exit_code": code, "log_tail": tail})
        return session.result("bubblewrap", proc, argv, timed_out)

    def run(self, cmd: Command, app_dir: Path | str, *, network: str = "none",
            env: Mapping[str, str] | None = None, timeout_s: float = 900.0, memory_mb: int = 2048,
            cpu_s: int = 900, pids: int = 256, file_mb: int = 2048, log_path: Path | str | None = None,
            grace_s: float = DEFAULT_GRACE_S) -> RunResult:
        """Run an install or build command in the app folder and wait for it (at most ``timeout_s``)."""
        argv = as_argv(cmd)
        limits = Limits(memory_mb=memory_mb, cpu_s=cpu_s, pids=pids, file_mb=file_mb)
        session, layout = self._prepare(app_dir, env, limits, log_path, network)
        proc = self._launch(session, layout, argv, None, limits)
        timed_out = not proc.wait(timeout_s)
        if timed_out:
            session.sink.note(f"timed out after {timeout_s:g}s; stopping")
            proc.stop(grace_s)
        return self._result(session, proc, argv, timed_out)

    def start(self, cmd: Command, app_dir: Path | str, *, port: int | None = None,
              env: Mapping[str, str] | None = None, memory_mb: int = 2048, cpu_s: int = 3600, pids: int = 256,
              file_mb: int = 2048, log_path: Path | str | None = None,
              max_runtime_s: float | None = None) -> Service:
        """Start a long-running app with no network; it listens on ``port`` (``PORT`` in its
        environment; by default the same number as the free host port the studio reaches it on)."""
        argv = as_argv(cmd)
        limits = Limits(memory_mb=memory_mb, cpu_s=cpu_s, pids=pids, file_mb=file_mb)
        session, layout = self._prepare(app_dir, env, limits, log_path, "none")
        listener = loopback_listener()
        inner = port or listener.getsockname()[1]
        session.env = {"PORT": str(inner), **session.env}
        try:
            proc = self._launch(session, layout, argv, inner, limits)
        except ToolFailure:
            listener.close()
            raise
        service = Service(proc, listener=listener, app_socket=session.io_dir / "app.sock",
                          inner_port=inner, sink=session.sink,
                          finish=lambda timed_out: self._result(session, proc, argv, timed_out))
        if max_runtime_s:
            service.expire_after(max_runtime_s)
        return service
