"""The local registry of cores: the workspace's ``cores/`` folder. Installing a ``.gcpkg`` runs the five gates on
it first and copies it in under ``<slug>-v<N>.gcpkg``; removing one deletes its file and the adapter extracted
for chatting with it; showing one reads its manifest, members, provenance and signature without loading it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ...cores import core_path, file_digest, read_manifest
from ...errors import FailureKind, ToolFailure
from ...workspace import Workspace, slugify
from ..package import PACKAGE_SUFFIX, PROVENANCE, SIGNATURE, MANIFEST, Signer, ValidateReport, validate_package
from ..package.format import SLUG_RE, package_filename, sha256_file
from ..package.signing import verify


class GateStatus(BaseModel):
    id: str
    name: str
    status: str
    fix: str = ""


class InstalledCore(BaseModel):
    name: str = Field(description="The core's name in the workspace (use it with chat, serve and chat_with_core).")
    path: str
    sha256: str
    size_bytes: int
    already_installed: bool = Field(False, description="The same file was installed already; nothing was copied.")
    replaced: bool = Field(False, description="A different file of that name was replaced (force).")
    gates: list[GateStatus] = Field(default_factory=list)
    loaded: bool | None = Field(None, description="The adapter loaded onto its base in a fresh process (None: "
                                                  "not run, e.g. the load check off or the base not available).")
    signer: Signer | None = None


class RemovedCore(BaseModel):
    name: str
    path: str
    freed_bytes: int
    cache_removed: bool = Field(description="The adapter extracted for chatting with it was deleted too.")


class CoreMember(BaseModel):
    name: str
    size_bytes: int


class CoreDetails(BaseModel):
    name: str
    path: str
    sha256: str
    size_bytes: int
    manifest: dict[str, Any]
    members: list[CoreMember]
    provenance: dict[str, Any] = Field(default_factory=dict, description="Source, commit, base model, data, tools.")
    signature: str = Field(description="verified, invalid or unsigned.")
    signature_detail: str = ""
    signer: Signer | None = None


def gate_statuses(report: ValidateReport) -> list[GateStatus]:
    return [GateStatus(id=g.id, name=g.name, status=g.status, fix=g.fix) for g in report.gates]


def require_valid(report: ValidateReport, path: Path) -> None:
    """ToolFailure(invalid_input) naming the failed gates and the first fix when ``report`` is not ok."""
    if report.ok:
        return
    failed = [g for g in report.gates if g.ok is False]
    names = ", ".join(f"{g.id} {g.name}" for g in failed) or "validation"
    fix = next((g.fix for g in failed if g.fix), "") or "Run validate on it for each gate's fix."
    raise ToolFailure(FailureKind.invalid_input, f"{path.name} failed gate {names}.", hint=fix,
                      details={"path": str(path), "failed_gates": [g.name for g in failed], "errors": report.errors,
                               "gates": [s.model_dump() for s in gate_statuses(report)]})


def validated(path: Path, ws: Workspace, check_load: bool, base_model_path: str | None = None) -> ValidateReport:
    """The five gates on ``path`` (with the workspace's cache and keys); ToolFailure when one fails."""
    report = validate_package(path, check_load=check_load, base_model_path=base_model_path, model_cache=ws.cache,
                              workspace_root=ws.root)
    require_valid(report, path)
    return report


def installed_name(path: Path, manifest: dict[str, Any]) -> str:
    """The file name a core gets in the registry: its own when it reads ``<slug>-v<N>.gcpkg``, else one made
    from the manifest's name and major version."""
    stem = path.name[: -len(PACKAGE_SUFFIX)] if path.name.endswith(PACKAGE_SUFFIX) else path.stem
    slug, _, number = stem.rpartition("-v")
    if slug and number.isdigit() and SLUG_RE.match(slug):
        return path.name
    major = str(manifest.get("version") or "1").split(".")[0]
    return package_filename(slugify(str(manifest.get("name") or stem)), int(major) if major.isdigit() else 1)


def copy_atomic(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def install_core(src: Path, ws: Workspace, *, check_load: bool = True, force: bool = False,
                 base_model_path: str | None = None) -> InstalledCore:
    """Validate ``src`` with the five gates and copy it into the workspace's cores/ folder."""
    src = src.expanduser()
    if not src.is_file():
        raise ToolFailure(FailureKind.not_found, f"There is no core file at {src}.",
                          hint="Pass the path of a .gcpkg file.", details={"path": str(src)})
    if not src.name.endswith(PACKAGE_SUFFIX):
        raise ToolFailure(FailureKind.invalid_input, f"{src.name} is not a {PACKAGE_SUFFIX} file.",
                          hint="Install a core package (.gcpkg) made by package or publish.")
    report = validated(src, ws, check_load, base_model_path)
    dest = ws.cores / installed_name(src, read_manifest(src))
    digest = sha256_file(src)
    replaced = False
    if dest.resolve() == src.resolve() or (dest.is_file() and sha256_file(dest) == digest):
        return InstalledCore(name=dest.stem, path=str(dest), sha256=digest, size_bytes=dest.stat().st_size,
                             already_installed=True, gates=gate_statuses(report), loaded=_loaded(report),
                             signer=report.signer)
    if dest.is_file():
        if not force:
            raise ToolFailure(FailureKind.invalid_input, f"A different core named {dest.stem} is installed already.",
                              hint="Remove it first (cores remove), or install with force to replace it.",
                              details={"name": dest.stem, "path": str(dest)})
        replaced = True
        _drop_chat_cache(ws, dest)
    copy_atomic(src, dest)
    return InstalledCore(name=dest.stem, path=str(dest), sha256=digest, size_bytes=dest.stat().st_size,
                         replaced=replaced, gates=gate_statuses(report), loaded=_loaded(report), signer=report.signer)


def _loaded(report: ValidateReport) -> bool | None:
    check = report.check("load")
    return check.ok if check is not None else None


def _chat_cache(ws: Workspace, path: Path) -> Path:
    return ws.cache / "chat" / file_digest(path)


def _drop_chat_cache(ws: Workspace, path: Path) -> bool:
    folder = _chat_cache(ws, path)
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
        return True
    return False


def installed_path(ws: Workspace, name: str) -> Path:
    """An installed core's file by name; not_found when it is not in the workspace's cores/ folder."""
    path = core_path(ws, name)
    if path.resolve().parent != ws.cores.resolve():
        raise ToolFailure(FailureKind.invalid_input, f"{path} is not an installed core.",
                          hint="Name a core from `goose-studio cores list`; files elsewhere are not removed.",
                          details={"core": name, "cores_dir": str(ws.cores)})
    return path


def remove_core(ws: Workspace, name: str) -> RemovedCore:
    """Delete an installed core and the adapter extracted for chatting with it."""
    path = installed_path(ws, name)
    size = path.stat().st_size
    cache_removed = _drop_chat_cache(ws, path)
    path.unlink()
    return RemovedCore(name=path.stem, path=str(path), freed_bytes=size, cache_removed=cache_removed)


def _json_member(zf: zipfile.ZipFile, name: str) -> Any:
    try:
        return json.loads(zf.read(name))
    except (KeyError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def show_core(ws: Workspace, name: str) -> CoreDetails:
    """A core's manifest, members, provenance summary and signature (checked, nothing loaded)."""
    path = core_path(ws, name)
    manifest = read_manifest(path)
    try:
        with zipfile.ZipFile(path) as zf:
            members = [CoreMember(name=i.filename, size_bytes=i.file_size) for i in zf.infolist()]
            provenance = _json_member(zf, PROVENANCE)
            document = _json_member(zf, SIGNATURE)
            if document is None:
                status, detail, signer = "unsigned", "the core carries no SIGNATURE.json", None
            else:
                ok, detail, signer = verify(document, zf.read(MANIFEST), zf.read(PROVENANCE) if provenance is not None
                                            else b"", ws.root)
                status = "verified" if ok else "invalid"
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"{path} is not a readable core ({type(exc).__name__}).",
                          hint="Check it with validate.", details={"path": str(path)}) from None
    summary = {k: provenance[k] for k in ("source", "base_model", "data", "recipe", "training", "fallbacks",
                                          "tool_versions", "created") if isinstance(provenance, dict) and k in provenance}
    return CoreDetails(name=path.stem, path=str(path), sha256=sha256_file(path), size_bytes=path.stat().st_size,
                       manifest=manifest, members=members, provenance=summary, signature=status,
                       signature_detail=detail, signer=signer)
