"""The local marketplace: a folder in the workspace (``marketplace/``) that a marketplace front end or a file
server can serve as it is — ``index.json`` listing every published core with its marketplace fields (name,
description, tags, icon, price), quality score, base model, signer and checksum, and ``cores/`` holding the
files. Publishing the same file again changes nothing; a new file for the same name and version replaces the
entry and the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ...errors import FailureKind, ToolFailure
from ...workspace import Workspace, slugify, write_json
from ..package import Signer
from ..package.build import utc_now
from ..package.format import sha256_file
from .local import GateStatus, copy_atomic

MARKETPLACE_DIR = "marketplace"
INDEX_FILE = "index.json"
INDEX_FORMAT = 1


class MarketplaceEntry(BaseModel):
    slug: str
    name: str
    version: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    icon: str = ""
    price: dict[str, Any] = Field(default_factory=dict, description="amount and currency; amount 0 is free.")
    base_model: str = ""
    method: str = ""
    quality_score: float | None = None
    file: str = Field(description="The core's file, relative to the marketplace folder.")
    sha256: str
    size_bytes: int
    signer: str | None = Field(None, description="Fingerprint of the key that signed the core.")
    gates: list[GateStatus] = Field(default_factory=list)
    published: str


class MarketplaceResult(BaseModel):
    index: str = Field(description="The marketplace's index.json.")
    entry: MarketplaceEntry
    changed: bool = Field(description="False when the same file was published already.")
    cores: int = Field(description="Cores listed in the index.")


def marketplace_dir(ws: Workspace) -> Path:
    return ws.root / MARKETPLACE_DIR


def read_index(folder: Path) -> dict[str, Any]:
    """The index (an empty one when there is none); corrupted when it exists and does not parse."""
    path = folder / INDEX_FILE
    if not path.is_file():
        return {"format": INDEX_FORMAT, "cores": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"The marketplace index {path} does not read ({type(exc).__name__}).",
                          hint="Move it aside; publishing again rebuilds the index from the cores you publish.",
                          details={"path": str(path)}) from None
    if not isinstance(data, dict) or not isinstance(data.get("cores"), list):
        raise ToolFailure(FailureKind.corrupted, f"The marketplace index {path} has no list of cores.",
                          hint="Move it aside; publishing again rebuilds it.", details={"path": str(path)})
    return data


def list_marketplace(ws: Workspace) -> list[MarketplaceEntry]:
    entries = []
    for row in read_index(marketplace_dir(ws))["cores"]:
        try:
            entries.append(MarketplaceEntry.model_validate(row))
        except ValueError:
            continue
    return entries


def publish_to_marketplace(path: Path, manifest: dict[str, Any], ws: Workspace, gates: list[GateStatus],
                           signer: Signer | None) -> MarketplaceResult:
    """Copy a validated core into the marketplace folder and list it in ``index.json``."""
    folder = marketplace_dir(ws)
    index = read_index(folder)
    slug = slugify(str(manifest.get("name") or path.stem))
    version = str(manifest.get("version") or "1.0.0")
    digest = sha256_file(path)
    rel = f"cores/{path.name}"
    rows = [r for r in index["cores"] if isinstance(r, dict)]
    same = next((r for r in rows if r.get("slug") == slug and r.get("version") == version), None)
    if same is not None and same.get("sha256") == digest and (folder / rel).is_file():
        entry = MarketplaceEntry.model_validate(same)
        return MarketplaceResult(index=str(folder / INDEX_FILE), entry=entry, changed=False, cores=len(rows))
    price = manifest.get("price") if isinstance(manifest.get("price"), dict) else {"amount": 0.0, "currency": "USD"}
    entry = MarketplaceEntry(
        slug=slug, name=str(manifest.get("name") or slug), version=version,
        description=str(manifest.get("description") or ""),
        tags=[t for t in manifest.get("tags") or [] if isinstance(t, str)] if isinstance(manifest.get("tags"), list)
        else [], icon=str(manifest.get("icon") or ""), price=price, base_model=str(manifest.get("base_model") or ""),
        method=str(manifest.get("method") or ""), quality_score=manifest.get("quality_score"), file=rel,
        sha256=digest, size_bytes=path.stat().st_size, signer=signer.fingerprint if signer else None, gates=gates,
        published=utc_now())
    copy_atomic(path, folder / rel)
    old = Path(str(same.get("file") or "")) if same is not None else None
    if old is not None and old.as_posix() != rel and old.parts[:1] == ("cores",) and ".." not in old.parts:
        (folder / old).unlink(missing_ok=True)
    rows = [r for r in rows if r is not same] + [entry.model_dump(mode="json")]
    rows.sort(key=lambda r: (str(r.get("slug")), str(r.get("version"))))
    write_json(folder / INDEX_FILE, {"format": INDEX_FORMAT, "updated": entry.published, "cores": rows})
    return MarketplaceResult(index=str(folder / INDEX_FILE), entry=entry, changed=True, cores=len(rows))
