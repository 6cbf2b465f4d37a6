"""Unpacking a ZIP archive without trusting it.

Refused as a whole: a file that is not a ZIP archive, one with more than ``max_members`` entries, or one
whose entries add up to more than ``max_total`` bytes. Left out, each with its reason: a path that would
land outside the target folder (absolute, a drive letter, ``..``), a symbolic link (never created, so
nothing can point out of the folder), an encrypted entry, an entry larger than ``max_member`` or packed
more tightly than ``max_ratio`` to 1 (a zip bomb), and one that turns out larger than its header says.
Bytes are counted while they are written, so headers that lie do not get past the limits. A lone top
folder (``project-main/...``) is dropped from the paths.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from .formats import Unreadable

CHUNK = 1 << 20
JUNK = ("__MACOSX/",)
JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 20_000
    max_total: int = 2 * 1024**3
    max_member: int = 512 * 1024**2
    max_ratio: float = 200.0


@dataclass
class Unpacked:
    files: list[str] = field(default_factory=list)  # relative POSIX paths under the target folder
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name in the archive, reason)
    top: str | None = None  # the lone top folder dropped from the paths


def safe_member_path(name: str) -> str | None:
    """The entry's path relative to the target folder, or None when it would leave it."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or any("\0" in p for p in parts):
        return None
    return "/".join(parts)


def _top_folder(names: list[str]) -> str | None:
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop()
    return None


def unpack(path: Path, dest: Path, limits: ZipLimits = ZipLimits(),
           keep: Callable[[str], str | None] | None = None) -> Unpacked:
    """Unpack ``path`` into ``dest`` (which exists); ``keep(rel)`` returns a reason to leave an entry out."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise Unreadable(f"not a readable ZIP archive ({exc})") from None
    out = Unpacked()
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > limits.max_members:
            raise Unreadable(f"{len(infos)} entries; the limit is {limits.max_members}")
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_total:
            raise Unreadable(f"{declared} bytes unpacked; the limit is {limits.max_total}")
        wanted: list[tuple[zipfile.ZipInfo, str]] = []
        for info in infos:
            name = info.filename
            if name.startswith(JUNK) or PurePosixPath(name).name in JUNK_NAMES:
                continue
            rel = safe_member_path(name)
            mode = info.external_attr >> 16
            if rel is None:
                out.skipped.append((name, "a path that leaves the archive's folder"))
            elif stat.S_ISLNK(mode):
                out.skipped.append((name, "a symbolic link (links are never followed)"))
            elif info.flag_bits & 0x1:
                out.skipped.append((name, "encrypted"))
            elif info.file_size > limits.max_member:
                out.skipped.append((name, f"{info.file_size} bytes unpacked; the limit is {limits.max_member}"))
            elif info.file_size > CHUNK and info.file_size > limits.max_ratio * max(1, info.compress_size):
                out.skipped.append((name, f"packed {info.file_size // max(1, info.compress_size)}:1 (a zip bomb?)"))
            else:
                wanted.append((info, rel))
        top = out.top = _top_folder([rel for _, rel in wanted])
        written = 0
        seen: set[str] = set()
        for info, rel in wanted:
            if top:
                rel = rel.split("/", 1)[1]
            reason = keep(rel) if keep else None
            if reason:
                out.skipped.append((info.filename, reason))
                continue
            if rel.lower() in seen:
                out.skipped.append((info.filename, "the same path appears twice in the archive"))
                continue
            target = dest / rel
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                size = 0
                with archive.open(info) as src, open(target, "xb") as dst:
                    while chunk := src.read(CHUNK):
                        size += len(chunk)
                        written += len(chunk)
                        if size > info.file_size or written > limits.max_total:
                            raise Unreadable("larger than its header says")
                        dst.write(chunk)
            except Unreadable as exc:
                target.unlink(missing_ok=True)
                out.skipped.append((info.filename, str(exc)))
                continue
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError, NotImplementedError) as exc:
                # a damaged entry (bad CRC, unknown compression): the others are still unpacked
                target.unlink(missing_ok=True)
                out.skipped.append((info.filename, f"a damaged entry ({type(exc).__name__}: {str(exc)[:120]})"))
                continue
            seen.add(rel.lower())
            os.chmod(target, 0o644)
            out.files.append(rel)
    return out
