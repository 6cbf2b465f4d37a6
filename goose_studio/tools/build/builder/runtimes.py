"""The runtimes and tools a sandboxed build can use: those of this machine's system folders.

The sandbox sees the host's ``/usr`` read-only, so what it can run is what lies in ``/usr/local/bin``,
``/usr/bin`` and ``/bin``. :func:`check_binaries` holds a plan's needs (``node>=20``, ``python3>=3.12``,
``pnpm``) against them: a runtime present at another version is a *version* mismatch (the build goes on
with the available one, and says so), a missing one is *missing* with the Debian package that brings it,
and a package manager that npm or pip can fetch (pnpm, yarn; poetry, uv, pdm, pipenv) is *fetched* inside
the build folder. :func:`choose_python` picks the interpreter for the app's virtual environment.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from ..plan.model import NeutralPlan, RuntimeVersion
from ..plan.versions import range_allows_major

SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
#: The Debian package that brings a missing binary.
DEBIAN_PACKAGES = {
    "python3": "python3", "pip": "python3-pip", "node": "nodejs", "npm": "npm", "go": "golang-go",
    "ruby": "ruby", "bundle": "ruby-bundler", "php": "php-cli", "composer": "composer", "java": "default-jdk",
    "mvn": "maven", "gradle": "gradle", "sbt": None, "cargo": "cargo", "rustc": "rustc", "elixir": "elixir",
    "mix": "elixir", "erl": "erlang", "gcc": "gcc", "c++": "g++", "g++": "g++", "make": "make",
    "cmake": "cmake", "meson": "meson", "ninja": "ninja-build", "crystal": None, "shards": None,
    "dart": None, "deno": None, "bun": None, "zig": None, "swift": None, "gleam": None, "dotnet": None,
    "stack": "haskell-stack", "cobc": "gnucobol", "clang": "clang", "lein": "leiningen", "clojure": "clojure",
    "nginx": "nginx", "caddy": "caddy", "php-fpm": "php-fpm", "frankenphp": None, "bash": "bash",
}
NPM_FETCHED = ("pnpm", "yarn")
PIP_FETCHED = ("poetry", "uv", "pdm", "pipenv")
SERVERS = ("nginx", "caddy", "php-fpm", "frankenphp")  # replaced by the studio's own static server
VERSION_RUNTIMES = {"python3": "python", "node": "node", "go": "go", "java": "java"}


def which(binary: str) -> str | None:
    """The binary as the sandbox would find it (system folders only)."""
    return shutil.which(binary, path=SYSTEM_PATH)


@functools.lru_cache(maxsize=1)
def pythons() -> tuple[tuple[tuple[int, int], str], ...]:
    """Every ``python3.X`` interpreter of the system folders, newest first."""
    found: dict[tuple[int, int], str] = {}
    for folder in SYSTEM_PATH.split(":"):
        for path in glob.glob(os.path.join(folder, "python3.*")):
            m = re.fullmatch(r"python3\.(\d+)", os.path.basename(path))
            if m and os.access(path, os.X_OK):
                found.setdefault((3, int(m.group(1))), path)
    return tuple(sorted(found.items(), reverse=True))


@functools.lru_cache(maxsize=16)
def version_of(binary: str) -> tuple[int, ...] | None:
    """The version a runtime reports (``node --version``, ``go version``...), None when it cannot be told."""
    path = which(binary)
    if path is None:
        return None
    flag = {"go": ["version"], "java": ["-version"]}.get(binary, ["--version"])
    try:
        done = subprocess.run([path, *flag], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", done.stdout + done.stderr)
    return tuple(int(g) for g in m.groups() if g is not None) if m else None


def _wanted(plan: NeutralPlan, runtime: str) -> RuntimeVersion | None:
    return next((r for r in plan.runtimes if r.name == runtime), None)


def python_allows(asked: str, have: tuple[int, int]) -> bool:
    """Whether ``have`` (major, minor) satisfies a Python version as the plans write it (``3.12``, ``3``,
    ``>=3.10``, ``3.11.4``)."""
    text = asked.strip()
    m = re.match(r"^(>=|>|==|~=|\^)?\s*v?(\d+)(?:\.(\d+))?", text)
    if not m:
        return True
    op, major, minor = m.group(1) or "", int(m.group(2)), m.group(3)
    want = (major, int(minor)) if minor is not None else None
    if op in (">=", "^", "~="):
        return have >= (want or (major, 0)) and have[0] == major
    if op == ">":
        return have > (want or (major, 99))
    return have[0] == major and (want is None or have == want)


def choose_python(plan: NeutralPlan) -> tuple[str | None, RuntimeVersion | None, bool]:
    """(interpreter path, the version asked, whether it is satisfied) for the app's environment."""
    found = pythons()
    wanted = _wanted(plan, "python")
    if not found:
        return which("python3"), wanted, which("python3") is not None
    if wanted is None or wanted.source == "default":
        return found[0][1], wanted, True
    for version, path in found:
        if python_allows(wanted.version, version):
            return path, wanted, True
    return found[0][1], wanted, False


@dataclass
class BinaryCheck:
    """How a plan's needs meet this machine."""

    version: list[tuple[str, str, str, str]] = field(default_factory=list)  # (runtime, asked, source, used)
    missing: list[tuple[str, str | None]] = field(default_factory=list)  # (binary, Debian package)
    fetched: list[str] = field(default_factory=list)  # package managers fetched into the build folder
    servers: list[str] = field(default_factory=list)  # web servers replaced by the studio's static server


def _split(need: str) -> tuple[str, str | None]:
    m = re.match(r"^([\w.+-]+?)(?:(>=|@)(.+))?$", need)
    return (m.group(1), m.group(3)) if m else (need, None)


def check_binaries(plan: NeutralPlan) -> BinaryCheck:
    out = BinaryCheck()
    for need in plan.binaries:
        name, _floor = _split(need)
        if name in SERVERS:
            out.servers.append(name)
            continue
        if name in NPM_FETCHED and which(name) is None:
            out.fetched.append(name)
            continue
        if name in PIP_FETCHED and which(name) is None:
            out.fetched.append(name)
            continue
        if name == "pip":
            continue  # every virtual environment has its own
        if which(name) is None:
            out.missing.append((name, DEBIAN_PACKAGES.get(name, name)))
            continue
        runtime = VERSION_RUNTIMES.get(name)
        wanted = _wanted(plan, runtime) if runtime else None
        if wanted is None or wanted.source == "default" or wanted.version in ("", "latest", "*"):
            continue
        if runtime == "python":
            _path, _w, ok = choose_python(plan)
            used = ".".join(map(str, pythons()[0][0])) if pythons() else "?"
            if not ok:
                out.version.append(("python", wanted.version, wanted.source, used))
            continue
        have = version_of(name)
        if have is None:
            continue
        text = wanted.version.strip().lstrip("v")
        if re.fullmatch(r"\d+(?:\.\d+){0,2}", text):
            allowed = text.split(".")[0] == str(have[0])
        else:
            allowed = range_allows_major(text, have[0])
        if not allowed:
            out.version.append((runtime or name, wanted.version, wanted.source, ".".join(map(str, have))))
    return out


def version_variable(flavor: str, runtime: str) -> str:
    """The planner variable that sets a runtime's version (``NIXPACKS_NODE_VERSION``...)."""
    return f"{flavor.upper()}_{runtime.upper()}_VERSION"
