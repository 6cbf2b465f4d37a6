"""Building a core: collect the inputs, write the members into a hidden temporary zip next to the
destination, validate that file, and only then rename it into place as ``<slug>-v<N>.gcpkg``."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Callable, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import FailureKind, ToolFailure, disk_full_from_oserror
from ...workspace import Workspace, slugify
from .cards import dataset_card, readme
from .report import ValidateReport
from .format import (
    ADAPTER_CONFIG,
    ADAPTER_WEIGHTS,
    BINARY_FILES,
    CHUNK,
    DATASET_CARD,
    EVAL_RESULTS,
    FIXED_ZIP_TIME,
    MANIFEST,
    PROVENANCE,
    README,
    RECIPE,
    LOSS_CURVE,
    OPTIONAL_FILES,
    REQUIRED_FILES,
    RETRIEVAL_FILES,
    SAMPLE_PAIRS,
    SIGNATURE,
    SLUG_RE,
    TRAINING_LOG,
    Manifest,
    ManifestAdapter,
    ManifestHardware,
    ManifestPrice,
    next_version,
    package_filename,
    sha256_bytes,
    sha256_file,
)
from .inputs import estimate_vram_gb, log_facts, read_json_file, require_file, scan_dataset
from .provenance import provenance
from .refusal import failure_for_report
from .signing import signature_document, workspace_key
from .validation import validate_package


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
    loss_curve_path: str | None = Field(default=None, description="PNG of the training loss; packaged as "
                                                                  "training/loss_curve.png when the file is there.")
    build_engine: str = Field(default="none (code-only)", description="How the source was built, if at all.")
    compatible_vram_min_gb: float | None = Field(default=None, ge=0,
                                                 description="Minimum VRAM to run; estimated when omitted.")
    out_dir: str | None = Field(default=None, description="Where the core goes; the workspace's cores/ by default.")
    retrieval_dir: str | None = Field(default=None, description="The core's retrieval index folder (index.json, "
                                      "passages.jsonl, optional embeddings.safetensors), packaged as retrieval/.")
    icon: str = Field(default="🪿", min_length=1, max_length=16, description="Marketplace icon: an emoji.")
    price: float = Field(default=0.0, ge=0, le=100000, description="Marketplace price; 0 is free.")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$", description="The price's ISO 4217 currency.")
    quality_threshold: int = Field(default=70, ge=0, le=100, description="The quality score the core is held to "
                                                                          "(gate V3).")
    accepted_below_threshold: bool = Field(default=False, description="The user accepted a score below the threshold.")
    check_load: bool = True
    version: int | None = Field(default=None, ge=1, description="v<N>; the next free one for the slug by default.")


class PackageResult(BaseModel):
    path: str
    size_bytes: int
    sha256: str
    version: int
    validation: ValidateReport


def utc_now() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_zip(dest: Path, members: dict[str, bytes | Path]) -> None:
    """Write the members in :data:`REQUIRED_FILES` order with fixed timestamps and modes (the weights
    stored, the rest deflated); a Path member is streamed from its file."""
    with zipfile.ZipFile(dest, "w", allowZip64=True) as zf:
        for name in (*REQUIRED_FILES, *(n for n in OPTIONAL_FILES if n in members)):
            source = members[name]
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            if isinstance(source, Path):
                info.compress_type = zipfile.ZIP_STORED if name in BINARY_FILES else zipfile.ZIP_DEFLATED
                info.file_size = source.stat().st_size
                with source.open("rb") as src, zf.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, source)


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def build_package(
    args: PackageArgs | dict[str, Any],
    *,
    cores_dir: str | Path | None = None,
    progress: Callable[..., None] | None = None,
    model_cache: str | Path | None = None,
    workspace_root: str | Path | None = None,
) -> PackageResult:
    """Build, sign, validate and publish a core. ``cores_dir`` is used when ``args.out_dir`` is not set;
    ``model_cache`` helps the load check find the base model when ``args.base_model_path`` is not set;
    ``workspace_root`` holds the signing key (the workspace from the environment by default).

    Raises ToolFailure only; on any failure no ``.gcpkg`` (nor its temporary file) is left behind.
    """
    if not isinstance(args, PackageArgs):
        try:
            args = PackageArgs.model_validate(args)
        except ValidationError as exc:
            raise ToolFailure(FailureKind.invalid_input, f"Invalid package arguments: {exc}") from None
    try:
        return _build(args, cores_dir, progress or (lambda **_: None), model_cache,
                      Path(workspace_root) if workspace_root else Workspace.from_env().root)
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


def _retrieval_members(folder: str | None) -> tuple[dict[str, Path], dict[str, Any] | None]:
    """The retrieval index's files as members, and what PROVENANCE.json records of it."""
    if not folder:
        return {}, None
    root = Path(folder).expanduser()
    index = require_file(root / "index.json", "retrieval index (index.json)")
    require_file(root / "passages.jsonl", "retrieval passages (passages.jsonl)")
    members = {m: root / m.split("/", 1)[1] for m in RETRIEVAL_FILES if (root / m.split("/", 1)[1]).is_file()}
    info = read_json_file(index, "retrieval index")
    keep = ("passages", "counts", "embeddings", "source", "format")
    return members, {k: info.get(k) for k in keep if isinstance(info, dict) and k in info}


def _build(args: PackageArgs, cores_dir: str | Path | None, say: Callable[..., None],
           model_cache: str | Path | None, workspace_root: Path) -> PackageResult:

    adapter_dir = Path(args.adapter_dir).expanduser()
    weights = require_file(adapter_dir / "adapter_model.safetensors", "adapter weights file")
    config_path = require_file(adapter_dir / "adapter_config.json", "adapter config")
    recipe_path = require_file(Path(args.recipe_path).expanduser(), "training recipe")
    log_path = require_file(Path(args.training_log_path).expanduser(), "training log")
    eval_path = require_file(Path(args.eval_results_path).expanduser(), "evaluation results file")
    dataset_dir = Path(args.dataset_dir).expanduser()
    require_file(dataset_dir / "train.jsonl", "training data (train.jsonl)")
    base_path = Path(args.base_model_path).expanduser() if args.base_model_path else None
    if base_path is not None and not base_path.is_dir():
        raise ToolFailure(FailureKind.not_found, f"The base model folder does not exist: {base_path}.",
                          hint="Pass the local folder of the base model, or leave base_model_path out.",
                          details={"path": str(base_path)})

    slug = args.slug or slugify(args.name)
    if not SLUG_RE.match(slug):
        raise ToolFailure(FailureKind.invalid_input, f"'{slug}' is not a valid core slug.",
                          hint="Use lowercase letters, digits and dashes.")
    if args.out_dir:
        out_dir = Path(args.out_dir).expanduser()
    elif cores_dir is not None:
        out_dir = Path(cores_dir)
    else:
        out_dir = Workspace.from_env().cores

    adapter_cfg = read_json_file(config_path, "adapter config")
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
    evals = read_json_file(eval_path, "evaluation results file")
    retrieval_files, retrieval_info = _retrieval_members(args.retrieval_dir)

    say(stage="collect", message="Collecting the adapter, recipe, logs and data facts")
    data = scan_dataset(dataset_dir)
    facts = log_facts(log_path)
    facts.update({k: v for k, v in args.training.model_dump().items() if v is not None})
    created = utc_now()

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
        vram = estimate_vram_gb(base_path, args.method)
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
        icon=args.icon, price=ManifestPrice(amount=args.price, currency=args.currency),
        quality_threshold=args.quality_threshold, accepted_below_threshold=args.accepted_below_threshold,
        retrieval=bool(retrieval_files),
    )
    sample_lines = "".join(json.dumps(s, ensure_ascii=False, sort_keys=True) + "\n" for s in data["samples"])
    readme_text = readme(name=args.name, description=args.description, source=args.source, commit=args.commit,
                         slug=slug, version=version, manifest=manifest, recipe=recipe, evals=evals, facts=facts,
                         totals=data["totals"])
    manifest_bytes = _json_bytes(manifest.model_dump(mode="json"))
    members: dict[str, bytes | Path] = {
        MANIFEST: manifest_bytes,
        ADAPTER_WEIGHTS: weights,
        ADAPTER_CONFIG: config_path,
        RECIPE: recipe_path,
        TRAINING_LOG: log_path,
        EVAL_RESULTS: eval_path,
        DATASET_CARD: dataset_card(args.name, args.source, args.commit, data).encode("utf-8"),
        SAMPLE_PAIRS: sample_lines.encode("utf-8"),
        README: readme_text.encode("utf-8"),
        **{member: source for member, source in retrieval_files.items()},
    }
    curve = Path(args.loss_curve_path).expanduser() if args.loss_curve_path else None
    if curve is not None and curve.is_file() and curve.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n":
        members[LOSS_CURVE] = curve
    say(stage="hash", message="Computing checksums")
    hashes = {name: (sha256_file(src) if isinstance(src, Path) else sha256_bytes(src))
              for name, src in sorted(members.items())}
    build_engine = args.build_engine
    if "build_engine" not in args.model_fields_set and isinstance(facts.get("build_engine"), str):
        build_engine = facts["build_engine"]  # also accepted among the training facts
    provenance_bytes = _json_bytes(provenance(
        created=created, hashes=hashes, base_model_id=args.base_model_id, base_model_hash=args.base_model_hash,
        source=args.source, commit=args.commit, recipe=recipe, data=data, dataset_dir=dataset_dir, facts=facts,
        build_engine=build_engine, fallbacks=list(args.fallbacks), retrieval=retrieval_info))
    members[PROVENANCE] = provenance_bytes
    say(stage="sign", message="Signing the manifest and provenance")
    key = workspace_key(workspace_root)
    members[SIGNATURE] = _json_bytes(signature_document(key, manifest_bytes, provenance_bytes))

    fd, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{final.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        say(stage="zip", message=f"Writing {final.name}")
        write_zip(tmp, members)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        say(stage="validate", message="Validating the package before publishing it")
        report = validate_package(tmp, check_load=args.check_load,
                                  base_model_path=str(base_path) if base_path else None, model_cache=model_cache,
                                  workspace_root=workspace_root)
        if not report.ok:
            raise failure_for_report(report, final)
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
    return PackageResult(path=str(final), size_bytes=final.stat().st_size, sha256=sha256_file(final),
                         version=version, validation=report)
