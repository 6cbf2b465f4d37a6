"""The cached index on disk: reading the first usable one, writing it atomically (with a fallback place when
the repository cannot be written), and where that fallback lives in the workspace.

A cache that cannot be read, does not validate, or was written with another schema or extractor version
is ignored, so the index is rebuilt silently.
"""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

from pydantic import ValidationError

from ...errors import FailureKind, ToolFailure
from ...workspace import write_atomic
from ..index_models import INDEX_SCHEMA_VERSION, CodeIndex
from .extract import EXTRACTOR_VERSION


def read_cache(paths: list[Path]) -> tuple[CodeIndex, Path] | None:
    """The first usable cached index among ``paths``; a broken or outdated one is ignored."""
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        try:
            index = CodeIndex.model_validate_json(raw)
        except (ValidationError, ValueError):
            continue
        if index.schema_version == INDEX_SCHEMA_VERSION and index.extractor_version == EXTRACTOR_VERSION:
            return index, path
    return None


def _write_index(index: CodeIndex, path: Path) -> None:
    """The index as indented JSON, written atomically."""
    write_atomic(path, index.model_dump_json(indent=2) + "\n")


def store(index: CodeIndex, target: Path, fallback: Path | None) -> Path:
    """Write ``index`` to ``target``, or to ``fallback`` when ``target`` may not be written; where it went.

    Raises ``invalid_input`` when neither can be written (``disk_full`` comes from :func:`write_atomic`).
    """
    try:
        _write_index(index, target)
        return target
    except OSError as exc:  # ENOSPC was already turned into a disk_full ToolFailure by write_atomic
        if fallback is not None and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            try:
                _write_index(index, fallback)
                return fallback
            except OSError as exc2:
                exc = exc2
        raise ToolFailure(
            FailureKind.invalid_input,
            f"Could not write the code index to {target}: {exc.strerror or exc}.",
            hint="Make the repository directory writable, or index a writable copy of it.",
            details={"path": str(target), "errno": exc.errno},
        ) from exc


def workspace_index_path(workspace_cache: Path, repo: Path) -> Path:
    """Where the index of a repository that cannot be written lives, inside the workspace cache."""
    key = hashlib.sha256(str(repo).encode("utf-8")).hexdigest()[:16]
    return workspace_cache / "code-index" / f"{key}.json"
