"""The bubblewrap command line of a sandbox: what it sees, what it may write, which namespaces it gets.

Inside the sandbox:

* ``/usr`` (and ``/bin``, ``/lib*``, ``/sbin`` as the host has them, links or folders) read-only;
* ``/etc`` holds only :data:`ETC_ENTRIES` (certificates, the dynamic linker's cache, alternatives, time
  zone, MIME types, the pip and npm configuration…), read-only, plus a ``passwd``, ``group`` and ``hosts``
  of its own (one user ``app``; no DNS configuration at all);
* ``/app`` is the app folder, the only host folder it may write, besides ``/cache`` (the package
  managers' cache of that app, when given) and ``/.sandbox/run`` (sockets and the launcher's status);
* ``/tmp`` and ``/dev/shm`` are private tmpfs of bounded size, ``/proc`` belongs to its own PID
  namespace, ``/dev`` holds only the basic devices; the root itself is remounted read-only;
* its own PID, IPC, UTS, cgroup and network namespaces (loopback only), a new session
  (``--new-session``), and death with its parent (``--die-with-parent``).

When the studio runs as root, bwrap runs as root to make the mounts, keeps only ``CAP_SETUID`` and
``CAP_SETGID`` for the launcher, and the launcher drops to the app's own uid before anything else runs
(root's processes are exempt from ``RLIMIT_NPROC``, so the process limit needs a uid of its own). As any
other user, bwrap runs unprivileged in a new user namespace, with nested user namespaces disabled where
bubblewrap is 0.8 or later. bubblewrap 0.6 or later is needed (``--perms`` and ``--size`` for tmpfs).
"""

from __future__ import annotations

import functools
import glob
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

APP = "/app"
CACHE = "/cache"
RUN = "/.sandbox/run"
LAUNCHER = "/.sandbox/launcher.py"
HOME = "/tmp/home"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
ETC_ENTRIES = (
    "alternatives", "ssl", "ca-certificates", "ca-certificates.conf", "pki", "crypto-policies",
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "host.conf", "localtime", "timezone",
    "mime.types", "mailcap", "magic", "magic.mime", "protocols", "services", "os-release", "debian_version",
    "lsb-release", "python3", "python3.*", "pip.conf", "xdg", "npmrc", "gitconfig", "fonts", "java-*",
    "bash.bashrc", "profile", "inputrc", "terminfo", "shells", "locale.alias",
)
PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")
MIN_VERSION = (0, 6, 0)  # --perms and --size for tmpfs
DISABLE_USERNS_VERSION = (0, 8, 0)


@functools.lru_cache(maxsize=8)
def bwrap_version(exe: str) -> tuple[int, ...] | None:
    """bubblewrap's version (``bwrap --version``), or None when it cannot be told."""
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(g or 0) for g in match.groups()) if match else None


def system_python() -> str | None:
    """The python3 the launcher runs on inside the sandbox (it must live under /usr)."""
    for path in PYTHONS:
        if os.access(path, os.X_OK):
            return path
    return None


def etc_entries(etc: str = "/etc") -> list[str]:
    """The names under ``etc`` a sandbox may read (the patterns of :data:`ETC_ENTRIES` that exist)."""
    found: list[str] = []
    for pattern in ETC_ENTRIES:
        for path in sorted(glob.glob(os.path.join(etc, pattern))):
            name = os.path.relpath(path, etc)
            if name not in found:
                found.append(name)
    return found


@dataclass
class Layout:
    """Host paths and facts that one sandbox's command line is made of."""

    app_dir: Path
    run_dir: Path  # root-owned: etc/ (passwd, group, hosts) and io/ (the sandbox's own)
    launcher: Path
    python: str
    root_mode: bool
    uid: int
    gid: int
    tmp_mb: int = 512
    cache_dir: Path | None = None
    read_only: Sequence[Path] = ()
    extra_etc: Sequence[str] = ()
    disable_userns: bool = True  # bubblewrap 0.8 and later

    @property
    def io_dir(self) -> Path:
        return self.run_dir / "io"

    @property
    def etc_dir(self) -> Path:
        return self.run_dir / "etc"


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every sandboxed command starts from (nothing of the studio's own)."""
    env = {"PATH": PATH, "HOME": HOME, "USER": "app", "LOGNAME": "app", "LANG": "C.UTF-8", "TERM": "dumb",
           "TMPDIR": "/tmp", "PYTHONUNBUFFERED": "1", "SHELL": "/bin/sh"}
    env.update(extra or {})
    return env


def namespace_args(root_mode: bool, uid: int, gid: int, disable_userns: bool = True) -> list[str]:
    args = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-net", "--unshare-cgroup-try", "--hostname", "sandbox"]
    if root_mode:
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user", "--uid", str(uid), "--gid", str(gid)]
        if disable_userns:
            args.append("--disable-userns")
    return args


def system_args(extra_etc: Sequence[str] = (), etc: str = "/etc") -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ROOT_LINKS:
        host = f"/{name}"
        if os.path.islink(host):
            args += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            args += ["--ro-bind", host, host]
    for name in [*etc_entries(etc), *extra_etc]:
        args += ["--ro-bind-try", os.path.join(etc, name), os.path.join("/etc", name)]
    return args


def launcher_config(layout: Layout, cmd: Sequence[str], *, limits: dict[str, int], control_fd: int | None,
                    serve_port: int | None = None, proxy_port: int | None = None) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "cmd": list(cmd), "cwd": APP, "home": HOME, "limits": limits, "probe": True,
        "status": f"{RUN}/status.json", "control_fd": control_fd,
        "drop": [layout.uid, layout.gid] if layout.root_mode else None,
    }
    if serve_port is not None:
        cfg["serve"] = {"socket": f"{RUN}/app.sock", "port": serve_port}
    if proxy_port is not None:
        cfg["proxy"] = {"socket": f"{RUN}/proxy.sock", "port": proxy_port}
    return cfg


def bwrap_argv(layout: Layout, launcher_cfg: dict[str, Any], bwrap: str = "bwrap") -> list[str]:
    """The whole ``bwrap`` command line of one sandbox running the launcher with ``launcher_cfg``."""
    mib = 1024 * 1024
    args = [bwrap, *namespace_args(layout.root_mode, layout.uid, layout.gid, layout.disable_userns)]
    for folder in ("/etc", "/var", "/.sandbox"):
        args += ["--perms", "0755", "--dir", folder]
    args += system_args(layout.extra_etc)
    for name in ("passwd", "group", "hosts"):
        args += ["--ro-bind", str(layout.etc_dir / name), f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(layout.tmp_mb * mib), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(64 * mib), "--tmpfs", "/dev/shm",
             "--perms", "1777", "--size", str(64 * mib), "--tmpfs", "/var/tmp"]
    made = {"/", "/etc", "/var", "/.sandbox", "/tmp"}
    for path in layout.read_only:  # after the tmpfs mounts, which would hide them
        for parent in reversed(Path(path).parents):
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind-try", str(path), str(path)]
    args += ["--bind", str(layout.app_dir), APP, "--bind", str(layout.io_dir), RUN,
             "--ro-bind", str(layout.launcher), LAUNCHER]
    if layout.cache_dir is not None:
        args += ["--bind", str(layout.cache_dir), CACHE]
    args += ["--remount-ro", "/", "--chdir", APP, "--",
             layout.python, "-I", "-S", LAUNCHER, json.dumps(launcher_cfg, separators=(",", ":"))]
    return args
