"""Fault injection: make a chosen tool fail with a chosen kind, for tests and demos.

``GOOSE_STUDIO_FAULTS`` is a comma-separated list of ``<target>:<fault>[*<times>]``:

- ``target`` is a tab (``source``, ``build``, ``prepare``, ``train``, ``test``, ``publish``), which fires at
  that tab's primary tool (the one registered with ``primary=True``), or any tool name (``prepare_model``,
  ``validate``, ...).
- ``fault`` is a failure kind (``oom``, ``transient``, ``disk_full``, ...) or a named scenario from
  :data:`SCENARIOS` (``too_few_pairs``, ``offline``, ``private_repo``, ...).
- ``times`` is how often it fires: a number (default 1) or ``always``.

Example: ``GOOSE_STUDIO_FAULTS=train:oom,prepare:too_few_pairs*2,publish:disk_full*always``.

The scenario ``stall`` fails nothing: the tool call waits ``GOOSE_STUDIO_FAULT_STALL_S`` seconds (default
60) first, which gives a window to kill the run inside that step (crash-and-resume checks). The target
``answer`` takes only ``stall``: the wait comes right after the Guide has taken the user's answer, before
that is checkpointed.

How often a fault has fired is counted in the run's folder (``faults.json``), so a fault that fires once
stays fired after a crash and a resume. The injected failure is a real :class:`ToolFailure`, raised where
the tool would raise its own, so everything downstream (routing, repair, Guide) is the real path.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import FailureKind, ToolFailure

ENV = "GOOSE_STUDIO_FAULTS"

# Named scenarios: what a real failure of that sort looks like (kind, message, details).
SCENARIOS: dict[str, tuple[FailureKind, str, dict[str, Any]]] = {
    "offline": (FailureKind.transient, "Could not resolve host: the network is unreachable.", {"exit_code": 128}),
    "repo_not_found": (FailureKind.not_found, "The repository was not found (HTTP 404).", {"exit_code": 128}),
    "private_repo": (FailureKind.auth_required, "Authentication required: the repository is private.", {}),
    "branch_not_found": (FailureKind.not_found, "Remote branch not found in upstream origin.", {"branch": True}),
    "empty_repo": (FailureKind.insufficient_data, "The repository has no files.", {}),
    "no_source_files": (FailureKind.insufficient_data, "No supported source files were found to index.", {}),
    "parse_error": (FailureKind.corrupted, "The code index is unreadable (truncated JSON).", {}),
    "too_few_pairs": (FailureKind.insufficient_data, "Only 12 pairs could be generated; at least 40 are needed.",
                      {"pairs": 12}),
    "bad_dataset": (FailureKind.corrupted, "The generated dataset has a malformed line.", {}),
    "model_missing": (FailureKind.missing_dependency, "The base model files are not available locally.", {}),
    "unsloth_missing": (FailureKind.missing_dependency, "No package metadata was found for unsloth.",
                        {"package": "unsloth"}),
    "cuda_error": (FailureKind.train_failed, "CUDA error: an illegal memory access was encountered.", {}),
    "hang": (FailureKind.timeout, "The trainer wrote no progress for 900 s and was stopped.", {}),
    "low_score": (FailureKind.low_quality, "The core did not beat its base model on the held-out pairs.", {}),
    "load_check_failed": (FailureKind.corrupted, "The adapter does not load onto its base model.", {}),
    "secret_found": (FailureKind.invalid_input, "A secret-looking string was found in the package contents.", {}),
}


STALL = "stall"
#: The moment a Guide answer has been taken (stall only): see :func:`maybe_fail`'s callers in the conductor.
ANSWER = "answer"

# The fault cases the test matrix and benchmarks/fault_matrix.py inject: (target, fault), all six tabs.
CASES: tuple[tuple[str, str], ...] = (
    ("source", "transient"), ("source", "offline"), ("source", "repo_not_found"), ("source", "private_repo"),
    ("source", "empty_repo"), ("source", "disk_full"), ("source", "timeout"),
    ("build", "no_source_files"), ("build", "parse_error"), ("build", "disk_full"), ("build", "internal"),
    ("prepare", "too_few_pairs"), ("prepare", "bad_dataset"), ("prepare", "disk_full"),
    ("prepare_model", "model_missing"),
    ("train", "oom"), ("train", "nan_loss"), ("train", "hang"), ("train", "cuda_error"),
    ("train", "unsloth_missing"), ("train", "disk_full"), ("train", "train_failed"),
    ("test", "oom"), ("test", "timeout"), ("test", "low_score"), ("test", "corrupted"),
    ("publish", "disk_full"), ("publish", "load_check_failed"), ("publish", "secret_found"),
    ("publish", "internal"),
)


@dataclass(frozen=True)
class Fault:
    target: str
    fault: str
    times: int | None  # None: always

    @property
    def key(self) -> str:
        return f"{self.target}:{self.fault}"

    def failure(self, tool: str, tab: str | None) -> ToolFailure:
        if self.fault in SCENARIOS:
            kind, message, details = SCENARIOS[self.fault]
        else:
            kind = FailureKind(self.fault)
            message, details = f"Injected {kind.value} failure.", {}
        where = f"{tab}/{tool}" if tab else tool
        return ToolFailure(kind, f"{message} (injected fault {self.key} at {where})",
                           hint="This failure was injected with GOOSE_STUDIO_FAULTS; unset it to run normally.",
                           details={**details, "injected": self.key, "tool": tool})


def parse(spec: str) -> list[Fault]:
    """Parse a GOOSE_STUDIO_FAULTS value; a malformed entry is a typed invalid_input failure."""
    faults = []
    for raw in filter(None, (p.strip() for p in spec.split(","))):
        m = re.fullmatch(r"([a-z_]+):([a-z_]+)(?:\*(\d+|always))?", raw)
        if not m:
            raise ToolFailure(FailureKind.invalid_input, f"Bad fault '{raw}' in {ENV}.",
                              hint="Write <tab-or-tool>:<kind-or-scenario>[*N|*always], e.g. train:oom*2.")
        target, fault, times = m.groups()
        if fault not in SCENARIOS and fault not in FailureKind.__members__ and fault != STALL:
            raise ToolFailure(FailureKind.invalid_input, f"Unknown fault '{fault}' in {ENV}.",
                              hint="Use a failure kind (" + ", ".join(FailureKind.__members__) + ") or a scenario ("
                                   + ", ".join([*SCENARIOS, STALL]) + ").")
        if target == ANSWER and fault != STALL:
            raise ToolFailure(FailureKind.invalid_input, f"Bad fault '{raw}' in {ENV}: an answer can only stall.",
                              hint=f"Write {ANSWER}:{STALL} to wait after a Guide answer is taken.")
        faults.append(Fault(target, fault, None if times == "always" else int(times or 1)))
    return faults


_LOCK = threading.Lock()
_IN_PROCESS: dict[str, int] = {}  # counts for tool calls outside a run


def _load_counts(path: Path | None) -> dict[str, int]:
    if path is None:
        return _IN_PROCESS
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except (OSError, json.JSONDecodeError):
        return {}


def maybe_fail(tool: str, tab: str | None, primary: bool, path: Path | None) -> None:
    """Raise the injected failure for this tool call, if one is set and not used up.

    ``primary``: the tool is its tab's primary tool (a tab target fires there). ``path`` is the run's
    ``faults.json`` (None outside a run: counts are kept in this process).
    """
    spec = os.environ.get(ENV, "")
    if not spec:
        return
    for fault in parse(spec):
        if fault.target != tool and not (primary and fault.target == tab):
            continue
        with _LOCK:
            counts = _load_counts(path)
            fired = counts.get(fault.key, 0)
            if fault.times is not None and fired >= fault.times:
                continue
            counts[fault.key] = fired + 1
            if path is not None:
                path.write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
        if fault.fault == STALL:
            time.sleep(float(os.environ.get("GOOSE_STUDIO_FAULT_STALL_S", "60")))
            continue
        raise fault.failure(tool, tab)
