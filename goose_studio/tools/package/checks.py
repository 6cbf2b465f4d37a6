"""The checks a core must pass, apart from the load check: zip, schema, integrity, safetensors and secrets.

Each check records one :class:`CheckResult` in a :class:`Checks` collection (ok, failed, or skipped with
ok=None) instead of raising; :mod:`.validation` runs them in order and turns them into a
:class:`ValidateReport`.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Callable

import yaml
from pydantic import BaseModel, Field, ValidationError

from .format import (
    ADAPTER_CONFIG,
    ALLOWED_DIR_ENTRIES,
    BINARY_FILES,
    CHECK_NAMES,
    EVAL_RESULTS,
    MANIFEST,
    MAX_ENTRIES,
    MAX_TEXT_SCAN_BYTES,
    MAX_TOTAL_UNCOMPRESSED,
    PROVENANCE,
    READ_ERRORS,
    RECIPE,
    REQUIRED_FILES,
    SAMPLE_PAIRS,
    TRAINING_LOG,
    Manifest,
    hash_member,
)
from .secrets import find_secrets


class CheckResult(BaseModel):
    name: str
    ok: bool | None  # None: skipped, not a failure
    detail: str = ""
    hint: str = ""


class ValidateReport(BaseModel):
    ok: bool
    path: str
    checks: list[CheckResult] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)

    def check(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)


class Checks:
    """The results recorded so far, by check name; a later result for the same name replaces the earlier."""

    def __init__(self) -> None:
        self.results: dict[str, CheckResult] = {}

    def set(self, name: str, ok: bool | None, detail: str = "", hint: str = "") -> None:
        self.results[name] = CheckResult(name=name, ok=ok, detail=detail, hint=hint)

    def skip_rest(self, reason: str) -> None:
        """Mark every check of :data:`CHECK_NAMES` that has no result yet as not run, for ``reason``."""
        for name in CHECK_NAMES:
            if name not in self.results:
                self.set(name, None, f"not run: {reason}")


def safe_member_name(name: str) -> str | None:
    """Why ``name`` is unsafe to extract, or None if it is fine."""
    if not name:
        return "empty name"
    if "\\" in name:
        return "backslash in path"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if ".." in PurePosixPath(name).parts:
        return "'..' in path"
    if "\x00" in name:
        return "NUL in name"
    return None


def read_member(zf: zipfile.ZipFile, name: str, limit: int | None = None) -> bytes:
    """A member's bytes; ValueError when it holds more than ``limit`` bytes."""
    with zf.open(name) as fh:
        data = fh.read(limit + 1 if limit is not None else -1)
    if limit is not None and len(data) > limit:
        raise ValueError(f"{name} is larger than {limit} bytes")
    return data


def _json_member(zf: zipfile.ZipFile, name: str) -> Any:
    return json.loads(read_member(zf, name, MAX_TEXT_SCAN_BYTES).decode("utf-8"))


def check_zip(path: Path, checks: Checks) -> tuple[zipfile.ZipFile | None, bool]:
    """Open and test the zip: the open zip (None if unreadable) and whether its entries are safe to read."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        checks.set("zip", False, f"not a readable zip file ({exc})",
                   hint="The file is truncated, corrupted or not a core; rebuild it with `package`.")
        return None, False
    except (OSError, ValueError, RuntimeError, NotImplementedError, EOFError) as exc:
        checks.set("zip", False, f"cannot open the zip: {exc}", hint="Rebuild the core with `package`.")
        return None, False
    problems: list[str] = []
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        problems.append(f"{len(infos)} entries (at most {MAX_ENTRIES} expected)")
    for info in infos:
        why = safe_member_name(info.filename)
        if why:
            problems.append(f"unsafe entry {info.filename!r}: {why}")
        if info.flag_bits & 0x1:
            problems.append(f"encrypted entry {info.filename!r}")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        problems.append(f"uncompressed size {total} bytes exceeds the bound of {MAX_TOTAL_UNCOMPRESSED}")
    safe = not problems
    if safe:
        try:
            bad = zf.testzip()
        except READ_ERRORS as exc:
            bad = f"(unreadable: {exc})"
        if bad is not None:
            problems.append(f"CRC/decompression test failed at {bad}")
    if problems:
        checks.set("zip", False, "; ".join(problems),
                   hint="The file is corrupted or was not made by `package`; rebuild it.")
    else:
        checks.set("zip", True, f"{len(infos)} entries, {total} bytes uncompressed, CRCs ok")
    return zf, safe


def check_schema(zf: zipfile.ZipFile, checks: Checks) -> dict[str, Any]:
    """Layout and file formats. Returns what was parsed (manifest, adapter_config, provenance)."""
    parsed: dict[str, Any] = {}
    problems: list[str] = []
    names = [i.filename for i in zf.infolist()]
    files = [n for n in names if not n.endswith("/")]
    dirs = [n for n in names if n.endswith("/")]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append("duplicate entries: " + ", ".join(duplicates))
    missing = [n for n in REQUIRED_FILES if n not in files]
    extra = sorted(set(files) - set(REQUIRED_FILES)) + sorted(set(dirs) - ALLOWED_DIR_ENTRIES)
    if missing:
        problems.append("missing: " + ", ".join(missing))
    if extra:
        problems.append("unexpected: " + ", ".join(extra))
    present = set(files)

    def load(name: str, parse: Callable[[], Any]) -> Any:
        if name not in present:
            return None
        try:
            return parse()
        except READ_ERRORS as exc:
            problems.append(f"{name}: unreadable ({exc})")
        except (json.JSONDecodeError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.append(f"{name}: does not parse ({str(exc).splitlines()[0]})")
        return None

    manifest_raw = load(MANIFEST, lambda: _json_member(zf, MANIFEST))
    if manifest_raw is not None:
        try:
            parsed["manifest"] = Manifest.model_validate(manifest_raw)
        except ValidationError as exc:
            errs = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()]
            problems.append("manifest.json: " + "; ".join(errs))

    cfg = load(ADAPTER_CONFIG, lambda: _json_member(zf, ADAPTER_CONFIG))
    if cfg is not None:
        if not isinstance(cfg, dict):
            problems.append("adapter_config.json: not a JSON object")
        else:
            if str(cfg.get("peft_type", "")).upper() != "LORA":
                problems.append(f"adapter_config.json: peft_type is {cfg.get('peft_type')!r}, expected LORA")
            for key in ("r", "lora_alpha", "target_modules"):
                if cfg.get(key) in (None, "", []):
                    problems.append(f"adapter_config.json: missing {key}")
            parsed["adapter_config"] = cfg

    evals = load(EVAL_RESULTS, lambda: _json_member(zf, EVAL_RESULTS))
    if evals is not None and not isinstance(evals, (dict, list)):
        problems.append("eval_results.json: not a JSON object or list")
    prov = load(PROVENANCE, lambda: _json_member(zf, PROVENANCE))
    if prov is not None:
        if not isinstance(prov, dict) or not isinstance(prov.get("files"), dict):
            problems.append("PROVENANCE.json: no 'files' table of sha256 digests")
        else:
            parsed["provenance"] = prov

    n_problems = len(problems)
    recipe = load(RECIPE, lambda: yaml.safe_load(read_member(zf, RECIPE, MAX_TEXT_SCAN_BYTES).decode("utf-8")))
    if RECIPE in present and len(problems) == n_problems:
        if not isinstance(recipe, dict):
            problems.append("recipe.yaml: not a YAML mapping")
        else:
            for key in ("model_name_or_path", "finetuning_type"):
                if not recipe.get(key):
                    problems.append(f"recipe.yaml: missing {key}")

    for name in (TRAINING_LOG, SAMPLE_PAIRS):
        text = load(name, lambda n=name: read_member(zf, n, MAX_TEXT_SCAN_BYTES).decode("utf-8"))
        if text is None:
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    json.loads(line)
                except json.JSONDecodeError:
                    problems.append(f"{name}: line {lineno} is not JSON")
                    break

    manifest = parsed.get("manifest")
    if manifest is not None and isinstance(cfg, dict):
        if cfg.get("r") is not None and manifest.adapter.rank != cfg.get("r"):
            problems.append(f"manifest adapter.rank {manifest.adapter.rank} != adapter_config r {cfg.get('r')}")
        alpha = cfg.get("lora_alpha")
        if isinstance(alpha, (int, float)) and not math.isclose(manifest.adapter.alpha, float(alpha)):
            problems.append(f"manifest adapter.alpha {manifest.adapter.alpha} != adapter_config lora_alpha {alpha}")

    if problems:
        checks.set("schema", False, "; ".join(problems),
                   hint="A core holds exactly the files of the format and nothing else; rebuild it with `package`.")
    else:
        checks.set("schema", True, f"{len(REQUIRED_FILES)} required files present, manifest and configs valid")
    return parsed


def check_integrity(zf: zipfile.ZipFile, provenance: dict[str, Any] | None, checks: Checks) -> None:
    """Every member's SHA-256 against the ``files`` table of PROVENANCE.json, in both directions."""
    if provenance is None:
        checks.set("integrity", False, "PROVENANCE.json is missing or unreadable; nothing to verify against",
                   hint="Rebuild the core with `package`.")
        return
    recorded: dict[str, Any] = provenance.get("files", {})
    files = sorted({i.filename for i in zf.infolist() if not i.filename.endswith("/")} - {PROVENANCE})
    problems: list[str] = []
    for name in files:
        expected = recorded.get(name)
        if expected is None:
            problems.append(f"{name}: not listed in PROVENANCE.json")
            continue
        try:
            actual = hash_member(zf, name)
        except READ_ERRORS as exc:
            problems.append(f"{name}: unreadable ({exc})")
            continue
        if actual != str(expected).lower():
            problems.append(f"{name}: sha256 mismatch")
    for name in sorted(set(recorded) - set(files)):
        problems.append(f"{name}: listed in PROVENANCE.json but absent")
    if problems:
        checks.set("integrity", False, "; ".join(problems),
                   hint="The core was modified or damaged after it was built; do not use it, rebuild it.")
    else:
        checks.set("integrity", True, f"sha256 of {len(files)} files match PROVENANCE.json")


def check_safetensors(adapter_dir: Path | None, extract_error: str, checks: Checks, strict: bool) -> None:
    """The extracted adapter weights: a parsable safetensors file of paired, non-empty LoRA tensors.

    Non-LoRA tensors and all-zero ``lora_B`` tensors are notes, failures only when ``strict``.
    """
    weights = adapter_dir / "adapter_model.safetensors" if adapter_dir else None
    if weights is None or not weights.is_file():
        checks.set("safetensors", False, f"adapter_model.safetensors could not be extracted ({extract_error})")
        return
    try:
        from safetensors import safe_open
    except ImportError:
        checks.set("safetensors", None, "skipped: the safetensors package is not installed",
                   hint="Install safetensors to check adapter weights.")
        return
    try:
        framework = "pt"
        try:
            import torch  # noqa: F401
        except ImportError:
            framework = "numpy"
        names: list[str] = []
        empty: list[str] = []
        b_all_zero = True
        with safe_open(str(weights), framework=framework) as fh:
            names = list(fh.keys())
            for key in names:
                shape = fh.get_slice(key).get_shape()
                if not shape or math.prod(shape) == 0:
                    empty.append(key)
                if "lora_B" in key and framework == "pt" and b_all_zero:
                    if bool(fh.get_tensor(key).abs().sum() != 0):
                        b_all_zero = False
    except Exception as exc:  # the safetensors header or data is malformed
        checks.set("safetensors", False, f"adapter_model.safetensors does not parse: {exc}",
                   hint="The adapter weights are corrupted; retrain or re-export the adapter.")
        return
    problems: list[str] = []
    if not names:
        problems.append("no tensors")
    n_a = sum("lora_A" in k for k in names)
    n_b = sum("lora_B" in k for k in names)
    if names and (n_a == 0 or n_b == 0):
        problems.append(f"tensor names do not look like LoRA ({n_a} lora_A, {n_b} lora_B)")
    elif n_a != n_b:
        problems.append(f"unpaired LoRA tensors ({n_a} lora_A vs {n_b} lora_B)")
    if empty:
        problems.append(f"{len(empty)} empty tensors (e.g. {empty[0]})")
    notes: list[str] = []
    other = [k for k in names if "lora_" not in k]
    if other:
        notes.append(f"{len(other)} non-LoRA tensors (e.g. {other[0]})")
    if names and n_b and b_all_zero and framework == "pt":
        notes.append("all lora_B tensors are zero: the adapter does not change the base model")
    if strict and notes:
        problems.extend(notes)
        notes = []
    if problems:
        checks.set("safetensors", False, "; ".join(problems),
                   hint="The adapter file is not a usable LoRA adapter; retrain or re-export it.")
    else:
        detail = f"{len(names)} tensors ({n_a} lora_A / {n_b} lora_B)"
        if notes:
            detail += "; note: " + "; ".join(notes)
        checks.set("safetensors", True, detail)


def check_secrets(zf: zipfile.ZipFile, checks: Checks) -> None:
    """Every text member (all but the adapter weights) scanned with :func:`.secrets.find_secrets`."""
    hits: list[str] = []
    unreadable: list[str] = []
    for info in zf.infolist():
        name = info.filename
        if name.endswith("/") or name in BINARY_FILES:
            continue
        try:
            text = read_member(zf, name, MAX_TEXT_SCAN_BYTES).decode("utf-8", errors="replace")
        except READ_ERRORS as exc:
            unreadable.append(f"{name} ({exc})")
            continue
        for pattern, redacted in find_secrets(text):
            hits.append(f"{name}: {pattern} {redacted}")
    if hits:
        hits = list(dict.fromkeys(hits))
        shown = "; ".join(hits[:10]) + (f"; and {len(hits) - 10} more" if len(hits) > 10 else "")
        checks.set("secrets", False, "secret-looking strings found: " + shown,
                   hint="Remove the secret from the source data (and rotate it), regenerate the data and rebuild.")
    elif unreadable:
        checks.set("secrets", False, "could not scan: " + "; ".join(unreadable))
    else:
        checks.set("secrets", True, "no secret-looking strings in the text files")
