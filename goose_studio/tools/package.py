"""Publish tab: pack a trained adapter into an Intelligence Core (``<slug>-v<N>.gcpkg``) and validate cores.

A core is a zip with exactly this layout::

    manifest.json
    adapter/adapter_model.safetensors
    adapter/adapter_config.json
    training/recipe.yaml
    training/training_log.jsonl
    training/eval_results.json
    data/dataset_card.md
    data/sample_pairs.jsonl
    README.md
    PROVENANCE.json

``package`` writes the zip to a hidden temporary file next to its destination, validates that file (zip
integrity, schema, checksums, safetensors header, secret scan and a real load of the adapter onto the base
model) and only then renames it into place, so nothing that looks like a finished core is ever half
written or unchecked. ``validate`` runs the same checks on any core and reports each one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
import zlib
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import FailureKind, ToolFailure, disk_full_from_oserror
from ..workspace import Workspace, slugify
from .registry import ToolContext, tool

FORMAT_VERSION = 1
PACKAGE_SUFFIX = ".gcpkg"

MANIFEST = "manifest.json"
ADAPTER_WEIGHTS = "adapter/adapter_model.safetensors"
ADAPTER_CONFIG = "adapter/adapter_config.json"
RECIPE = "training/recipe.yaml"
TRAINING_LOG = "training/training_log.jsonl"
EVAL_RESULTS = "training/eval_results.json"
DATASET_CARD = "data/dataset_card.md"
SAMPLE_PAIRS = "data/sample_pairs.jsonl"
README = "README.md"
PROVENANCE = "PROVENANCE.json"

# The exact member list, in the order members are written.
REQUIRED_FILES: tuple[str, ...] = (
    MANIFEST,
    ADAPTER_CONFIG,
    ADAPTER_WEIGHTS,
    TRAINING_LOG,
    RECIPE,
    EVAL_RESULTS,
    DATASET_CARD,
    SAMPLE_PAIRS,
    README,
    PROVENANCE,
)
_ALLOWED_DIR_ENTRIES = frozenset({"adapter/", "training/", "data/"})
BINARY_FILES = frozenset({ADAPTER_WEIGHTS})

MAX_ENTRIES = 64
MAX_TOTAL_UNCOMPRESSED = 20 * 1024**3  # 20 GiB: far above any LoRA adapter, far below a zip bomb's reach
MAX_TEXT_SCAN_BYTES = 256 * 1024**2
MAX_SAMPLE_PAIRS = 10
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024

CHECK_NAMES = ("zip", "schema", "integrity", "safetensors", "secrets", "load")
TOOL_DISTRIBUTIONS = ("goose-studio", "torch", "transformers", "peft", "llamafactory", "tree-sitter")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_ISO_UTC_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"


# --------------------------------------------------------------------------------------------- models


class ManifestHardware(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trained_on: str


class ManifestAdapter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rank: int = Field(gt=0)
    alpha: float = Field(gt=0)
    target_modules: list[str] | str


class Manifest(BaseModel):
    """``manifest.json``: what the core is, for people and for the studio's core browser."""

    model_config = ConfigDict(extra="forbid")
    format_version: Literal[1] = FORMAT_VERSION
    name: str = Field(min_length=1)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    base_model: str = Field(min_length=1)
    method: Literal["lora", "qlora-4bit"]
    quality_score: float | None = Field(default=None, ge=0, le=100)
    tags: list[str] = Field(default_factory=list)
    created: str = Field(pattern=_ISO_UTC_RE)
    hardware: ManifestHardware
    compatible_vram_min_gb: float | None = Field(default=None, ge=0)
    description: str = ""
    adapter: ManifestAdapter


class TrainingFacts(BaseModel):
    """What the training run reported; missing numbers are read from the training log when possible."""

    model_config = ConfigDict(extra="allow")
    epochs: float | None = None
    final_loss: float | None = None
    duration_sec: float | None = None
    trained_on: str | None = None


class PackageArgs(BaseModel):
    adapter_dir: str = Field(description="Folder holding adapter_model.safetensors and adapter_config.json.")
    recipe_path: str = Field(description="The LLaMA-Factory recipe (YAML) the adapter was trained with.")
    training_log_path: str = Field(description="LLaMA-Factory's trainer_log.jsonl.")
    eval_results_path: str = Field(description="The evaluation results (JSON).")
    dataset_dir: str = Field(description="Folder with train.jsonl / eval.jsonl (and optionally stats.json).")
    name: str = Field(min_length=1, description="Human-readable name of the core.")
    slug: str | None = Field(default=None, description="File-name slug; derived from the name when omitted.")
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    base_model_id: str = Field(min_length=1, description="The base model's id (hub id or path) for the manifest.")
    base_model_path: str | None = Field(default=None, description="Local HF folder of the base model (load check).")
    base_model_hash: str = Field(default="unknown", description="A hash identifying the exact base weights.")
    source: str = Field(default="", description="Source repository URL or path.")
    commit: str = Field(default="", description="Source commit the data was generated from.")
    method: Literal["lora", "qlora-4bit"] = "lora"
    quality_score: float | None = Field(default=None, ge=0, le=100)
    training: TrainingFacts = Field(default_factory=TrainingFacts,
                                    description="epochs, final_loss, duration_sec, trained_on.")
    fallbacks: list[dict[str, Any]] = Field(default_factory=list, description="Repairs and fallbacks taken.")
    build_engine: str = Field(default="none (code-only)", description="How the source was built, if at all.")
    compatible_vram_min_gb: float | None = Field(default=None, ge=0,
                                                 description="Minimum VRAM to run; estimated when omitted.")
    out_dir: str | None = Field(default=None, description="Where the core goes; the workspace's cores/ by default.")
    check_load: bool = True
    version: int | None = Field(default=None, ge=1, description="v<N>; the next free one for the slug by default.")


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


class PackageResult(BaseModel):
    path: str
    size_bytes: int
    sha256: str
    version: int
    validation: ValidateReport


class ValidateArgs(BaseModel):
    path: str = Field(description="The .gcpkg file to check.")
    check_load: bool = True
    base_model_path: str | None = Field(default=None, description="Local HF folder of the base model.")
    strict: bool = Field(default=False, description="Also fail on warnings and on a load check that was skipped "
                                                    "because the base model is not available locally.")


# --------------------------------------------------------------------------------------------- helpers


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def tool_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for dist in TOOL_DISTRIBUTIONS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
        except Exception:  # a broken installation's metadata
            versions[dist] = "unknown"
    return versions


def next_version(out_dir: str | Path, slug: str) -> int:
    """One more than the highest ``<slug>-v<N>.gcpkg`` in ``out_dir`` (1 when there is none)."""
    pattern = re.compile(rf"^{re.escape(slug)}-v(\d+){re.escape(PACKAGE_SUFFIX)}$")
    highest = 0
    folder = Path(out_dir)
    if folder.is_dir():
        for entry in folder.iterdir():
            m = pattern.match(entry.name)
            if m:
                highest = max(highest, int(m.group(1)))
    return highest + 1


def package_filename(slug: str, version: int) -> str:
    return f"{slug}-v{version}{PACKAGE_SUFFIX}"


# ----------------------------------------------------------------------------------------- secrets

_SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws_access_key_id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("github_fine_grained_token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}")),
    ("openai_api_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}")),
    ("huggingface_token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("private_key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
)
# A credential assignment is found in two steps (keyword, then what follows it) so that long runs of word
# characters cannot make the search quadratic.
_CREDENTIAL_KEYWORD = re.compile(
    r"(?i)password|passwd|passphrase|api[_-]?key|access[_-]?token|auth[_-]?token|secret[_-]?key|"
    r"client[_-]?secret|private[_-]?key"
)
_CREDENTIAL_VALUE = re.compile(
    r"""[\w.-]{0,40}\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\\?["'](?P<value>[^"'\s\\]{12,})\\?["']"""
)
_PLACEHOLDER_HINTS = ("your", "example", "changeme", "placeholder", "dummy", "redacted", "xxxx", "****", "...")


def _is_placeholder(value: str) -> bool:
    low = value.lower()
    if any(h in low for h in _PLACEHOLDER_HINTS):
        return True
    if value[:1] in "<{$%" or len(set(value)) <= 2:
        return True
    return False


def _redact(text: str) -> str:
    return f"{text[:4]}…({len(text)} chars)"


def find_secrets(text: str) -> list[tuple[str, str]]:
    """Secret-looking strings in ``text`` as (pattern name, redacted match)."""
    found: list[tuple[str, str]] = []
    for name, pattern in _SECRET_PATTERNS:
        for m in pattern.finditer(text):
            if name == "private_key":
                found.append((name, m.group(0)[:30] + "…"))
            else:
                found.append((name, _redact(m.group(0))))
    for key in _CREDENTIAL_KEYWORD.finditer(text):
        m = _CREDENTIAL_VALUE.match(text, key.end())
        if m and not _is_placeholder(m.group("value")):
            found.append(("credential_assignment", _redact(m.group("value"))))
    return found


# -------------------------------------------------------------------------------------- validation


class _Checks:
    def __init__(self) -> None:
        self.results: dict[str, CheckResult] = {}

    def set(self, name: str, ok: bool | None, detail: str = "", hint: str = "") -> None:
        self.results[name] = CheckResult(name=name, ok=ok, detail=detail, hint=hint)

    def skip_rest(self, reason: str) -> None:
        for name in CHECK_NAMES:
            if name not in self.results:
                self.set(name, None, f"not run: {reason}")


def _safe_member_name(name: str) -> str | None:
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


def _read_member(zf: zipfile.ZipFile, name: str, limit: int | None = None) -> bytes:
    with zf.open(name) as fh:
        data = fh.read(limit + 1 if limit is not None else -1)
    if limit is not None and len(data) > limit:
        raise ValueError(f"{name} is larger than {limit} bytes")
    return data


def _hash_member(zf: zipfile.ZipFile, name: str) -> str:
    h = hashlib.sha256()
    with zf.open(name) as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError,
                KeyError)


def _check_zip(path: Path, checks: _Checks) -> tuple[zipfile.ZipFile | None, bool]:
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
        why = _safe_member_name(info.filename)
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
        except _READ_ERRORS as exc:
            bad = f"(unreadable: {exc})"
        if bad is not None:
            problems.append(f"CRC/decompression test failed at {bad}")
    if problems:
        checks.set("zip", False, "; ".join(problems),
                   hint="The file is corrupted or was not made by `package`; rebuild it.")
    else:
        checks.set("zip", True, f"{len(infos)} entries, {total} bytes uncompressed, CRCs ok")
    return zf, safe


def _json_member(zf: zipfile.ZipFile, name: str) -> Any:
    return json.loads(_read_member(zf, name, MAX_TEXT_SCAN_BYTES).decode("utf-8"))


def _check_schema(zf: zipfile.ZipFile, checks: _Checks) -> dict[str, Any]:
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
    extra = sorted(set(files) - set(REQUIRED_FILES)) + sorted(set(dirs) - _ALLOWED_DIR_ENTRIES)
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
        except _READ_ERRORS as exc:
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
    recipe = load(RECIPE, lambda: yaml.safe_load(_read_member(zf, RECIPE, MAX_TEXT_SCAN_BYTES).decode("utf-8")))
    if RECIPE in present and len(problems) == n_problems:
        if not isinstance(recipe, dict):
            problems.append("recipe.yaml: not a YAML mapping")
        else:
            for key in ("model_name_or_path", "finetuning_type"):
                if not recipe.get(key):
                    problems.append(f"recipe.yaml: missing {key}")

    for name in (TRAINING_LOG, SAMPLE_PAIRS):
        text = load(name, lambda n=name: _read_member(zf, n, MAX_TEXT_SCAN_BYTES).decode("utf-8"))
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


def _check_integrity(zf: zipfile.ZipFile, provenance: dict[str, Any] | None, checks: _Checks) -> None:
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
            actual = _hash_member(zf, name)
        except _READ_ERRORS as exc:
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


def _check_safetensors(adapter_dir: Path | None, extract_error: str, checks: _Checks, strict: bool) -> None:
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


def _check_secrets(zf: zipfile.ZipFile, checks: _Checks) -> None:
    hits: list[str] = []
    unreadable: list[str] = []
    for info in zf.infolist():
        name = info.filename
        if name.endswith("/") or name in BINARY_FILES:
            continue
        try:
            text = _read_member(zf, name, MAX_TEXT_SCAN_BYTES).decode("utf-8", errors="replace")
        except _READ_ERRORS as exc:
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


MODEL_CARD_FILE = "goose-model.json"  # written next to base models the studio prepared


def _card(folder: Path) -> dict[str, Any]:
    try:
        card = json.loads((folder / MODEL_CARD_FILE).read_text(encoding="utf-8"))
        return card if isinstance(card, dict) else {}
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}


def _resolve_base(
    base_model_path: str | None,
    manifest: Manifest | None,
    provenance: dict[str, Any] | None,
    model_cache: Path | None,
) -> tuple[Path | None, str]:
    """Find the base model locally: the given folder, the manifest's path, the studio's model cache, or the
    Hugging Face cache (never the network). Returns the folder and where it was found."""
    if base_model_path:
        return Path(base_model_path).expanduser(), "given"
    if manifest is None:
        return None, ""
    model_id = manifest.base_model
    try:
        candidate = Path(model_id).expanduser()
        if candidate.is_dir():
            return candidate, "the manifest's path"
    except (OSError, ValueError):
        pass
    wanted_hash = ""
    if provenance and isinstance(provenance.get("base_model"), dict):
        wanted_hash = str(provenance["base_model"].get("hash") or "")
    if model_cache is not None:
        matches: list[tuple[int, Path]] = []
        try:
            folders = sorted(p for p in (model_cache / "models").iterdir() if p.is_dir())
        except OSError:
            folders = []
        for folder in folders:
            card = _card(folder)
            if card.get("model_id") == model_id and (folder / "config.json").is_file():
                matches.append((0 if wanted_hash and card.get("model_hash") == wanted_hash else 1, folder))
        if matches:
            return min(matches)[1], "the studio's model cache"
    if model_id.count("/") == 1 and not model_id.startswith((".", "/", "~")):
        try:
            from huggingface_hub import snapshot_download
        except ImportError:
            return None, ""
        caches: list[str | None] = [str(model_cache / "huggingface")] if model_cache is not None else []
        caches.append(None)  # the default Hugging Face cache
        for cache_dir in caches:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    folder = Path(snapshot_download(model_id, cache_dir=cache_dir, local_files_only=True))
            except Exception:  # not cached there (or an unusable cache)
                continue
            if (folder / "config.json").is_file():
                return folder, "the Hugging Face cache"
    return None, ""


def _check_load(adapter_dir: Path | None, base: Path | None, checks: _Checks) -> None:
    if adapter_dir is None or not (adapter_dir / "adapter_config.json").is_file():
        checks.set("load", False, "the adapter could not be extracted for loading")
        return
    if not (base / "config.json").is_file():
        checks.set("load", False, f"{base} is not a Hugging Face model folder (no config.json)",
                   hint="Pass --base-model-path pointing at the local base model folder.")
        return
    try:
        from .models import quiet_libraries

        quiet_libraries()
        import torch
        import transformers
        from peft import PeftModel, get_peft_model_state_dict
    except ImportError as exc:
        checks.set("load", None, f"skipped: {exc.name or exc} is not installed",
                   hint="Install torch, transformers and peft to run the load check.")
        return
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = transformers.AutoModelForCausalLM.from_pretrained(
                str(base), dtype=torch.float32, low_cpu_mem_usage=True, local_files_only=True
            )
            model.eval()
            peft_model = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False, torch_device="cpu")
        missing = [str(w.message) for w in caught if "missing adapter keys" in str(w.message)]
        if missing:
            checks.set("load", False, missing[0][:500],
                       hint="The adapter does not match this base model; check the base model id.")
            return
        # Every tensor in the file must now be in the model, with the same values.
        from safetensors.torch import load_file

        saved = load_file(str(adapter_dir / "adapter_model.safetensors"))
        live = get_peft_model_state_dict(peft_model)
        absent = sorted(set(saved) - set(live))
        if absent:
            checks.set("load", False, f"{len(absent)} adapter tensors were not applied (e.g. {absent[0]})",
                       hint="The adapter does not match this base model; check the base model id.")
            return
        differ = [k for k in saved if not torch.equal(live[k].detach().to("cpu", saved[k].dtype), saved[k])]
        if differ:
            checks.set("load", False, f"{len(differ)} adapter tensors differ after loading (e.g. {differ[0]})")
            return
        vocab = int(getattr(model.config, "vocab_size", 0) or 0)
        if vocab <= 0:
            vocab = int(peft_model.get_input_embeddings().weight.shape[0])
        ids = [i % vocab for i in (1, 2, 3, 4)]
        with torch.no_grad():
            out = peft_model(input_ids=torch.tensor([ids], dtype=torch.long))
        logits = out.logits
        if logits.shape[:2] != (1, len(ids)):
            checks.set("load", False, f"unexpected logits shape {tuple(logits.shape)}")
            return
        if not bool(torch.isfinite(logits).all()):
            checks.set("load", False, "the forward pass produced non-finite logits (NaN/inf)",
                       hint="The adapter weights are broken; retrain with a lower learning rate.")
            return
        checks.set("load", True, f"loaded onto {base.name} ({len(saved)} adapter tensors applied); "
                                 f"forward pass on {len(ids)} tokens gave finite logits {tuple(logits.shape)}")
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:400] if str(exc).strip() else type(exc).__name__
        checks.set("load", False, f"loading the adapter onto {base} failed: {type(exc).__name__}: {first}",
                   hint="Check that the base model folder is the model the adapter was trained on.")


def _extract_adapter(zf: zipfile.ZipFile, dest: Path) -> tuple[Path | None, str]:
    """Copy the adapter's two files out of the zip; returns the folder, or None and why not."""
    folder = dest / "adapter"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for member, filename in ((ADAPTER_WEIGHTS, "adapter_model.safetensors"),
                                 (ADAPTER_CONFIG, "adapter_config.json")):
            with zf.open(member) as src, (folder / filename).open("wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
    except KeyError as exc:
        return None, f"missing member {exc}"
    except _READ_ERRORS as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return folder, ""


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
    checks = _Checks()
    if not p.is_file():
        checks.set("zip", False, f"{p} is not a file", hint="Pass the path of a .gcpkg file.")
        checks.skip_rest("the path is not a file")
        return _finish(p, checks)
    zf: zipfile.ZipFile | None = None
    try:
        zf, safe = _check_zip(p, checks)
        if zf is None:
            checks.skip_rest("the file is not a readable zip")
            return _finish(p, checks)
        if not safe:
            checks.skip_rest("the zip has unsafe or oversized entries")
            return _finish(p, checks)
        parsed = _check_schema(zf, checks)
        _check_integrity(zf, parsed.get("provenance"), checks)
        _check_secrets(zf, checks)
        with tempfile.TemporaryDirectory(prefix="gcpkg-validate-") as tmp:
            adapter_dir, extract_error = _extract_adapter(zf, Path(tmp))
            _check_safetensors(adapter_dir, extract_error, checks, strict)
            if not check_load:
                checks.set("load", None, "skipped: the load check was turned off")
            else:
                base, found_in = _resolve_base(str(base_model_path) if base_model_path else None,
                                               parsed.get("manifest"), parsed.get("provenance"),
                                               Path(model_cache) if model_cache else None)
                if base is None:
                    hint = ("Pass base_model_path (a local Hugging Face folder of the base model) "
                            "to load the adapter and run a forward pass.")
                    checks.set("load", None, "skipped: base model not available locally", hint=hint)
                    if strict:
                        checks.set("load", False, "base model not available locally (strict)", hint=hint)
                elif not base.exists():
                    checks.set("load", False, f"base model folder {base} does not exist",
                               hint="Pass the path of the local base model folder.")
                elif checks.results["safetensors"].ok is False:
                    checks.set("load", None, "not run: the adapter weights failed the safetensors check")
                elif adapter_dir is None:
                    checks.set("load", False, f"the adapter could not be extracted for loading ({extract_error})")
                else:
                    _check_load(adapter_dir, base, checks)
                    load = checks.results["load"]
                    if load.ok and found_in != "given":
                        load.detail += f" (base model found in {found_in}: {base})"
    except Exception as exc:  # a last resort: the report, never a bare exception
        checks.set("internal", False, f"validation stopped unexpectedly: {type(exc).__name__}: {exc}")
        checks.skip_rest("validation stopped early")
    finally:
        if zf is not None:
            zf.close()
    return _finish(p, checks)


def _finish(path: Path, checks: _Checks) -> ValidateReport:
    ordered = [checks.results[n] for n in CHECK_NAMES if n in checks.results]
    ordered += [c for n, c in checks.results.items() if n not in CHECK_NAMES]
    errors = [f"{c.name}: {c.detail}" for c in ordered if c.ok is False]
    return ValidateReport(ok=not errors, path=str(path), checks=ordered, errors=errors)


# --------------------------------------------------------------------------------------- building


def _require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise ToolFailure(FailureKind.not_found, f"The {what} is missing: {path}.",
                          hint=f"Pass the path of the {what}.", details={"path": str(path)})
    return path


def _read_json_file(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"The {what} at {path} is not valid JSON: {exc}",
                          hint=f"Regenerate the {what}.", details={"path": str(path)}) from None


def _iter_jsonl(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                yield None


def _category(record: Any) -> str:
    if isinstance(record, dict):
        for key in ("category", "kind", "task", "type"):
            value = record.get(key)
            if isinstance(value, str) and value:
                return value
    return "uncategorized"


def _scan_dataset(dataset_dir: Path) -> dict[str, Any]:
    """Counts per split and category, and up to ten clean example pairs (round-robin over categories)."""
    counts: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    unparsable = 0
    pools: dict[str, list[Any]] = {}
    for split in ("train", "eval"):
        path = dataset_dir / f"{split}.jsonl"
        totals[split] = 0
        if not path.is_file():
            continue
        for record in _iter_jsonl(path):
            if record is None:
                unparsable += 1
                continue
            totals[split] += 1
            cat = _category(record)
            counts.setdefault(cat, {"train": 0, "eval": 0})[split] += 1
            pool = pools.setdefault(cat, [])
            if split == "train" and len(pool) < MAX_SAMPLE_PAIRS:
                text = json.dumps(record, ensure_ascii=False)
                if not find_secrets(text):
                    pool.append(record)
    samples: list[Any] = []
    queues = [list(pools[c]) for c in sorted(pools)]
    while len(samples) < MAX_SAMPLE_PAIRS and any(queues):
        for q in queues:
            if q and len(samples) < MAX_SAMPLE_PAIRS:
                samples.append(q.pop(0))
    stats: dict[str, Any] = {}
    stats_path = dataset_dir / "stats.json"
    if stats_path.is_file():
        try:
            raw = json.loads(stats_path.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                stats = raw
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            stats = {}
    return {"counts": counts, "totals": totals, "unparsable": unparsable, "samples": samples, "stats": stats}


def _log_facts(log_path: Path) -> dict[str, Any]:
    """Last epoch, last loss and elapsed seconds from LLaMA-Factory's trainer_log.jsonl."""
    facts: dict[str, Any] = {}
    for entry in _iter_jsonl(log_path):
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("epoch"), (int, float)):
            facts["epochs"] = float(entry["epoch"])
        if isinstance(entry.get("loss"), (int, float)):
            facts["final_loss"] = float(entry["loss"])
        elapsed = entry.get("elapsed_time")
        if isinstance(elapsed, str) and re.match(r"^\d+:\d{2}:\d{2}$", elapsed):
            h, m, s = (int(x) for x in elapsed.split(":"))
            facts["duration_sec"] = float(h * 3600 + m * 60 + s)
        elif isinstance(elapsed, (int, float)):
            facts["duration_sec"] = float(elapsed)
    return facts


def _estimate_vram_gb(base_path: Path | None, method: str) -> float | None:
    if base_path is None or not base_path.is_dir():
        return None
    weight_bytes = sum(f.stat().st_size for f in base_path.glob("*.safetensors"))
    if weight_bytes == 0:
        weight_bytes = sum(f.stat().st_size for f in base_path.glob("*.bin"))
    if weight_bytes == 0:
        return None
    dtype = None
    try:
        config = json.loads((base_path / "config.json").read_text())
        dtype = config.get("dtype") or config.get("torch_dtype") or None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        pass
    bf16_bytes = weight_bytes / 2 if dtype == "float32" else weight_bytes
    needed = bf16_bytes / 4 if method == "qlora-4bit" else bf16_bytes
    return round(needed * 1.2 / 1024**3 + 0.5, 1)


def _flatten_numbers(data: Any, prefix: str = "", depth: int = 0) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    if isinstance(data, dict) and depth < 4:
        for key in sorted(data, key=str):
            value = data[key]
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, bool):
                continue
            if isinstance(value, (int, float)):
                rows.append((name, float(value)))
            else:
                rows.extend(_flatten_numbers(value, name, depth + 1))
    return rows


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


_COLUMN_ORDER = ("base", "lora", "adapter", "tuned", "delta")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _eval_table(evals: Any) -> str:
    """Markdown for the evaluation numbers: a metric-by-model table when the results compare models."""
    if isinstance(evals, dict):
        columns = [k for k in evals
                   if isinstance(evals[k], dict) and evals[k]
                   and all(_is_number(v) or v is None for v in evals[k].values())
                   and any(_is_number(v) for v in evals[k].values())]
        if len(columns) >= 2:
            columns.sort(key=lambda c: (_COLUMN_ORDER.index(c) if c in _COLUMN_ORDER else len(_COLUMN_ORDER), str(c)))
            metrics = sorted({m for c in columns for m in evals[c]}, key=str)
            lines = ["| metric | " + " | ".join(map(str, columns)) + " |", "|---" * (len(columns) + 1) + "|"]
            for m in metrics[:50]:
                cells = [_fmt(evals[c].get(m)) if _is_number(evals[c].get(m)) else "–" for c in columns]
                lines.append(f"| {m} | " + " | ".join(cells) + " |")
            rest = [(str(k), v) for k, v in sorted(evals.items(), key=lambda kv: str(kv[0])) if _is_number(v)]
            if rest:
                lines += ["", "| | |", "|---|---|"] + [f"| {k} | {_fmt(v)} |" for k, v in rest[:30]]
            return "\n".join(lines)
    rows = _flatten_numbers(evals)
    if not rows:
        return "_No numeric evaluation results were recorded._"
    lines = ["| metric | value |", "|---|---|"]
    lines += [f"| {k} | {_fmt(v)} |" for k, v in rows[:50]]
    if len(rows) > 50:
        lines.append(f"| … | {len(rows) - 50} more in training/eval_results.json |")
    return "\n".join(lines)


def _dataset_card(args: PackageArgs, data: dict[str, Any]) -> str:
    totals = data["totals"]
    total = sum(totals.values())
    lines = [
        f"# Dataset card: {args.name}",
        "",
        "This core was trained on instruction/response pairs generated from a source repository. The data "
        "itself is not part of the package; `sample_pairs.jsonl` holds up to ten examples.",
        "",
        f"- **Source:** {args.source or 'unknown'}",
        f"- **Commit:** {args.commit or 'unknown'}",
        f"- **Pairs:** {total} (train {totals.get('train', 0)} / eval {totals.get('eval', 0)})",
    ]
    if total:
        train_share, eval_share = totals.get("train", 0) / total, totals.get("eval", 0) / total
        lines.append(f"- **Split:** {train_share:.0%} train / {eval_share:.0%} eval")
    if data["unparsable"]:
        lines.append(f"- **Unparsable lines skipped:** {data['unparsable']}")
    lines += ["", "## Pairs per category", "", "| category | train | eval |", "|---|---|---|"]
    for cat in sorted(data["counts"]):
        c = data["counts"][cat]
        lines.append(f"| {cat} | {c['train']} | {c['eval']} |")
    scalars = {k: v for k, v in data["stats"].items()
               if isinstance(v, (int, float, str, bool)) and len(str(v)) <= 200}
    if scalars:
        lines += ["", "## Generation statistics", "", "| statistic | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in sorted(scalars.items())]
    return "\n".join(lines) + "\n"


def _readme(args: PackageArgs, slug: str, version: int, manifest: Manifest, recipe: dict[str, Any],
            evals: Any, facts: dict[str, Any], totals: dict[str, int]) -> str:
    stem = package_filename(slug, version)[: -len(PACKAGE_SUFFIX)]
    template = recipe.get("template") or "default"
    score = "not scored" if manifest.quality_score is None else f"{_fmt(manifest.quality_score)} / 100"
    vram = "unknown" if manifest.compatible_vram_min_gb is None else f"{manifest.compatible_vram_min_gb} GB"
    target = manifest.adapter.target_modules
    target_text = ", ".join(target) if isinstance(target, list) else str(target)
    lines = [
        f"# {args.name}",
        "",
        args.description or "An Intelligence Core: a LoRA adapter trained on a code repository.",
        "",
        "| | |",
        "|---|---|",
        f"| Version | {manifest.version} |",
        f"| Base model | `{manifest.base_model}` |",
        f"| Method | {manifest.method} (rank {manifest.adapter.rank}, alpha {_fmt(manifest.adapter.alpha)}) |",
        f"| Target modules | {target_text} |",
        f"| Quality score | {score} |",
        f"| Source | {args.source or 'unknown'} @ {args.commit or 'unknown'} |",
        f"| Trained on | {manifest.hardware.trained_on} |",
        f"| Minimum VRAM | {vram} |",
        f"| Created | {manifest.created} |",
        "",
        "## Usage",
        "",
        f"Unpack the core first: `unzip {stem}.gcpkg -d {stem}`. The adapter is in `{stem}/adapter/`.",
        "",
        "### PEFT / transformers",
        "",
        "```python",
        "from peft import PeftModel",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "",
        f'base = AutoModelForCausalLM.from_pretrained("{manifest.base_model}")',
        f'tokenizer = AutoTokenizer.from_pretrained("{manifest.base_model}")',
        f'model = PeftModel.from_pretrained(base, "{stem}/adapter")',
        "```",
        "",
        "### LLaMA-Factory",
        "",
        "```bash",
        f"llamafactory-cli chat --model_name_or_path {manifest.base_model} \\",
        f"    --adapter_name_or_path {stem}/adapter --template {template} --finetuning_type lora",
        "```",
        "",
        "## Evaluation",
        "",
        _eval_table(evals),
        "",
        "## Training",
        "",
        f"- Pairs: {sum(totals.values())} (train {totals.get('train', 0)} / eval {totals.get('eval', 0)})",
        f"- Epochs: {_fmt(facts.get('epochs')) if facts.get('epochs') is not None else 'unknown'}",
        f"- Final loss: {_fmt(facts.get('final_loss')) if facts.get('final_loss') is not None else 'unknown'}",
        f"- Duration: {_fmt(facts.get('duration_sec')) + ' s' if facts.get('duration_sec') is not None else 'unknown'}",
        "",
        "The exact recipe is in `training/recipe.yaml`, the loss curve in `training/training_log.jsonl`, what "
        "data was used in `data/dataset_card.md`, and checksums and tool versions in `PROVENANCE.json`.",
    ]
    return "\n".join(lines) + "\n"


def _write_zip(dest: Path, members: dict[str, bytes | Path]) -> None:
    with zipfile.ZipFile(dest, "w", allowZip64=True) as zf:
        for name in REQUIRED_FILES:
            source = members[name]
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            if isinstance(source, Path):
                info.compress_type = zipfile.ZIP_STORED if name in BINARY_FILES else zipfile.ZIP_DEFLATED
                info.file_size = source.stat().st_size
                with source.open("rb") as src, zf.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, source)


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def _failure_for_report(report: ValidateReport, where: Path) -> ToolFailure:
    failed = {c.name for c in report.checks if c.ok is False}
    details = {"path": str(where), "report": report.model_dump()}
    if "secrets" in failed:
        secrets_detail = next(c.detail for c in report.checks if c.name == "secrets")
        return ToolFailure(FailureKind.needs_user,
                           f"The core was not published: it would contain secrets ({secrets_detail}).",
                           hint="Remove the secret from the source or the description (and rotate it), then package "
                                "again.", details=details)
    if "load" in failed:
        load_detail = next(c.detail for c in report.checks if c.name == "load")
        return ToolFailure(FailureKind.corrupted, f"The core was not published: the adapter failed to load "
                                                  f"({load_detail}).",
                           hint="Check that base_model_path is the model the adapter was trained on.",
                           details=details)
    if failed & {"schema", "safetensors"}:
        return ToolFailure(FailureKind.invalid_input,
                           "The core was not published: its inputs are not valid (" + "; ".join(report.errors) + ").",
                           hint="Check the adapter folder, the recipe and the result files passed to `package`.",
                           details=details)
    return ToolFailure(FailureKind.internal,
                       "The core was not published: the freshly built package failed validation ("
                       + "; ".join(report.errors) + ").",
                       hint="Try again; if it keeps failing, report it with the validation details.",
                       details=details)


def build_package(
    args: PackageArgs | dict[str, Any],
    *,
    cores_dir: str | Path | None = None,
    progress: Callable[..., None] | None = None,
    model_cache: str | Path | None = None,
) -> PackageResult:
    """Build, validate and publish a core. ``cores_dir`` is used when ``args.out_dir`` is not set;
    ``model_cache`` helps the load check find the base model when ``args.base_model_path`` is not set.

    Raises ToolFailure only; on any failure no ``.gcpkg`` (nor its temporary file) is left behind.
    """
    if not isinstance(args, PackageArgs):
        try:
            args = PackageArgs.model_validate(args)
        except ValidationError as exc:
            raise ToolFailure(FailureKind.invalid_input, f"Invalid package arguments: {exc}") from None
    try:
        return _build(args, cores_dir, progress or (lambda **_: None), model_cache)
    except ToolFailure:
        raise
    except OSError as exc:
        where = exc.filename or args.out_dir or str(cores_dir or "the cores folder")
        failure = disk_full_from_oserror(exc, str(where))
        if failure:
            raise failure from exc
        raise ToolFailure(FailureKind.invalid_input, f"Packaging failed on a file operation: {exc}",
                          hint="Check that the input files are readable and the output folder is writable.",
                          details={"path": str(where)}) from exc
    except Exception as exc:
        raise ToolFailure(FailureKind.internal, f"Packaging failed unexpectedly: {type(exc).__name__}: {exc}",
                          hint="Report this with the run's logs.") from exc


def _build(args: PackageArgs, cores_dir: str | Path | None, say: Callable[..., None],
           model_cache: str | Path | None) -> PackageResult:

    adapter_dir = Path(args.adapter_dir).expanduser()
    weights = _require_file(adapter_dir / "adapter_model.safetensors", "adapter weights file")
    config_path = _require_file(adapter_dir / "adapter_config.json", "adapter config")
    recipe_path = _require_file(Path(args.recipe_path).expanduser(), "training recipe")
    log_path = _require_file(Path(args.training_log_path).expanduser(), "training log")
    eval_path = _require_file(Path(args.eval_results_path).expanduser(), "evaluation results file")
    dataset_dir = Path(args.dataset_dir).expanduser()
    _require_file(dataset_dir / "train.jsonl", "training data (train.jsonl)")
    base_path = Path(args.base_model_path).expanduser() if args.base_model_path else None
    if base_path is not None and not base_path.is_dir():
        raise ToolFailure(FailureKind.not_found, f"The base model folder does not exist: {base_path}.",
                          hint="Pass the local folder of the base model, or leave base_model_path out.",
                          details={"path": str(base_path)})

    slug = args.slug or slugify(args.name)
    if not _SLUG_RE.match(slug):
        raise ToolFailure(FailureKind.invalid_input, f"'{slug}' is not a valid core slug.",
                          hint="Use lowercase letters, digits and dashes.")
    if args.out_dir:
        out_dir = Path(args.out_dir).expanduser()
    elif cores_dir is not None:
        out_dir = Path(cores_dir)
    else:
        out_dir = Workspace.from_env().cores

    adapter_cfg = _read_json_file(config_path, "adapter config")
    if not isinstance(adapter_cfg, dict) or not adapter_cfg.get("r") or not adapter_cfg.get("lora_alpha"):
        raise ToolFailure(FailureKind.invalid_input, f"{config_path} is not a LoRA adapter config (no r/lora_alpha).",
                          hint="Point adapter_dir at the folder a LoRA training run saved.")
    try:
        recipe = yaml.safe_load(recipe_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"The recipe {recipe_path} is not valid YAML: {exc}",
                          hint="Regenerate the recipe.") from None
    if not isinstance(recipe, dict):
        raise ToolFailure(FailureKind.invalid_input, f"The recipe {recipe_path} is not a YAML mapping.")
    evals = _read_json_file(eval_path, "evaluation results file")

    say(stage="collect", message="Collecting the adapter, recipe, logs and data facts")
    data = _scan_dataset(dataset_dir)
    facts = _log_facts(log_path)
    facts.update({k: v for k, v in args.training.model_dump().items() if v is not None})
    created = _utc_now()

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        failure = disk_full_from_oserror(exc, str(out_dir))
        raise failure or ToolFailure(FailureKind.invalid_input, f"Cannot create {out_dir}: {exc}") from exc
    version = args.version or next_version(out_dir, slug)
    final = out_dir / package_filename(slug, version)
    if final.exists():
        raise ToolFailure(FailureKind.invalid_input, f"{final} already exists.",
                          hint="Leave `version` out to get the next free version.",
                          details={"path": str(final)})

    vram = args.compatible_vram_min_gb
    if vram is None:
        vram = _estimate_vram_gb(base_path, args.method)
    target_modules = adapter_cfg.get("target_modules")
    if isinstance(target_modules, (list, set, tuple)):
        target_modules = sorted(str(m) for m in target_modules)
    manifest = Manifest(
        name=args.name,
        version=f"{version}.0.0",
        base_model=args.base_model_id,
        method=args.method,
        quality_score=args.quality_score,
        tags=list(args.tags),
        created=created,
        hardware=ManifestHardware(trained_on=str(facts.get("trained_on") or "unknown")),
        compatible_vram_min_gb=vram,
        description=args.description,
        adapter=ManifestAdapter(rank=int(adapter_cfg["r"]), alpha=float(adapter_cfg["lora_alpha"]),
                                target_modules=target_modules or []),
    )
    sample_lines = "".join(json.dumps(s, ensure_ascii=False, sort_keys=True) + "\n" for s in data["samples"])
    members: dict[str, bytes | Path] = {
        MANIFEST: _json_bytes(manifest.model_dump(mode="json")),
        ADAPTER_WEIGHTS: weights,
        ADAPTER_CONFIG: config_path,
        RECIPE: recipe_path,
        TRAINING_LOG: log_path,
        EVAL_RESULTS: eval_path,
        DATASET_CARD: _dataset_card(args, data).encode("utf-8"),
        SAMPLE_PAIRS: sample_lines.encode("utf-8"),
        README: _readme(args, slug, version, manifest, recipe, evals, facts, data["totals"]).encode("utf-8"),
    }
    say(stage="hash", message="Computing checksums")
    hashes = {name: (_sha256_file(src) if isinstance(src, Path) else _sha256_bytes(src))
              for name, src in sorted(members.items())}
    build_engine = args.build_engine
    if "build_engine" not in args.model_fields_set and isinstance(facts.get("build_engine"), str):
        build_engine = facts["build_engine"]  # also accepted among the training facts
    provenance = {
        "format_version": FORMAT_VERSION,
        "created": created,
        "files": hashes,
        "base_model": {"id": args.base_model_id, "hash": args.base_model_hash},
        "source": {"repo": args.source, "commit": args.commit},
        "recipe_sha256": hashes[RECIPE],
        "tool_versions": tool_versions(),
        "dataset_pairs": sum(data["totals"].values()),
        "dataset_split": data["totals"],
        "epochs": facts.get("epochs"),
        "final_loss": facts.get("final_loss"),
        "training_duration_sec": facts.get("duration_sec"),
        "build_engine": build_engine,
        "fallbacks": list(args.fallbacks),
    }
    members[PROVENANCE] = _json_bytes(provenance)

    fd, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{final.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        say(stage="zip", message=f"Writing {final.name}")
        _write_zip(tmp, members)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        say(stage="validate", message="Validating the package before publishing it")
        report = validate_package(tmp, check_load=args.check_load,
                                  base_model_path=str(base_path) if base_path else None, model_cache=model_cache)
        if not report.ok:
            raise _failure_for_report(report, final)
        if final.exists():
            raise ToolFailure(FailureKind.invalid_input, f"{final} appeared while packaging; not overwriting it.",
                              hint="Package again to get the next free version.", details={"path": str(final)})
        os.replace(tmp, final)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        failure = disk_full_from_oserror(exc, str(final))
        if failure:
            raise failure from exc
        raise ToolFailure(FailureKind.invalid_input, f"Writing {final} failed: {exc}",
                          hint="Check that the output folder is writable.", details={"path": str(final)}) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    report.path = str(final)
    say(stage="done", message=f"Published {final.name}")
    return PackageResult(path=str(final), size_bytes=final.stat().st_size, sha256=_sha256_file(final),
                         version=version, validation=report)


# ------------------------------------------------------------------------------------------ tools


@tool("package", tab="publish")
def package(args: PackageArgs, ctx: ToolContext) -> PackageResult:
    """Pack a trained adapter into an Intelligence Core (.gcpkg), validate it, and only then publish it.

    The core goes to ``out_dir`` (the workspace's cores/ folder by default) as ``<slug>-v<N>.gcpkg``.
    """
    return build_package(args, cores_dir=ctx.workspace.cores, progress=ctx.progress, model_cache=ctx.workspace.cache)


@tool("validate", tab="publish")
def validate(args: ValidateArgs, ctx: ToolContext) -> ValidateReport:
    """Check an Intelligence Core: zip integrity, layout, checksums, adapter weights, secrets and a real load.

    A corrupted or incomplete core yields a report with ok=False; a path that does not exist is not_found.
    """
    return validate_package(args.path, check_load=args.check_load, base_model_path=args.base_model_path,
                            strict=args.strict, model_cache=ctx.workspace.cache)
