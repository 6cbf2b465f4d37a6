"""Where a retrieval index lives and how one is made from a run's source: ``<run>/retrieval`` for a run, the
``retrieval/`` members of a core package (extracted next to the core's adapter in the chat cache)."""

from __future__ import annotations

import shutil
import time
import zipfile
from pathlib import Path

from ..tools.index_models import load_index
from .passages import build_passages
from .store import INDEX_FILE, RETRIEVAL_DIR, RetrievalIndex

MAX_MEMBER_BYTES = 256 * 1024 * 1024


def build_index_folder(repo_path: Path, index_path: Path, out_dir: Path, *, embeddings: bool = False,
                       source: dict[str, str] | None = None) -> RetrievalIndex:
    """Cut the repository into passages, index them and save the folder ``out_dir``."""
    index = load_index(index_path)
    passages, counts = build_passages(repo_path, index)
    built = RetrievalIndex.build(passages, counts, embeddings=embeddings, source=source)
    built.save(out_dir)
    return built


def extract_from_core(core_file: Path, dest: Path) -> Path | None:
    """The core's ``retrieval/`` members extracted to ``dest`` (once); None when the core has none."""
    if (dest / INDEX_FILE).is_file():
        return dest
    prefix = RETRIEVAL_DIR + "/"
    with zipfile.ZipFile(core_file) as zf:
        members = [i for i in zf.infolist() if i.filename.startswith(prefix) and not i.is_dir()]
        if not any(i.filename == prefix + INDEX_FILE for i in members):
            return None
        tmp = dest.with_name(dest.name + f".{time.time_ns()}.tmp")
        tmp.mkdir(parents=True)
        for info in members:
            name = info.filename[len(prefix):]
            if "/" in name or name in ("", ".", "..") or info.file_size > MAX_MEMBER_BYTES:
                continue  # a flat folder of plain files; anything else is not part of an index
            (tmp / name).write_bytes(zf.read(info))
    shutil.rmtree(dest, ignore_errors=True)
    tmp.replace(dest)
    return dest


def open_index(folder: Path | None, core_file: Path | None = None) -> RetrievalIndex | None:
    """The retrieval index in ``folder`` (extracted there first from ``core_file`` when given); None when
    there is none. A damaged index raises ToolFailure(corrupted)."""
    if folder is None:
        return None
    if core_file is not None:
        try:
            if extract_from_core(core_file, folder) is None:
                return None
        except (zipfile.BadZipFile, OSError):
            return None
    if not (folder / INDEX_FILE).is_file():
        return None
    return RetrievalIndex.load(folder)
