"""``goose-studio doctor``: what this machine has, what it lacks, and how to fix it.

Every check is quick, never raises, and says whether the studio cannot work without it (``required``).
Checks run side by side, each bounded by a short time limit; one that does not answer in time is
reported as failed rather than holding the others up.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel

from .errors import ToolFailure
from .redact import redact_url

CHECK_TIMEOUT_S = 2.0
MIN_FREE_BYTES = 5 * 1024**3
SETUP_FIX = "bash scripts/setup.sh"


class Check(BaseModel):
    name: str
    ok: bool
    required: bool
    detail: str = ""
    fix: str = ""


def _gib(n: int | float) -> str:
    return f"{n / 1024**3:.1f} GiB"


# ----------------------------------------------------------------------------------------------------------
# the checks, in the order they are reported


def check_python() -> Check:
    v = sys.version_info
    ok = v >= (3, 10)
    return Check(
        name="python", ok=ok, required=True,
        detail=f"Python {v.major}.{v.minor}.{v.micro} ({sys.executable})",
        fix="" if ok else "Use Python 3.10 or newer (e.g. PYTHON=python3.11 bash scripts/setup.sh).",
    )


def check_torch() -> Check:
    """torch's version and build, read from its metadata without importing it (importing takes seconds)."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return Check(name="torch", ok=False, required=True, detail="torch is not installed", fix=SETUP_FIX)
    version = cuda = None
    version_file = Path(list(spec.submodule_search_locations)[0]) / "version.py"
    try:
        text = version_file.read_text(encoding="utf-8")
        m = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
        version = m.group(1) if m else None
        m = re.search(r"^cuda\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", text, re.M)
        cuda = m.group(1) if m else None
    except OSError:
        pass
    if version is None:
        try:
            version = importlib.metadata.version("torch")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
    build = f"CUDA {cuda} build" if cuda else "CPU build"
    return Check(name="torch", ok=True, required=True, detail=f"torch {version} ({build})")


def check_cuda_gpu() -> Check:
    fix = ("No NVIDIA GPU was found: training runs on the CPU (slow but complete). For GPU training install "
           "the NVIDIA driver and a CUDA build of torch.")
    try:
        import pynvml
    except ImportError:
        return Check(name="cuda_gpu", ok=False, required=False, detail="nvidia-ml-py is not installed",
                     fix="pip install nvidia-ml-py (GPU detection only); " + fix)
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return Check(name="cuda_gpu", ok=False, required=False, detail=f"NVML unavailable: {exc}", fix=fix)
    try:
        count = pynvml.nvmlDeviceGetCount()
        gpus = []
        for i in range(count):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            name = pynvml.nvmlDeviceGetName(handle)
            if isinstance(name, bytes):
                name = name.decode("utf-8", "replace")
            mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append(f"{name} ({_gib(mem.total)}, {_gib(mem.free)} free)")
        driver = pynvml.nvmlSystemGetDriverVersion()
        if isinstance(driver, bytes):
            driver = driver.decode("utf-8", "replace")
    except pynvml.NVMLError as exc:
        return Check(name="cuda_gpu", ok=False, required=False, detail=f"NVML error: {exc}", fix=fix)
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass
    if not gpus:
        return Check(name="cuda_gpu", ok=False, required=False, detail="the NVIDIA driver reports no GPU", fix=fix)
    return Check(name="cuda_gpu", ok=True, required=False, detail=f"driver {driver}: " + "; ".join(gpus))


def check_docker() -> Check:
    fix = ("Optional: start a Docker engine to sandbox builds in containers and use the Dockerfile fallback; "
           "bubblewrap sandboxes builds without it (with neither, runs are code-only).")
    try:
        import docker
    except ImportError:
        return Check(name="docker", ok=False, required=False, detail="the docker Python SDK is not installed",
                     fix="pip install docker; " + fix)
    client = None
    try:
        client = docker.from_env(timeout=1)
        client.ping()
        version = client.version().get("Version", "?")
    except Exception as exc:  # the SDK raises DockerException, requests errors, OSErrors...
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Check(name="docker", ok=False, required=False, detail=f"no Docker engine: {first[:200]}", fix=fix)
    finally:
        if client is not None:
            try:
                client.close()
            except Exception:
                pass
    return Check(name="docker", ok=True, required=False, detail=f"Docker engine {version}")


def _binary_check(name: str, candidates: tuple[str, ...], purpose: str, fix: str) -> Check:
    for binary in candidates:
        path = shutil.which(binary)
        if path:
            return Check(name=name, ok=True, required=False, detail=f"{path} ({purpose})")
    return Check(name=name, ok=False, required=False,
                 detail=f"{' / '.join(candidates)} not found on PATH ({purpose})", fix=fix)


def check_nixpacks() -> Check:
    return _binary_check(
        "nixpacks", ("nixpacks",), "plans a project's build; the studio's own nixpacks rules plan without it",
        "Optional: install nixpacks (https://nixpacks.com/docs/install) to plan with the real binary.",
    )


def check_railpack() -> Check:
    return _binary_check(
        "railpack", ("railpack",), "plans builds the way Railway's current builder does",
        "Optional: install railpack (https://railpack.com); without it the studio's own railpack rules plan.",
    )


def check_playwright() -> Check:
    """Playwright's Python package, found without importing it (the UI explorer drives Chromium with it)."""
    if importlib.util.find_spec("playwright") is None:
        return Check(name="playwright", ok=False, required=False,
                     detail="the playwright package is not installed (the UI explorer needs it)",
                     fix=f"{SETUP_FIX} (installs playwright); pages of built apps are not explored until then")
    try:
        version = importlib.metadata.version("playwright")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown version"
    return Check(name="playwright", ok=True, required=False, detail=f"playwright {version} (explores built apps)")


def check_chromium() -> Check:
    return _binary_check(
        "chromium", ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"),
        "renders a built web app's pages",
        "apt-get install chromium",
    )


def check_bubblewrap() -> Check:
    return _binary_check(
        "bubblewrap", ("bwrap",), "sandboxes commands run from a project",
        "apt-get install bubblewrap",
    )


def check_git() -> Check:
    path = shutil.which("git")
    fix = "Install git (e.g. apt-get install git)."
    if path is None:
        return Check(name="git", ok=False, required=True, detail="git not found on PATH", fix=fix)
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=CHECK_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check(name="git", ok=False, required=True, detail=f"{path} did not run: {exc}", fix=fix)
    if proc.returncode != 0:
        return Check(name="git", ok=False, required=True, detail=f"{path} --version exited {proc.returncode}", fix=fix)
    return Check(name="git", ok=True, required=True, detail=f"{proc.stdout.strip()} ({path})")


def check_llamafactory() -> Check:
    """Present and locatable; not imported, since importing it pulls in the whole training stack."""
    try:
        spec = importlib.util.find_spec("llamafactory")
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return Check(name="llamafactory", ok=False, required=True, detail="llamafactory is not installed",
                     fix=SETUP_FIX)
    try:
        version = importlib.metadata.version("llamafactory")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown version"
    return Check(name="llamafactory", ok=True, required=True, detail=f"llamafactory {version}")


def check_embedded_model() -> Check:
    from .tools.models import EMBEDDED_DIST, embedded_gguf

    try:
        path = embedded_gguf()
    except ToolFailure as failure:
        return Check(name="embedded_model", ok=False, required=True, detail=failure.message, fix=failure.hint)
    version = importlib.metadata.version(EMBEDDED_DIST)
    return Check(name="embedded_model", ok=True, required=True,
                 detail=f"{path.name} from {EMBEDDED_DIST} {version} ({path.stat().st_size / 1024**2:.0f} MiB)")


def _workspace_root() -> Path:
    env = os.environ.get("GOOSE_STUDIO_HOME")
    return Path(env).expanduser() if env else Path.home() / ".goose-studio"


def check_disk() -> Check:
    root = _workspace_root()
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError as exc:
        return Check(name="disk", ok=False, required=False, detail=f"cannot read free space at {probe}: {exc}",
                     fix="Set GOOSE_STUDIO_HOME to a writable folder.")
    ok = free >= MIN_FREE_BYTES
    return Check(
        name="disk", ok=ok, required=False,
        detail=f"{_gib(free)} free for the workspace {root}",
        fix="" if ok else f"Free disk space (at least {_gib(MIN_FREE_BYTES)} is advised) or point "
        "GOOSE_STUDIO_HOME at a larger disk.",
    )


def check_llm_endpoint() -> Check:
    """Which brain the agents would use, decided exactly as they decide it (``brain_from_env``); no request sent."""
    from .agents.brain import BRAIN_ENV, OpenAIBrain, brain_from_env

    brain = brain_from_env()
    if isinstance(brain, OpenAIBrain):
        where = "the MCP host's model through the sampling bridge" if brain.name == "sampling" \
            else f"LLM endpoint {redact_url(brain.base_url)}"
        return Check(name="llm_endpoint", ok=True, required=False,
                     detail=f"brain: {brain.name} — {where}, model {brain.model}, timeout {brain.timeout_s:g} s")
    if (os.environ.get(BRAIN_ENV) or "").strip().lower() == "rules":
        return Check(name="llm_endpoint", ok=True, required=False,
                     detail=f"brain: rules — {BRAIN_ENV}=rules: the rules-only brain will be used")
    return Check(
        name="llm_endpoint", ok=False, required=False,
        detail="brain: rules — GOOSE_STUDIO_LLM_BASE_URL is not set: the rules-only brain will be used "
               "(under an MCP host that supports sampling, runs started from it use the host's model)",
        fix="Set GOOSE_STUDIO_LLM_BASE_URL to an OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, "
            "LM Studio, `goose-studio serve`) to let a model plan runs.",
    )


CHECKS: tuple[tuple[str, Callable[[], Check]], ...] = (
    ("python", check_python),
    ("torch", check_torch),
    ("cuda_gpu", check_cuda_gpu),
    ("docker", check_docker),
    ("nixpacks", check_nixpacks),
    ("railpack", check_railpack),
    ("chromium", check_chromium),
    ("playwright", check_playwright),
    ("bubblewrap", check_bubblewrap),
    ("git", check_git),
    ("llamafactory", check_llamafactory),
    ("embedded_model", check_embedded_model),
    ("disk", check_disk),
    ("llm_endpoint", check_llm_endpoint),
)
REQUIRED = frozenset({"python", "torch", "git", "llamafactory", "embedded_model"})


# ----------------------------------------------------------------------------------------------------------
# running them


def _guarded(name: str, fn: Callable[[], Check]) -> Check:
    try:
        return fn()
    except BaseException as exc:  # a check must never take the doctor down
        return Check(name=name, ok=False, required=name in REQUIRED,
                     detail=f"the check itself failed: {type(exc).__name__}: {exc}"[:300],
                     fix="Run `goose-studio doctor` again; if this persists, report it.")


def run_checks(timeout_s: float = CHECK_TIMEOUT_S) -> list[Check]:
    """Run every check side by side; each has ``timeout_s`` to answer. Never raises."""
    results: dict[str, Check] = {}
    threads: list[tuple[str, threading.Thread]] = []

    def work(name: str, fn: Callable[[], Check]) -> None:
        results[name] = _guarded(name, fn)

    for name, fn in CHECKS:
        t = threading.Thread(target=work, args=(name, fn), name=f"doctor-{name}", daemon=True)
        t.start()
        threads.append((name, t))
    deadline = time.monotonic() + timeout_s
    for name, t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    out = []
    for name, _ in CHECKS:
        check = results.get(name)
        if check is None:
            check = Check(name=name, ok=False, required=name in REQUIRED,
                          detail=f"did not answer within {timeout_s:g} s",
                          fix="Run `goose-studio doctor` again; a slow check usually means a hung service.")
        out.append(check)
    return out


def summary(checks: list[Check]) -> dict[str, Any]:
    """A JSON-ready report: overall ``ok`` (every required check passed), the checks, and what failed."""
    failed_required = [c.name for c in checks if c.required and not c.ok]
    warnings = [c.name for c in checks if not c.required and not c.ok]
    return {
        "ok": not failed_required,
        "failed_required": failed_required,
        "warnings": warnings,
        "checks": [c.model_dump() for c in checks],
    }
