"""Validating a core: the five gates in order into one :class:`.report.ValidateReport`.

V1 schema (:mod:`.gate_schema`), V2 security (:mod:`.gate_security`), V3 eval (:mod:`.gate_eval`),
V4 portable (:mod:`.gate_portable`, with the fresh process of :mod:`.fresh`) and V5 quality
(:mod:`.gate_quality`). A gate's checks record results instead of raising; a missing path is the one
failure raised (``not_found``).
"""

from __future__ import annotations

import json
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from ...errors import FailureKind, ToolFailure
from .base_model import extract_adapter
from .format import CHECK_NAMES, MAX_TEXT_SCAN_BYTES, READ_ERRORS, SAMPLE_PAIRS, read_member
from .gate_eval import run_eval_gate
from .gate_portable import check_base, check_hashes, record_load, run_fresh
from .gate_quality import run_quality_gate
from .gate_schema import check_adapter_weights, open_zip, run_schema_gate
from .gate_security import run_security_gate
from .report import Checks, ValidateReport
from .signing import Signer


def _samples(zf: zipfile.ZipFile) -> list[dict[str, str]]:
    """The package's sample pairs as prompt/answer (what V5 asks the core)."""
    try:
        text = read_member(zf, SAMPLE_PAIRS, MAX_TEXT_SCAN_BYTES).decode("utf-8")
    except (UnicodeDecodeError, *READ_ERRORS):
        return []
    out = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and row.get("instruction"):
            prompt = str(row["instruction"]) + (f"\n\n{row['input']}" if row.get("input") else "")
            out.append({"prompt": prompt, "answer": str(row.get("output") or "")})
    return out


class _Timer:
    def __init__(self, checks: Checks) -> None:
        self.checks, self.last = checks, time.monotonic()

    def lap(self, gate: str) -> None:
        now = time.monotonic()
        self.checks.durations[gate] = self.checks.durations.get(gate, 0.0) + now - self.last
        self.last = now


def validate_package(
    path: str | Path,
    *,
    check_load: bool = True,
    base_model_path: str | Path | None = None,
    strict: bool = False,
    model_cache: str | Path | None = None,
    min_quality: int | None = None,
    workspace_root: str | Path | None = None,
) -> ValidateReport:
    """Run the five gates on a core; a missing path raises ToolFailure(not_found), anything else is reported.

    Without ``base_model_path`` the base model is looked up locally from the manifest's ``base_model``: as a
    folder, in ``model_cache`` (the workspace's cache/) and in the default Hugging Face cache, offline; if it
    is nowhere, V4's load and V5's live measures are skipped (failures under ``strict``). ``min_quality``
    replaces the threshold the core was held to; ``workspace_root`` tells whose signing keys are trusted.
    """
    started = time.monotonic()
    p = Path(path).expanduser()
    if not p.exists():
        raise ToolFailure(FailureKind.not_found, f"There is no file at {p}.",
                          hint="Check the path; cores are kept in the workspace's cores/ folder.",
                          details={"path": str(p)})
    checks = Checks()
    signer: Signer | None = None
    if not p.is_file():
        checks.set("zip", False, f"{p} is not a file", hint="Pass the path of a .gcpkg file.")
        checks.skip_rest("the path is not a file")
        return _finish(p, checks, signer, started)
    timer = _Timer(checks)
    zf = open_zip(p, checks)
    if zf is None:
        checks.skip_rest("the file is not a readable zip")
        return _finish(p, checks, signer, started)
    try:
        safe, signer = run_security_gate(zf, checks, Path(workspace_root) if workspace_root else None, strict)
        timer.lap("security")
        parsed = run_schema_gate(zf, checks)
        with tempfile.TemporaryDirectory(prefix="gcpkg-validate-") as tmp:
            adapter_dir, extract_error = extract_adapter(zf, Path(tmp)) if safe else (None, "unsafe entries")
            check_adapter_weights(adapter_dir, extract_error, checks, strict)
            timer.lap("schema")
            manifest, provenance, evals = parsed.get("manifest"), parsed.get("provenance"), parsed.get("evals")
            run_eval_gate(manifest, evals, checks, min_quality, strict)
            timer.lap("eval")
            check_hashes(zf, provenance, checks)
            base = check_base(manifest, provenance, checks, str(base_model_path) if base_model_path else None,
                              Path(model_cache) if model_cache else None, strict)
            measured: dict[str, Any] | None = None
            blocked = next((n for n in ("adapter_weights", "weights_format", "adapter_config")
                            if checks.ok(n) is False), None)
            if not check_load:
                checks.set("load", None, "skipped: the load check was turned off")
            elif base is None:
                checks.set("load", False if strict else None, "not run: the base model is not available",
                           hint=checks.results["base_model"].hint)
            elif blocked or adapter_dir is None:
                checks.set("load", None, f"not run: the {blocked or 'adapter'} check failed")
            else:
                recipe = parsed.get("recipe") or {}
                measured = run_fresh(base, adapter_dir, recipe.get("template"), _samples(zf), quality=True)
                record_load(measured, base, checks)
            timer.lap("portable")
            run_quality_gate(measured, evals, checks)
            timer.lap("quality")
    except Exception as exc:  # a last resort: the report, never a bare exception
        checks.set("internal", False, f"validation stopped unexpectedly: {type(exc).__name__}: {exc}",
                   hint="Report this with the core file.")
        checks.skip_rest("validation stopped early")
    finally:
        zf.close()
    return _finish(p, checks, signer, started)


def _finish(path: Path, checks: Checks, signer: Signer | None, started: float) -> ValidateReport:
    ordered = [checks.results[n] for n in CHECK_NAMES if n in checks.results]
    ordered += [c for n, c in checks.results.items() if n not in CHECK_NAMES]
    errors = [f"{c.name}: {c.detail}" for c in ordered if c.ok is False]
    return ValidateReport(ok=not errors, path=str(path), checks=ordered, errors=errors, gates=checks.gates(),
                          signer=signer, duration_s=round(time.monotonic() - started, 3))
