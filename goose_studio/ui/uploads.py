"""Files people upload in SOURCE → My Files, kept in the workspace and checked the way SOURCE checks files.

Each file is one request whose body is the file; it is saved under ``uploads/<batch>/`` with a plain name of
its own (no folders, no leading dot), up to :data:`MAX_FILE_BYTES`; a name SOURCE never reads (credentials, media, formats it cannot use) is refused
before anything is written, and a ZIP archive is refused when its listing breaks SOURCE's archive limits
(members that would leave the folder, too many members, too large, a suspicious compression ratio). What is
kept becomes a source for ``learn``, where SOURCE's ingestion reads it like any other file.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
import zipfile
from pathlib import Path
from collections.abc import AsyncIterator
from typing import Any

from ..errors import FailureKind, ToolFailure
from ..tools.source.archives import ZipLimits, safe_member_path
from ..tools.source.formats import refused_by_name
from ..workspace import Workspace
from .guard import UPLOADS_DIR

LIMITS = ZipLimits()
#: The largest file taken (an archive's own limit on what it unpacks to is SOURCE's).
MAX_FILE_BYTES = LIMITS.max_member


def safe_name(name: str) -> str | None:
    """A plain file name from what the browser sent (its last part; odd characters replaced)."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    base = re.sub(r"[^A-Za-z0-9._ +()-]", "_", base).strip(" .")
    return base[:180] or None


def zip_problem(path: Path) -> str | None:
    """Why SOURCE would refuse this archive, from its listing alone (None: it may be unpacked)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return f"not a readable ZIP archive ({exc})"
    if len(infos) > LIMITS.max_members:
        return f"more than {LIMITS.max_members} members"
    total = 0
    for info in infos:
        if safe_member_path(info.filename) is None:
            return f"a member would leave the folder: {info.filename[:120]}"
        if info.file_size > LIMITS.max_member:
            return f"a member is larger than {LIMITS.max_member} bytes: {info.filename[:120]}"
        if info.compress_size and info.file_size / info.compress_size > LIMITS.max_ratio:
            return f"a member is compressed more than {LIMITS.max_ratio:g} to 1: {info.filename[:120]}"
        total += info.file_size
    if total > LIMITS.max_total:
        return f"it unpacks to more than {LIMITS.max_total} bytes"
    return None


BATCH_RE = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


def new_batch(ws: Workspace) -> Path:
    """A fresh folder for one upload (a set of files chosen together)."""
    folder = ws.root / UPLOADS_DIR / f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def batch_folder(ws: Workspace, batch: str | None) -> Path:
    """The folder of upload ``batch`` (named by an earlier upload), or a new one when None."""
    if batch is None:
        return new_batch(ws)
    folder = ws.root / UPLOADS_DIR / batch
    if not BATCH_RE.match(batch) or not folder.is_dir():
        raise ToolFailure(FailureKind.invalid_input, f"There is no upload batch '{batch[:40]}'.",
                          hint="Leave batch out to start a new one.", details={"batch": batch[:40]})
    return folder


def refusal(name: str) -> tuple[str | None, str | None]:
    """The name a file is kept under and why it is refused (None: taken), before a byte is written."""
    clean = safe_name(name)
    if clean is None:
        return None, "the file has no usable name"
    given = re.split(r"[\\/]", name or "")[-1].strip()
    return clean, refused_by_name(given) or refused_by_name(clean)


def target_for(folder: Path, clean: str) -> Path:
    """Where ``clean`` is written in ``folder`` (a number added when the name is taken)."""
    target = folder / clean
    n = 1
    while target.exists():
        target = folder / f"{Path(clean).stem}-{n}{Path(clean).suffix}"
        n += 1
    return target


async def save_stream(folder: Path, name: str, chunks: AsyncIterator[bytes]) -> dict[str, Any]:
    """Save one uploaded file from its body's chunks: ``{name, size, source}``, or with ``reason`` when
    refused (a refused name before reading; too large as soon as it is; a ZIP archive SOURCE would refuse)."""
    clean, why = refusal(name)
    if clean is None or why:
        shown = re.split(r"[\\/]", name or "")[-1].strip()[:180]  # as the user named it
        return {"name": shown or name[:180], "size": 0, "source": None, "reason": why}
    target = target_for(folder, clean)
    size = 0
    with target.open("wb") as out:
        async for chunk in chunks:
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                break
            out.write(chunk)
    if size > MAX_FILE_BYTES:
        target.unlink(missing_ok=True)
        return {"name": clean, "size": size, "source": None, "reason": f"larger than {MAX_FILE_BYTES} bytes"}
    if target.suffix.lower() == ".zip":
        problem = zip_problem(target)
        if problem:
            target.unlink(missing_ok=True)
            return {"name": clean, "size": size, "source": None, "reason": problem}
    return {"name": target.name, "size": size, "source": str(target), "reason": None}


def discard_if_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)
