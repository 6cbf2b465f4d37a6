"""Gate V1, schema: the file is a readable zip with the format's layout, ``manifest.json`` is valid against
the JSON Schema shipped with the studio, the adapter's config and weights are a well-formed LoRA adapter, and
the training files parse.

Checks: ``zip``, ``layout``, ``manifest``, ``adapter_config``, ``adapter_weights``, ``training_files``.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any, Callable

import yaml
from pydantic import ValidationError

from .format import (
    ADAPTER_CONFIG,
    ALLOWED_DIR_ENTRIES,
    EVAL_RESULTS,
    MANIFEST,
    MAX_TEXT_SCAN_BYTES,
    OPTIONAL_FILES,
    PROVENANCE,
    READ_ERRORS,
    RECIPE,
    REQUIRED_FILES,
    SAMPLE_PAIRS,
    TRAINING_LOG,
    Manifest,
    read_member,
)
from .manifest_schema import schema_errors
from .report import Checks

REBUILD = "Rebuild the core with `goose-studio learn` (or the package tool) instead of editing it by hand."


def open_zip(path: Path, checks: Checks) -> zipfile.ZipFile | None:
    """Open the zip and test every member's CRC: the open zip, or None when it cannot be read at all."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        checks.set("zip", False, f"not a readable zip file ({exc})",
                   hint="The file is truncated, corrupted or not a core; copy it again or rebuild it.")
        return None
    except (OSError, ValueError, RuntimeError, NotImplementedError, EOFError) as exc:
        checks.set("zip", False, f"cannot open the zip: {exc}", hint="Copy the core again or rebuild it.")
        return None
    infos = zf.infolist()
    bad: str | None = None
    if not any(i.flag_bits & 0x1 for i in infos):  # encrypted members are gate V2's finding
        try:
            bad = zf.testzip()
        except READ_ERRORS as exc:
            bad = f"(unreadable: {exc})"
    if bad is not None:
        checks.set("zip", False, f"CRC/decompression test failed at {bad}",
                   hint="The file is damaged; copy it again or rebuild it.")
    else:
        checks.set("zip", True, f"{len(infos)} entries, CRCs ok")
    return zf


def _json_member(zf: zipfile.ZipFile, name: str) -> Any:
    return json.loads(read_member(zf, name, MAX_TEXT_SCAN_BYTES).decode("utf-8"))


class _Reader:
    """Parses members once, recording why one does not parse under the check that asked."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.present = {i.filename for i in zf.infolist() if not i.filename.endswith("/")}

    def load(self, name: str, parse: Callable[[], Any], problems: list[str]) -> Any:
        if name not in self.present:
            return None
        try:
            return parse()
        except (json.JSONDecodeError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.append(f"{name}: does not parse ({str(exc).splitlines()[0]})")
        except READ_ERRORS as exc:
            problems.append(f"{name}: unreadable ({exc})")
        return None


def check_layout(zf: zipfile.ZipFile, checks: Checks) -> None:
    names = [i.filename for i in zf.infolist()]
    files = [n for n in names if not n.endswith("/")]
    dirs = [n for n in names if n.endswith("/")]
    problems = []
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append("duplicate entries: " + ", ".join(duplicates))
    missing = [n for n in REQUIRED_FILES if n not in files]
    extra = sorted(set(files) - set(REQUIRED_FILES) - set(OPTIONAL_FILES)) + sorted(set(dirs) - ALLOWED_DIR_ENTRIES)
    if missing:
        problems.append("missing: " + ", ".join(missing))
    if extra:
        problems.append("unexpected: " + ", ".join(extra))
    if problems:
        hint = ("The core lacks its adapter; rebuild it from the run that trained it." if
                any(m.startswith("adapter/") for m in missing) else
                "A core holds exactly the files of the format and nothing else. " + REBUILD)
        checks.set("layout", False, "; ".join(problems), hint=hint)
    else:
        checks.set("layout", True, f"{len(REQUIRED_FILES)} required files present, no unexpected members")


def check_manifest(reader: _Reader, checks: Checks) -> Manifest | None:
    """``manifest.json`` against the shipped JSON Schema, then into the model."""
    problems: list[str] = []
    raw = reader.load(MANIFEST, lambda: _json_member(reader.zf, MANIFEST), problems)
    if MANIFEST not in reader.present:
        checks.set("manifest", False, "manifest.json is missing", hint=REBUILD)
        return None
    if raw is None:
        checks.set("manifest", False, "; ".join(problems), hint="manifest.json must be a JSON object. " + REBUILD)
        return None
    errors = schema_errors(raw)
    if errors:
        checks.set("manifest", False, "manifest.json does not match the schema: " + "; ".join(errors[:8]),
                   hint="Fix the named fields to the types the schema gives (goose_studio/tools/package/"
                        "manifest.schema.json), or rebuild the core; an edited manifest also breaks its signature.")
        return None
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:  # the schema and the model disagree: say what the model says
        errs = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()]
        checks.set("manifest", False, "manifest.json: " + "; ".join(errs), hint=REBUILD)
        return None
    checks.set("manifest", True, f"valid against the manifest schema (format {manifest.format_version})")
    return manifest


def check_adapter_config(reader: _Reader, manifest: Manifest | None, checks: Checks) -> dict[str, Any] | None:
    problems: list[str] = []
    if ADAPTER_CONFIG not in reader.present:
        checks.set("adapter_config", False, "adapter/adapter_config.json is missing",
                   hint="The core lacks its adapter; rebuild it from the run that trained it.")
        return None
    cfg = reader.load(ADAPTER_CONFIG, lambda: _json_member(reader.zf, ADAPTER_CONFIG), problems)
    if cfg is not None and not isinstance(cfg, dict):
        problems.append("adapter_config.json: not a JSON object")
    if isinstance(cfg, dict):
        if str(cfg.get("peft_type", "")).upper() != "LORA":
            problems.append(f"adapter_config.json: peft_type is {cfg.get('peft_type')!r}, expected LORA")
        for key in ("r", "lora_alpha", "target_modules"):
            if cfg.get(key) in (None, "", []):
                problems.append(f"adapter_config.json: missing {key}")
        if manifest is not None:
            if cfg.get("r") is not None and manifest.adapter.rank != cfg.get("r"):
                problems.append(f"manifest adapter.rank {manifest.adapter.rank} != adapter_config r {cfg.get('r')}")
            alpha = cfg.get("lora_alpha")
            if isinstance(alpha, (int, float)) and not math.isclose(manifest.adapter.alpha, float(alpha)):
                problems.append(f"manifest adapter.alpha {manifest.adapter.alpha} != lora_alpha {alpha}")
    if problems:
        checks.set("adapter_config", False, "; ".join(problems),
                   hint="The adapter config must be the PEFT LoRA config the adapter was saved with. " + REBUILD)
        return None
    checks.set("adapter_config", True, f"LoRA r={cfg['r']} alpha={cfg['lora_alpha']}")
    return cfg


def check_adapter_weights(adapter_dir: Path | None, extract_error: str, checks: Checks, strict: bool) -> None:
    """The extracted adapter weights: a parsable safetensors file of paired, non-empty LoRA tensors.

    Non-LoRA tensors and all-zero ``lora_B`` tensors are notes, failures only when ``strict``."""
    weights = adapter_dir / "adapter_model.safetensors" if adapter_dir else None
    if weights is None or not weights.is_file():
        checks.set("adapter_weights", False, f"adapter/adapter_model.safetensors is missing ({extract_error})",
                   hint="The core lacks its adapter weights; rebuild it from the run that trained it.")
        return
    try:
        from safetensors import safe_open
    except ImportError:
        checks.set("adapter_weights", None, "skipped: the safetensors package is not installed",
                   hint="Install safetensors to check adapter weights.")
        return
    try:
        import torch  # noqa: F401

        framework = "pt"
    except ImportError:
        framework = "numpy"
    names: list[str] = []
    empty: list[str] = []
    b_all_zero = True
    try:
        with safe_open(str(weights), framework=framework) as fh:
            names = list(fh.keys())
            for key in names:
                shape = fh.get_slice(key).get_shape()
                if not shape or math.prod(shape) == 0:
                    empty.append(key)
                if "lora_B" in key and framework == "pt" and b_all_zero and bool(fh.get_tensor(key).abs().sum() != 0):
                    b_all_zero = False
    except Exception as exc:  # the safetensors header or data is malformed
        checks.set("adapter_weights", False, f"adapter_model.safetensors does not parse: {str(exc)[:300]}",
                   hint="The adapter weights are corrupted; retrain or re-export the adapter.")
        return
    problems: list[str] = []
    n_a, n_b = sum("lora_A" in k for k in names), sum("lora_B" in k for k in names)
    if not names:
        problems.append("no tensors")
    elif n_a == 0 or n_b == 0:
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
    if strict:
        problems, notes = problems + notes, []
    if problems:
        checks.set("adapter_weights", False, "; ".join(problems),
                   hint="The adapter file is not a usable LoRA adapter; retrain or re-export it.")
    else:
        checks.set("adapter_weights", True, f"{len(names)} tensors ({n_a} lora_A / {n_b} lora_B)"
                   + ("; note: " + "; ".join(notes) if notes else ""))


def check_training_files(reader: _Reader, checks: Checks) -> dict[str, Any]:
    """The recipe, logs, eval results and provenance parse; returns the parsed eval results and provenance."""
    zf, problems = reader.zf, []
    parsed: dict[str, Any] = {}
    evals = reader.load(EVAL_RESULTS, lambda: _json_member(zf, EVAL_RESULTS), problems)
    if evals is not None and not isinstance(evals, (dict, list)):
        problems.append("eval_results.json: not a JSON object or list")
    parsed["evals"] = evals
    prov = reader.load(PROVENANCE, lambda: _json_member(zf, PROVENANCE), problems)
    if prov is not None:
        if not isinstance(prov, dict) or not isinstance(prov.get("files"), dict):
            problems.append("PROVENANCE.json: no 'files' table of sha256 digests")
        else:
            parsed["provenance"] = prov
    before = len(problems)
    recipe = reader.load(RECIPE, lambda: yaml.safe_load(read_member(zf, RECIPE, MAX_TEXT_SCAN_BYTES).decode("utf-8")),
                         problems)
    if RECIPE in reader.present and len(problems) == before:
        if not isinstance(recipe, dict):
            problems.append("recipe.yaml: not a YAML mapping")
        else:
            parsed["recipe"] = recipe
            problems += [f"recipe.yaml: missing {k}" for k in ("model_name_or_path", "finetuning_type") if not recipe.get(k)]
    for name in (TRAINING_LOG, SAMPLE_PAIRS):
        text = reader.load(name, lambda n=name: read_member(zf, n, MAX_TEXT_SCAN_BYTES).decode("utf-8"), problems)
        for lineno, line in enumerate((text or "").splitlines(), 1):
            if line.strip():
                try:
                    json.loads(line)
                except json.JSONDecodeError:
                    problems.append(f"{name}: line {lineno} is not JSON")
                    break
    if problems:
        checks.set("training_files", False, "; ".join(problems), hint=REBUILD)
    else:
        checks.set("training_files", True, "recipe, training log, eval results, samples and provenance parse")
    return parsed


def run_schema_gate(zf: zipfile.ZipFile, checks: Checks) -> dict[str, Any]:
    """Layout, manifest, adapter config and training files (the weights are checked once extracted).
    Returns what was parsed: manifest, adapter_config, evals, provenance, recipe."""
    reader = _Reader(zf)
    check_layout(zf, checks)
    manifest = check_manifest(reader, checks)
    cfg = check_adapter_config(reader, manifest, checks)
    parsed = check_training_files(reader, checks)
    parsed.update(manifest=manifest, adapter_config=cfg)
    return parsed
