"""Finding and opening cores: a core by name in the workspace (its file's stem, ``inventory-core-v2``, or its
slug, ``inventory-core``, for the highest version installed) or by path, its manifest, and the adapter it holds
(extracted once into the workspace cache) with the base model and chat template it was trained on.

Used by the ``list_cores``/``chat_with_core`` tools, ``goose-studio serve``, the MCP resources and the CLI.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from .errors import FailureKind, ToolFailure
from .runstore import RunStore
from .tools.models import infer_template
from .tools.package import MANIFEST, PROVENANCE, RECIPE, Manifest, extract_adapter, resolve_base
from .workspace import Workspace


class CoreInfo(BaseModel):
    name: str = Field(description="The core's name in the workspace (use it with chat_with_core).")
    file: str
    size_bytes: int
    base_model: str | None = None
    quality_score: float | None = None
    created: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    icon: str | None = None
    error: str | None = None


class OpenedCore(BaseModel):
    """What answering with a core needs: its base model folder, chat template and adapter folder."""

    base: Path
    template: str
    adapter: Path


def read_manifest(path: Path) -> dict[str, Any]:
    """A core file's manifest.json; ``corrupted`` when the file is not a readable core."""
    try:
        with zipfile.ZipFile(path) as zf:
            data = json.loads(zf.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"{path} has no readable manifest ({type(exc).__name__}).",
                          hint="Check it with validate; repackage it if it is damaged.",
                          details={"path": str(path)}) from None
    if not isinstance(data, dict):
        raise ToolFailure(FailureKind.corrupted, f"The manifest of {path} is not an object.",
                          hint="Check it with validate.", details={"path": str(path)})
    return data


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def core_infos(ws: Workspace) -> list[CoreInfo]:
    rows = []
    for path in sorted(ws.cores.glob("*.gcpkg")):
        info: dict[str, Any] = {"name": path.stem, "file": str(path), "size_bytes": path.stat().st_size}
        try:
            manifest = read_manifest(path)
            info.update(base_model=manifest.get("base_model"), quality_score=manifest.get("quality_score"),
                        created=manifest.get("created"), description=manifest.get("description"),
                        icon=manifest.get("icon") if isinstance(manifest.get("icon"), str) else None,
                        tags=[t for t in _as_list(manifest.get("tags")) if isinstance(t, str)][:32])
        except ToolFailure:
            info["error"] = "unreadable package; run validate on it"
        rows.append(CoreInfo(**info))
    return rows


def latest_version(folder: Path, slug: str) -> Path | None:
    """The highest ``<slug>-v<N>.gcpkg`` in ``folder`` (None when there is none)."""
    pattern = re.compile(rf"^{re.escape(slug)}-v(\d+)\.gcpkg$")
    found = [(int(m.group(1)), p) for p in folder.glob(f"{slug}-v*.gcpkg") if (m := pattern.match(p.name))]
    return max(found)[1] if found else None


def core_path(ws: Workspace, core: str) -> Path:
    """A core's file from its name in the workspace (file stem, or slug for its highest version) or a path."""
    given = Path(core).expanduser()
    candidates = [given] if given.suffix == ".gcpkg" or given.is_absolute() or "/" in core else []
    candidates.append(ws.cores / (core if core.endswith(".gcpkg") else f"{core}.gcpkg"))
    for path in candidates:
        if path.is_file():
            return path
    if "/" not in core and not core.endswith(".gcpkg") and ws.cores.is_dir():
        latest = latest_version(ws.cores, core)
        if latest is not None:
            return latest
    raise ToolFailure(FailureKind.not_found, f"There is no core '{core}'.",
                      hint="Call list_cores for the cores in the workspace, or pass the path of a .gcpkg file.",
                      details={"core": core, "cores_dir": str(ws.cores)})


def file_digest(path: Path) -> str:
    """The first 20 hex digits of a file's SHA-256 (names its extracted adapter in the cache)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()[:20]


def open_core(ws: Workspace, path: Path, base_model_path: str | None = None) -> OpenedCore:
    """The core's adapter (extracted into ``cache/chat/<digest>``), base model and template."""
    dest = ws.cache / "chat" / file_digest(path)
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = Manifest.model_validate(json.loads(zf.read(MANIFEST)))
            try:
                provenance = json.loads(zf.read(PROVENANCE))
            except (KeyError, json.JSONDecodeError):
                provenance = None
            try:
                recipe = yaml.safe_load(zf.read(RECIPE)) or {}
            except (KeyError, yaml.YAMLError):
                recipe = {}
            if not (dest / "adapter" / "adapter_model.safetensors").is_file():
                tmp = dest.with_name(dest.name + f".{time.time_ns()}.tmp")
                folder, error = extract_adapter(zf, tmp)
                if folder is None:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise ToolFailure(FailureKind.corrupted, f"The adapter in {path} cannot be extracted ({error}).",
                                      hint=f"Check the core with validate {path}.")
                shutil.rmtree(dest, ignore_errors=True)
                tmp.replace(dest)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, ValueError, OSError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"{path} is not a readable core ({type(exc).__name__}: {exc}).",
                          hint="Check it with validate; repackage it if it is damaged.") from None
    base, _ = resolve_base(base_model_path, manifest, provenance if isinstance(provenance, dict) else None, ws.cache)
    if base is None or not (base / "config.json").is_file():
        raise ToolFailure(FailureKind.missing_dependency,
                          f"The core's base model '{manifest.base_model}' is not available locally.",
                          hint="Pass base_model_path (a local Hugging Face folder of that model), or call "
                               "prepare_model for it first.", details={"base_model": manifest.base_model})
    template = str(recipe.get("template") or infer_template(manifest.base_model, ""))
    return OpenedCore(base=base, template=template, adapter=dest / "adapter")


def open_run_adapter(ws: Workspace, run_id: str, base_model_path: str | None = None) -> OpenedCore:
    """The adapter a run trained (before it is packaged), with its base model and template."""
    store = RunStore(ws)
    store.read(run_id)  # not_found for an unknown run
    paths = store.paths(run_id)
    adapter = paths.output_dir
    if not (adapter / "adapter_model.safetensors").is_file() or not paths.recipe.is_file():
        raise ToolFailure(FailureKind.not_found, f"Run '{run_id}' has no trained adapter yet.",
                          hint="Follow the run with run_status until TRAIN is complete, or chat with a packaged core.",
                          details={"run_id": run_id})
    recipe = yaml.safe_load(paths.recipe.read_text()) or {}
    base = Path(base_model_path or recipe.get("model_name_or_path") or "")
    if not (base / "config.json").is_file():
        raise ToolFailure(FailureKind.missing_dependency, f"The run's base model folder {base} is missing.",
                          hint="Pass base_model_path, or call prepare_model to restore the base model.")
    return OpenedCore(base=base, template=str(recipe.get("template") or "default"), adapter=adapter)
