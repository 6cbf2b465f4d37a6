"""What each source string given to ``collect_sources`` is: a Hugging Face dataset, a Quick Recipe, a git
repository (with an optional ``#branch-or-tag``), a local folder, a local dataset folder, or a local file.

``hf:OWNER/NAME[?split=..&config=..]`` is a dataset; ``recipe:NAME`` a Quick Recipe (expanded into its
sources, :mod:`.recipes`); a git URL or ``owner/repo`` (:func:`.locate.normalize_source`) a repository,
where ``URL#REF`` names the branch or tag (a fragment is never sent to the server). An existing path is
a folder (a folder written by ``save_to_disk`` is a dataset) or a file; a path that does not exist is
``missing``, which the tool reports as ``not_found``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ...errors import FailureKind, ToolFailure
from .formats import ARCHIVES, BINARY_DOCUMENTS, TABLE_FORMATS, TEXT_DOCUMENTS
from .hfdata import is_dataset_folder
from .locate import normalize_source
from .recipes import PREFIX as RECIPE_PREFIX

SpecKind = Literal["hf", "recipe", "git", "dir", "dataset-dir", "file", "missing"]
_FILE_SUFFIXES = {*TABLE_FORMATS, *TEXT_DOCUMENTS, *BINARY_DOCUMENTS, *ARCHIVES}


@dataclass(frozen=True)
class Spec:
    given: str  # as the user wrote it
    kind: SpecKind
    where: str  # the URL, absolute path, or hf:/recipe: text
    ref: str | None = None  # a git branch or tag from "#REF"


def parse_spec(text: str) -> Spec:
    """The kind of one source string (see the module doc); ``invalid_input`` for an empty one."""
    raw = (text or "").strip()
    if not raw:
        raise ToolFailure(FailureKind.invalid_input, "A source is empty.",
                          hint="Give a git URL, owner/repo, hf:OWNER/NAME, a file or a folder.")
    low = raw.lower()
    if low.startswith("hf:"):
        return Spec(raw, "hf", raw)
    if low.startswith(RECIPE_PREFIX):
        return Spec(raw, "recipe", raw)
    path = Path(raw).expanduser()
    if path.exists():
        return _local(raw, path)
    body, sep, ref = raw.partition("#")
    kind, where = normalize_source(body if sep else raw)
    if kind == "git" and Path(body).suffix.lower() not in _FILE_SUFFIXES:
        return Spec(raw, "git", where, (ref.strip() or None) if sep else None)
    return Spec(raw, "missing", str(Path(raw).expanduser().resolve()))


def _local(raw: str, path: Path) -> Spec:
    where = str(path.resolve())
    if path.is_dir():
        return Spec(raw, "dataset-dir" if is_dataset_folder(path) else "dir", where)
    return Spec(raw, "file", where)
