"""The Docker backend: the same sandbox as a container, used when a Docker engine answers.

:func:`container_config` is the whole container a sandbox gets: all capabilities dropped,
``no-new-privileges``, a read-only root with private tmpfs for ``/tmp`` and ``/var/tmp``, the app folder
at ``/app`` (and the app's package cache at ``/cache``), memory without swap, a process limit, CPU-second,
file-size and open-file ulimits, an init process, and the sandbox's own uid. Install and build commands
(:meth:`DockerBackend.run`) get ``network_mode="none"``, or the engine's default bridge for
``network="registries"`` (there, which hosts are reachable is the engine's egress policy: the
registry allowlist is enforced by the bubblewrap backend's proxy). A started app
(:meth:`DockerBackend.start`) always has ``network_mode="none"``; the launcher inside (the image needs a
``python3``) relays a Unix socket in the mounted run folder to its port, and the studio's
:class:`~.service.Service` reaches it there, exactly as with bubblewrap.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

from goose_studio.errors import FailureKind, ToolFailure

from . import launcher as launcher_module
from .models import Limits, RunResult
from .process import DEFAULT_GRACE_S
from .service import Service, loopback_listener
from .session import Command, Session, as_argv, prepare_session

DEFAULT_IMAGE = "node:20-bookworm"  # Debian with node, npm and python3 (the launcher's)
LAUNCHER = "/.sandbox/launcher.py"
RUN = "/.sandbox/run"
LABEL = "goose-studio.sandbox"


def docker_client(timeout_s: float = 5.0) -> Any:
    """A client of the engine the environment names (``DOCKER_HOST`` or the local socket)."""
    import docker

    return docker.from_env(timeout=int(timeout_s))


def probe_docker(factory: Any = None) -> str | None:
    """None when a Docker engine answers ``ping``, else why not."""
    try:
        client = (factory or docker_client)()
        client.ping()
    except ImportError:
        return "the docker SDK is not installed"
    except Exception as exc:  # the SDK raises DockerException, requests' errors or OSError by engine state
        return f"no Docker engine answers ({type(exc).__name__}: {str(exc)[:200]})"
    return None


def container_config(*, image: str, command: list[str], app_dir: Path, uid: int, gid: int, env: Mapping[str, str],
                     limits: Limits, network: str, cache_dir: Path | None = None, run_dir: Path | None = None,
                     launcher: Path | None = None, name: str | None = None) -> dict[str, Any]:
    """The keyword arguments of ``client.containers.create`` for one sandbox."""
    mib = 1024 * 1024
    volumes: dict[str, dict[str, str]] = {str(app_dir): {"bind": "/app", "mode": "rw"}}
    if cache_dir is not None:
        volumes[str(cache_dir)] = {"bind": "/cache", "mode": "rw"}
    if run_dir is not None:
        volumes[str(run_dir / "io")] = {"bind": RUN, "mode": "rw"}
    if launcher is not None:
        volumes[str(launcher)] = {"bind": LAUNCHER, "mode": "ro"}
    tmpfs = f"rw,nosuid,nodev,size={limits.tmp_mb}m"
    return {
        "image": image, "command": command, "name": name, "detach": True, "working_dir": "/app",
        "user": f"{uid}:{gid}", "environment": dict(env), "hostname": "sandbox",
        "network_mode": "bridge" if network == "registries" else "none",
        "cap_drop": ["ALL"], "security_opt": ["no-new-privileges"], "read_only": True, "init": True,
        "tmpfs": {"/tmp": tmpfs, "/var/tmp": tmpfs}, "volumes": volumes,
        "mem_limit": f"{limits.memory_mb}m", "memswap_limit": f"{limits.memory_mb}m", "pids_limit": limits.pids,
        "ulimits": [{"Name": "cpu", "Soft": limits.cpu_s, "Hard": limits.cpu_s},
                    {"Name": "fsize", "Soft": limits.file_mb * mib, "Hard": limits.file_mb * mib},
                    {"Name": "nofile", "Soft": limits.nofile, "Hard": limits.nofile}],
        "labels": {LABEL: "1"}, "stop_signal": "SIGTERM",
    }


class ContainerHandle:
    """A created container, started, its logs followed into the session's sink."""

    def __init__(self, container: Any, session: Session) -> None:
        self.container = container
        self.session = session
        self.started = time.monotonic()
        self.ended: float | None = None
        self.stopped_by_studio = False
        self._exit: int | None = None
        container.start()
        self._logs = threading.Thread(target=self._follow, daemon=True, name="sandbox-docker-log")
        self._logs.start()

    def _follow(self) -> None:
        pending = b""
        try:
            for chunk in self.container.logs(stream=True, follow=True, stdout=True, stderr=True):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    self.session.sink.write(line.decode("utf-8", "replace"))
        except Exception:  # the engine going away ends the stream in several ways
            pass
        if pending:
            self.session.sink.write(pending.decode("utf-8", "replace"))

    def wait(self, timeout_s: float | None) -> bool:
        try:
            out = self.container.wait(timeout=timeout_s)
        except Exception:  # requests' ReadTimeout / ConnectionError when the time is up
            return False
        self._exit = int(out.get("StatusCode", -1)) if isinstance(out, dict) else None
        self.ended = self.ended or time.monotonic()
        self._logs.join(2)
        return True

    def running(self) -> bool:
        if self.ended is not None:
            return False
        try:
            self.container.reload()
        except Exception:
            return False
        return self.container.status in ("created", "running", "restarting")

    def stop(self, grace_s: float = DEFAULT_GRACE_S) -> None:
        if self.ended is not None:
            return
        self.stopped_by_studio = True
        try:
            self.container.stop(timeout=max(1, int(grace_s)))  # SIGTERM, SIGKILL after the grace
        except Exception:
            pass
        self.wait(grace_s + 10)

    def status(self) -> dict:
        try:
            return json.loads((self.session.io_dir / "status.json").read_text())
        except (OSError, ValueError):
            return {}

    def exit_info(self) -> tuple[int | None, int | None]:
        code = self._exit
        if code is not None and code > 128:
            return code, code - 128
        return code, None

    def duration_s(self) -> float:
        return round((self.ended or time.monotonic()) - self.started, 3)

    def remove(self) -> None:
        try:
            self.container.remove(force=True)
        except Exception:
            pass


class DockerBackend:
    """Sandboxes as Docker containers of ``image``."""

    name = "docker"

    def __init__(self, roots: Iterable[Path | str], cache_root: Path | str | None = None, *,
                 client: Any = None, image: str = DEFAULT_IMAGE) -> None:
        self.roots = tuple(Path(r) for r in roots)
        self.cache_root = Path(cache_root) if cache_root else None
        self.client = client if client is not None else docker_client()
        self.image = image

    def _session(self, app_dir: Path | str, env: Mapping[str, str] | None, network: str,
                 log_path: Path | str | None) -> Session:
        base = {"HOME": "/tmp/home", "LANG": "C.UTF-8", "TERM": "dumb", "PYTHONUNBUFFERED": "1"}
        return prepare_session(app_dir, roots=self.roots, cache_root=self.cache_root, network=network,
                               base_env=base, env=env, log_path=log_path, registries=None)

    def _create(self, session: Session, command: list[str], limits: Limits, network: str,
                launcher: bool) -> ContainerHandle:
        cfg = container_config(image=self.image, command=command, app_dir=session.app_dir, uid=session.uid,
                               gid=session.gid, env=session.env, limits=limits, network=network,
                               cache_dir=session.cache_dir, run_dir=session.run_dir if launcher else None,
                               launcher=Path(launcher_module.__file__) if launcher else None)
        try:
            container = self.client.containers.create(**cfg)
            return ContainerHandle(container, session)
        except Exception as exc:
            session.cleanup()
            kind = FailureKind.missing_dependency if "ImageNotFound" in type(exc).__name__ else FailureKind.build_failed
            raise ToolFailure(kind, f"The sandbox container could not be started: {exc}",
                              hint=f"Check that the image {self.image} exists on this engine.",
                              details={"image": self.image}) from exc

    def run(self, cmd: Command, app_dir: Path | str, *, network: str = "none",
            env: Mapping[str, str] | None = None, timeout_s: float = 900.0, memory_mb: int = 2048,
            cpu_s: int = 900, pids: int = 256, file_mb: int = 2048, log_path: Path | str | None = None,
            grace_s: float = DEFAULT_GRACE_S) -> RunResult:
        """Run an install or build command in a container and wait for it (at most ``timeout_s``)."""
        argv = as_argv(cmd)
        limits = Limits(memory_mb=memory_mb, cpu_s=cpu_s, pids=pids, file_mb=file_mb)
        session = self._session(app_dir, env, network, log_path)
        handle = self._create(session, argv, limits, network, launcher=False)
        timed_out = not handle.wait(timeout_s)
        if timed_out:
            session.sink.note(f"timed out after {timeout_s:g}s; stopping")
            handle.stop(grace_s)
        handle.remove()
        return session.result("docker", handle, argv, timed_out)

    def start(self, cmd: Command, app_dir: Path | str, *, port: int | None = None,
              env: Mapping[str, str] | None = None, memory_mb: int = 2048, cpu_s: int = 3600, pids: int = 256,
              file_mb: int = 2048, log_path: Path | str | None = None,
              max_runtime_s: float | None = None) -> Service:
        """Start a long-running app in a container with no network, reached through its run folder."""
        argv = as_argv(cmd)
        limits = Limits(memory_mb=memory_mb, cpu_s=cpu_s, pids=pids, file_mb=file_mb)
        session = self._session(app_dir, env, "none", log_path)
        listener = loopback_listener()
        inner = port or listener.getsockname()[1]
        session.env = {"PORT": str(inner), **session.env}
        cfg = {"cmd": argv, "cwd": "/app", "home": "/tmp/home", "limits": {}, "probe": True,
               "status": f"{RUN}/status.json", "serve": {"socket": f"{RUN}/app.sock", "port": inner}}
        command = ["python3", "-I", "-S", LAUNCHER, json.dumps(cfg, separators=(",", ":"))]
        try:
            handle = self._create(session, command, limits, "none", launcher=True)
        except ToolFailure:
            listener.close()
            raise

        def finish(timed_out: bool) -> RunResult:
            handle.remove()
            return session.result("docker", handle, argv, timed_out)

        service = Service(handle, listener=listener, app_socket=session.io_dir / "app.sock", inner_port=inner,
                          sink=session.sink, finish=finish)
        if max_runtime_s:
            service.expire_after(max_runtime_s)
        return service
