"""The trainer's failures as typed ones: its exit code and the tail of its log, read for what went wrong.

The patterns are the messages torch, CUDA, bitsandbytes, Unsloth and the kernel really print (see the
tests for the texts): out of memory on a GPU or a CPU, CUDA errors (named in ``details["cuda_error"]``, so
that a repair can tell a transient fault from a broken setup), a full disk, missing packages, NaN loss.
"""

from __future__ import annotations

import re
import shutil
import signal
from pathlib import Path

from ...errors import FailureKind, ToolFailure

# CUDA errors by what they mean for a retry: the name recorded, and whether the same run may work again.
CUDA_ERRORS: tuple[tuple[str, str, bool], ...] = (
    (r"illegal memory access", "illegal_memory_access", True),
    (r"unspecified launch failure", "launch_failure", True),
    (r"uncorrectable ecc error|ecc error", "ecc_error", True),
    (r"cublas_status_execution_failed", "cublas_execution_failed", True),
    (r"nccl error|ncclunhandledcudaerror|ncclsystemerror", "nccl_error", True),
    (r"cudnn_status_not_initialized|cudnn_status_internal_error|cudnn error", "cudnn_error", True),
    (r"device-side assert triggered", "device_side_assert", False),
    (r"no kernel image is available for execution on the device", "no_kernel_image", False),
    (r"cuda driver version is insufficient|cuda driver initialization failed|found no nvidia driver",
     "driver", False),
    (r"no cuda gpus are available|torch not compiled with cuda enabled", "no_gpu", False),
    (r"cuda error", "cuda_error", True),
)
OOM_PATTERNS = (r"out of memory", r"memoryerror", r"can't allocate memory", r"cannot allocate memory",
                r"cublas_status_alloc_failed", r"outofmemoryerror")
MISSING_PATTERNS = (r"packagenotfounderror", r"modulenotfounderror", r"no module named",
                    r"compiled without gpu support", r"requires the .* library but it was not found")


def _cuda_error(low: str) -> tuple[str, bool] | None:
    for pattern, name, transient in CUDA_ERRORS:
        if re.search(pattern, low):
            return name, transient
    return None


# What torch prints when writing a checkpoint fails part-way (its zip writer), whatever the cause.
WRITE_FAILED = (r"iostream error", r"inline_container\.cc.*unexpected pos", r"file write failed")
#: Below this much free space, a failed write is taken for a full disk.
LOW_SPACE_BYTES = 64 << 20


def _nearly_full(folder: Path | None) -> bool:
    while folder is not None and not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return folder is not None and shutil.disk_usage(folder).free < LOW_SPACE_BYTES
    except OSError:
        return False


def classify_failure(returncode: int, log_tail: str, output_dir: Path | None = None) -> ToolFailure:
    """The typed failure for a trainer that exited with ``returncode`` after writing ``log_tail``; a write
    that failed while ``output_dir``'s filesystem is nearly full is a full disk too."""
    tail = log_tail[-4000:]
    low = tail.lower()
    details: dict = {"exit_code": returncode, "log_tail": tail[-1500:]}
    if returncode in (-signal.SIGKILL, 137) or any(re.search(p, low) for p in OOM_PATTERNS):
        where = "GPU" if "cuda" in low else "memory"
        details["where"] = where
        return ToolFailure(FailureKind.oom, f"Training ran out of {'GPU memory' if where == 'GPU' else 'memory'}.",
                           hint="Use a smaller batch size or cutoff length, or a smaller model; then resume.", details=details)
    write_failed = any(re.search(p, low) for p in WRITE_FAILED) and _nearly_full(output_dir)
    if write_failed or "no space left on device" in low or "errno 28" in low or "pytorchstreamwriter failed writing" in low:
        return ToolFailure(FailureKind.disk_full, "The disk filled up during training.",
                           hint="Free disk space where GOOSE_STUDIO_HOME lives, then resume the run.", details=details)
    if any(re.search(p, low) for p in MISSING_PATTERNS):
        found = re.search(r"no (?:package metadata was found for|module named) '?([A-Za-z0-9_.-]+)", tail, re.I)
        if found:
            details["package"] = found.group(1).strip("'\". ")
        return ToolFailure(FailureKind.missing_dependency, "A package the trainer needs is not installed.",
                           hint="Run `bash scripts/setup.sh` (or `goose-studio doctor`) and resume.", details=details)
    cuda = _cuda_error(low)
    if cuda is not None:
        details.update(cuda_error=cuda[0], transient=cuda[1])
        return ToolFailure(FailureKind.train_failed, f"The GPU failed during training (CUDA: {cuda[0].replace('_', ' ')}).",
                           hint="Resume to try again; if it keeps failing, train on the CPU.", details=details)
    if "unsloth" in low:
        details["unsloth"] = True
        return ToolFailure(FailureKind.train_failed, "Unsloth failed to start training with this model or setup.",
                           hint="Train without Unsloth (standard training is slower but works).", details=details)
    if re.search(r"\bloss\b[^\n]*\bnan\b|\bnan\b[^\n]*\bloss\b", low):
        return ToolFailure(FailureKind.nan_loss, "The training loss became NaN.",
                           hint="Lower the learning rate (e.g. --learning-rate 1e-4) and resume.", details=details)
    return ToolFailure(FailureKind.train_failed, f"LLaMA-Factory exited with code {returncode}.",
                       hint="See the training log in the run folder; resume once the cause is fixed.", details=details)
