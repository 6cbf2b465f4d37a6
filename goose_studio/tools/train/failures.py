"""The trainer's failures as typed ones: its exit code and the tail of its log, read for what went wrong."""

from __future__ import annotations

import re
import signal

from ...errors import FailureKind, ToolFailure


def classify_failure(returncode: int, log_tail: str) -> ToolFailure:
    """The typed failure for a trainer that exited with ``returncode`` after writing ``log_tail``."""
    tail = log_tail[-4000:]
    low = tail.lower()
    details = {"exit_code": returncode, "log_tail": tail[-1500:]}
    if returncode in (-signal.SIGKILL, 137) or "out of memory" in low or "memoryerror" in low:
        return ToolFailure(FailureKind.oom, "Training ran out of memory.",
                           hint="Use a smaller batch size or cutoff length, or a smaller model; then resume.", details=details)
    if "no space left on device" in low:
        return ToolFailure(FailureKind.disk_full, "The disk filled up during training.",
                           hint="Free disk space where GOOSE_STUDIO_HOME lives, then resume the run.", details=details)
    if "packagenotfounderror" in low or "modulenotfounderror" in low or "no module named" in low:
        return ToolFailure(FailureKind.missing_dependency, "A package the trainer needs is not installed.",
                           hint="Run `bash scripts/setup.sh` (or `goose-studio doctor`) and resume.", details=details)
    if re.search(r"\bloss\b[^\n]*\bnan\b|\bnan\b[^\n]*\bloss\b", low):
        return ToolFailure(FailureKind.nan_loss, "The training loss became NaN.",
                           hint="Lower the learning rate (e.g. --learning-rate 1e-4) and resume.", details=details)
    return ToolFailure(FailureKind.train_failed, f"LLaMA-Factory exited with code {returncode}.",
                       hint="See the training log in the run folder; resume once the cause is fixed.", details=details)
