"""Running the real ``nixpacks`` / ``railpack`` binaries when one is on PATH.

``nixpacks plan DIR --format json`` and ``railpack info DIR --format json``, each with ``--env K=V`` for the
given env. The binary's JSON is returned as it printed it; a binary that fails or prints something that is
not JSON yields :class:`EngineError` (the planner then falls back to its own rules and says why).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from .model import Flavor

TIMEOUT_S = 120.0


class EngineError(RuntimeError):
    """The real tool could not produce a plan."""


@dataclass(frozen=True)
class EngineRun:
    binary: str
    version: str | None
    output: dict[str, Any]


def find_binary(fmt: Flavor) -> str | None:
    return shutil.which(fmt)


def _version(binary: str) -> str | None:
    try:
        proc = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (proc.stdout or proc.stderr).strip()
    return text.split()[-1] if text else None


def command(fmt: Flavor, binary: str, app_dir: str, env: dict[str, str]) -> list[str]:
    args = [binary, "plan" if fmt == "nixpacks" else "info", app_dir, "--format", "json"]
    for key, value in sorted(env.items()):
        args += ["--env", f"{key}={value}"]
    return args


def run_engine(fmt: Flavor, binary: str, app_dir: str, env: dict[str, str]) -> EngineRun:
    try:
        proc = subprocess.run(command(fmt, binary, app_dir, env), capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise EngineError(f"{fmt} did not answer within {TIMEOUT_S:.0f}s") from exc
    except OSError as exc:
        raise EngineError(f"{fmt} could not be started: {exc}") from exc
    text = proc.stdout.strip()
    start = text.find("{")
    try:
        data = json.loads(text[start:]) if start >= 0 else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        tail = (proc.stderr or proc.stdout).strip()[-300:]
        raise EngineError(f"{fmt} exited {proc.returncode} without a JSON plan: {tail}")
    return EngineRun(binary=binary, version=_version(binary), output=data)
