"""Validating a core: every check in order, into one :class:`.checks.ValidateReport`."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from ...errors import FailureKind, ToolFailure
from .base_model import extract_adapter
from .checks import (
    Checks,
    ValidateReport,
    check_integrity,
    check_safetensors,
    check_schema,
    check_secrets,
    check_zip,
)
from .format import CHECK_NAMES
from .load_check import run_load_check


def validate_package(
    path: str | Path,
    *,
    check_load: bool = True,
    base_model_path: str | Path | None = None,
    strict: bool = False,
    model_cache: str | Path | None = None,
) -> ValidateReport:
    """Check a core; a missing path raises ToolFailure(not_found), anything else ends up in the report.

    Without ``base_model_path`` the base model is looked up locally from the manifest's ``base_model``: as a
    folder, in ``model_cache`` (the workspace's cache/: ``models/*/goose-model.json`` and ``huggingface/``)
    and in the default Hugging Face cache, offline. If it is nowhere, the load check is skipped (ok=None).
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise ToolFailure(FailureKind.not_found, f"There is no file at {p}.",
                          hint="Check the path; cores are kept in the workspace's cores/ folder.",
                          details={"path": str(p)})
    checks = Checks()
    if not p.is_file():
        checks.set("zip", False, f"{p} is not a file", hint="Pass the path of a .gcpkg file.")
        checks.skip_rest("the path is not a file")
        return _finish(p, checks)
    zf: zipfile.ZipFile | None = None
    try:
        zf, safe = check_zip(p, checks)
        if zf is None:
            checks.skip_rest("the file is not a readable zip")
            return _finish(p, checks)
        if not safe:
            checks.skip_rest("the zip has unsafe or oversized entries")
            return _finish(p, checks)
        parsed = check_schema(zf, checks)
        check_integrity(zf, parsed.get("provenance"), checks)
        check_secrets(zf, checks)
        with tempfile.TemporaryDirectory(prefix="gcpkg-validate-") as tmp:
            adapter_dir, extract_error = extract_adapter(zf, Path(tmp))
            check_safetensors(adapter_dir, extract_error, checks, strict)
            if not check_load:
                checks.set("load", None, "skipped: the load check was turned off")
            else:
                run_load_check(checks, adapter_dir, extract_error, parsed, base_model_path=base_model_path,
                               model_cache=model_cache, strict=strict)
    except Exception as exc:  # a last resort: the report, never a bare exception
        checks.set("internal", False, f"validation stopped unexpectedly: {type(exc).__name__}: {exc}")
        checks.skip_rest("validation stopped early")
    finally:
        if zf is not None:
            zf.close()
    return _finish(p, checks)


def _finish(path: Path, checks: Checks) -> ValidateReport:
    ordered = [checks.results[n] for n in CHECK_NAMES if n in checks.results]
    ordered += [c for n, c in checks.results.items() if n not in CHECK_NAMES]
    errors = [f"{c.name}: {c.detail}" for c in ordered if c.ok is False]
    return ValidateReport(ok=not errors, path=str(path), checks=ordered, errors=errors)
