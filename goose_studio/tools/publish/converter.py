"""llama.cpp's converter scripts, installed from the package registry: ``pip download`` fetches the
``llama-cpp-python`` source distribution into the workspace cache, and ``convert_hf_to_gguf.py``,
``convert_lora_to_gguf.py``, their ``conversion`` package and ``gguf-py`` are extracted from its
``vendor/llama.cpp`` folder. The scripts run with the studio's own Python (torch, transformers, numpy).

:func:`run_converter` runs one script and turns its failure into a typed one with the tail of its output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from ...errors import FailureKind, ToolFailure

CONVERTER_DIST = "llama-cpp-python"
CONVERTER_VERSION = "0.3.36"
SDIST_NAME = f"llama_cpp_python-{CONVERTER_VERSION}.tar.gz"
VENDOR = f"llama_cpp_python-{CONVERTER_VERSION}/vendor/llama.cpp/"
SCRIPTS = ("convert_hf_to_gguf.py", "convert_lora_to_gguf.py")
#: What is extracted from ``vendor/llama.cpp`` (files, and folders with everything under them).
WANTED = (*SCRIPTS, "conversion/", "gguf-py/")
COMPLETE_MARKER = ".complete"
DOWNLOAD_TIMEOUT_S = 900


def default_converter_dir(cache: Path) -> Path:
    return cache / "gguf-converter" / f"llama.cpp-{CONVERTER_VERSION}"


def is_converter_dir(folder: Path) -> bool:
    return all((folder / s).is_file() for s in SCRIPTS) and (folder / "gguf-py").is_dir()


def download_sdist(dest: Path) -> Path:
    """The source distribution in ``dest`` (fetched with pip when it is not there yet)."""
    found = dest / SDIST_NAME
    if found.is_file():
        return found
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", f"{CONVERTER_DIST}=={CONVERTER_VERSION}", "--no-deps",
           "--no-binary", ":all:", "--disable-pip-version-check", "-d", str(dest)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ToolFailure(FailureKind.timeout, f"Downloading {CONVERTER_DIST} {CONVERTER_VERSION} took over "
                          f"{DOWNLOAD_TIMEOUT_S} s.", hint="Check the network and export again.") from None
    if done.returncode != 0 or not found.is_file():
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        raise ToolFailure(FailureKind.missing_dependency,
                          f"llama.cpp's converter ({CONVERTER_DIST} {CONVERTER_VERSION} from the package registry) "
                          f"could not be downloaded: {' '.join(tail) or 'pip failed'}.",
                          hint=f"Check the network, or put {SDIST_NAME} in {dest} and export again.",
                          details={"command": " ".join(cmd), "dest": str(dest)})
    return found


def _extract(sdist: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{time.time_ns()}.tmp")
    try:
        with tarfile.open(sdist, "r:gz") as tar:
            members = []
            for member in tar.getmembers():
                if not member.name.startswith(VENDOR) or not (member.isfile() or member.isdir()):
                    continue
                rel = member.name[len(VENDOR):]
                if any(rel == w or (w.endswith("/") and rel.startswith(w)) for w in WANTED):
                    member.name = rel
                    members.append(member)
            tar.extractall(tmp, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        sdist.unlink(missing_ok=True)
        raise ToolFailure(FailureKind.corrupted, f"{sdist.name} does not unpack ({type(exc).__name__}: {exc}).",
                          hint="It was deleted; export again to download it anew.") from None
    if not is_converter_dir(tmp):
        shutil.rmtree(tmp, ignore_errors=True)
        raise ToolFailure(FailureKind.missing_dependency, f"{sdist.name} holds no llama.cpp converter scripts.",
                          hint=f"Use {CONVERTER_DIST} {CONVERTER_VERSION}'s source distribution.")
    (tmp / COMPLETE_MARKER).write_text(CONVERTER_VERSION + "\n")
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp.replace(target)


def converter_dir(cache: Path, given: str | None = None) -> Path:
    """A folder with llama.cpp's converter scripts: ``given``, or the one in the workspace cache (downloaded
    and extracted on first use)."""
    if given:
        folder = Path(given).expanduser()
        if not is_converter_dir(folder):
            raise ToolFailure(FailureKind.invalid_input, f"{folder} holds no llama.cpp converter scripts.",
                              hint="Pass a folder with convert_hf_to_gguf.py, convert_lora_to_gguf.py and gguf-py/, "
                                   "or leave it out to use the converter from the package registry.")
        return folder
    target = default_converter_dir(cache)
    if (target / COMPLETE_MARKER).is_file() and is_converter_dir(target):
        return target
    _extract(download_sdist(cache / "downloads"), target)
    return target


def run_converter(script: Path, argv: list[str], log: Path, timeout_s: int, what: str) -> None:
    """Run a converter script with the studio's Python; its output goes to ``log``. A failure is typed
    (build_failed, or timeout) and carries the last lines of the output."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("NO_LOCAL_GGUF", None)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        try:
            done = subprocess.run([sys.executable, str(script), *argv], stdout=out, stderr=subprocess.STDOUT,
                                  env=env, cwd=str(script.parent), timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise ToolFailure(FailureKind.timeout, f"Converting {what} to GGUF took over {timeout_s} s.",
                              hint="Try a smaller out type (q8_0) or a machine with more memory.",
                              details={"log": str(log)}) from None
    if done.returncode != 0:
        lines = [ln for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
        reason = next((ln for ln in reversed(lines) if "Error" in ln or "error" in ln), lines[-1] if lines else "")
        raise ToolFailure(FailureKind.build_failed, f"Converting {what} to GGUF failed: {reason.strip()[:300]}",
                          hint="The converter's log names the cause; a base architecture llama.cpp does not support "
                               "cannot be exported as GGUF (the .gcpkg adapter still works with PEFT).",
                          details={"log": str(log), "exit_code": done.returncode, "tail": lines[-8:]})
