"""Hugging Face datasets: a hub id, a local copy of one, or the Hugging Face cache, read as records.

A source ``hf:OWNER/NAME`` (options after ``?``: ``split=``, ``config=``, ``revision=``, e.g.
``hf:openai/gsm8k?config=main&split=test``) is read

1. from the Hub with ``datasets.load_dataset(..., streaming=True)`` when the machine is online
   (``HF_HUB_OFFLINE`` unset), only as many rows as asked for;
2. otherwise (or when the Hub cannot be reached) from the Hugging Face cache: the dataset repository's
   snapshot under ``HF_HUB_CACHE`` (``$HF_HOME/hub``), found with ``huggingface_hub.snapshot_download(...,
   local_files_only=True)``, its data files read directly.

A local folder is read the same way (``hf:./folder``, or any folder made by ``save_to_disk`` given as a
source): a ``save_to_disk`` folder (``dataset_dict.json`` or ``state.json``) with ``datasets.load_from_disk``,
a folder of data files (Parquet, JSON Lines, JSON, CSV) by file: the split is the one its path names
(``train-00000-of-00001.parquet``, ``data/test.jsonl``, ``validation/``; files naming no split are
``train``), the config a folder of that name. Failures are typed: not there offline ``missing_dependency``
(with the command that downloads it), no such dataset ``not_found``, a gated one ``auth_required``, a split
that is not there ``invalid_input`` (with the splits there are), the Hub unreachable ``transient``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from ...errors import FailureKind, ToolFailure
from .formats import TABLE_FORMATS, Unreadable
from .tables import columns_of, read_table

SPLIT_ALIASES = {"train": ("train", "training"), "validation": ("validation", "valid", "val", "dev"),
                 "test": ("test", "testing", "eval", "evaluation")}
_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


@dataclass
class HubRef:
    repo_id: str
    split: str = "train"
    config: str | None = None
    revision: str | None = None
    local: Path | None = None  # a local dataset folder instead of a hub id

    @property
    def shown(self) -> str:
        return f"hf:{self.local or self.repo_id}"


@dataclass
class Rows:
    columns: list[str]
    records: list[dict[str, Any]]
    where: str
    notes: list[str] = field(default_factory=list)


def is_dataset_folder(path: Path) -> bool:
    """A folder written by ``save_to_disk``."""
    return (path / "dataset_dict.json").is_file() or ((path / "state.json").is_file()
                                                      and (path / "dataset_info.json").is_file())


def parse_ref(text: str) -> HubRef:
    """``hf:OWNER/NAME?split=..&config=..&revision=..`` (or ``hf:`` and a local folder); ``invalid_input`` if bad."""
    body = text[3:] if text.lower().startswith("hf:") else text
    body, _, query = body.partition("?")
    opts = dict(parse_qsl(query))
    unknown = sorted(set(opts) - {"split", "config", "revision"})
    if unknown:
        raise ToolFailure(FailureKind.invalid_input, f"Unknown option(s) {', '.join(unknown)} in {text}.",
                          hint="Use hf:OWNER/NAME?split=train&config=NAME&revision=REF.", details={"source": text})
    body = body.strip().rstrip("/")
    ref = HubRef(repo_id=body, split=opts.get("split") or "train", config=opts.get("config") or None,
                 revision=opts.get("revision") or None)
    local = Path(body).expanduser()
    if body.startswith(("/", "./", "../", "~")) or local.is_dir():
        ref.local = local.resolve()
        return ref
    if not _ID_RE.match(body):
        raise ToolFailure(FailureKind.invalid_input, f"'{body}' is not a Hugging Face dataset id.",
                          hint="Write hf:OWNER/NAME, e.g. hf:databricks/databricks-dolly-15k.", details={"source": text})
    return ref


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def hub_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface")
    return Path(home) / "hub"


# ---------------------------------------------------------------------------------------------- local files


def _split_of(rel: str) -> str | None:
    tokens = set(re.split(r"[/_.\-]+", rel.lower()))
    for split, names in SPLIT_ALIASES.items():
        if tokens & set(names):
            return split
    return None


def data_files(folder: Path, config: str | None) -> list[tuple[str, Path]]:
    """(relative path, path) of the data files of a dataset folder, hidden folders left out."""
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or not path.is_file():
            continue
        if path.suffix.lower() in TABLE_FORMATS and path.name not in ("dataset_info.json", "state.json",
                                                                       "dataset_dict.json", "dataset_infos.json"):
            found.append((rel, path))
    if config:
        chosen = [(r, p) for r, p in found if config in r.split("/")[:-1]]
        if not chosen:
            raise ToolFailure(FailureKind.invalid_input, f"The dataset in {folder} has no config '{config}'.",
                              hint="Leave config out, or name one of its folders.",
                              details={"config": config, "files": [r for r, _ in found[:20]]})
        found = chosen
    return found


def _from_disk(folder: Path, split: str, max_rows: int) -> Rows:
    try:
        import datasets
    except ImportError:
        raise ToolFailure(FailureKind.missing_dependency, "Reading a saved dataset needs the datasets package.",
                          hint="pip install datasets") from None
    try:
        loaded = datasets.load_from_disk(str(folder))
    except Exception as exc:  # a damaged arrow folder
        raise ToolFailure(FailureKind.corrupted, f"The dataset folder {folder} cannot be read ({type(exc).__name__}).",
                          hint="Save it again with save_to_disk, or give its data files.",
                          details={"path": str(folder), "error": str(exc)[:300]}) from None
    if isinstance(loaded, datasets.DatasetDict):
        if split not in loaded:
            raise _no_split(str(folder), split, list(loaded))
        loaded = loaded[split]
    rows = loaded.select(range(min(max_rows, len(loaded)))).to_list()
    return Rows(columns_of(rows) or list(loaded.column_names), rows, f"the saved dataset {folder}")


def _no_split(where: str, split: str, splits: list[str]) -> ToolFailure:
    return ToolFailure(FailureKind.invalid_input, f"The dataset {where} has no split '{split}'.",
                       hint=f"Pick one of: {', '.join(splits) or '(none)'} (hf:...?split=NAME).",
                       details={"split": split, "splits": splits})


def read_folder(folder: Path, split: str, config: str | None, max_rows: int, where: str | None = None) -> Rows:
    """Rows of a local dataset folder (saved with ``save_to_disk``, or data files), see the module doc."""
    if is_dataset_folder(folder):
        return _from_disk(folder, split, max_rows)
    files = data_files(folder, config)
    if not files:
        raise ToolFailure(FailureKind.insufficient_data, f"No data files (Parquet, JSON Lines, JSON, CSV) in {folder}.",
                          hint="Point at the folder that holds the dataset's files.", details={"path": str(folder)})
    splits = {rel: _split_of(rel) or "train" for rel, _ in files}
    chosen = [(rel, p) for rel, p in files if splits[rel] == split]
    if not chosen:
        raise _no_split(where or str(folder), split, sorted(set(splits.values())))
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    for rel, path in chosen:
        try:
            table = read_table(path, TABLE_FORMATS[path.suffix.lower()], 1 << 31, max_rows - len(records))
        except Unreadable as exc:
            notes.append(f"{rel}: left out, {exc}")
            continue
        records.extend(table.records)
        notes.extend(f"{rel}: {fix}" for fix in table.fixes)
        if len(records) >= max_rows:
            break
    if not records:
        raise ToolFailure(FailureKind.corrupted, f"None of the data files of split '{split}' in {folder} can be read.",
                          hint="See the details for why each was left out.", details={"notes": notes[:20]})
    return Rows(columns_of(records), records, where or f"the folder {folder}", notes)


# ---------------------------------------------------------------------------------------------- the Hub


def _from_hub(ref: HubRef, max_rows: int) -> Rows:
    import datasets

    stream = datasets.load_dataset(ref.repo_id, name=ref.config, split=ref.split, streaming=True,
                                   revision=ref.revision)
    rows: list[dict[str, Any]] = []
    for row in stream:
        rows.append(dict(row))
        if len(rows) >= max_rows:
            break
    return Rows(columns_of(rows), rows, "the Hugging Face Hub")


def _hub_failure(ref: HubRef, exc: Exception) -> ToolFailure | None:
    """A typed failure for what the Hub said, or None when it could not be reached (try the cache)."""
    name, text = type(exc).__name__, str(exc)
    details = {"dataset": ref.repo_id, "error": text[:300]}
    if name in ("GatedRepoError",) or "gated" in text.lower():
        return ToolFailure(FailureKind.auth_required, f"The dataset {ref.repo_id} is gated.",
                           hint="Accept its terms on its Hub page and set HF_TOKEN, or use another dataset.",
                           details=details)
    if name in ("DatasetNotFoundError", "RepositoryNotFoundError", "DataFilesNotFoundError"):
        return ToolFailure(FailureKind.not_found, f"There is no dataset {ref.repo_id} on the Hugging Face Hub.",
                           hint="Check the id (OWNER/NAME) on the Hub; a private one needs HF_TOKEN.", details=details)
    if isinstance(exc, ValueError) and ("split" in text.lower() or "config" in text.lower()):
        return ToolFailure(FailureKind.invalid_input, f"The dataset {ref.repo_id} has no such split or config: {text[:200]}",
                           hint="Name one it has: hf:OWNER/NAME?config=NAME&split=NAME.", details=details)
    if isinstance(exc, (ConnectionError, OSError, TimeoutError)) or "connect" in text.lower():
        return None
    return ToolFailure(FailureKind.invalid_input, f"The dataset {ref.repo_id} could not be loaded ({name}).",
                       hint="Check the dataset's page on the Hub; the details have the message.", details=details)


def _from_cache(ref: HubRef, max_rows: int) -> Rows | None:
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    try:
        folder = snapshot_download(ref.repo_id, repo_type="dataset", local_files_only=True,
                                   cache_dir=str(hub_cache()), revision=ref.revision)
    except Exception:  # LocalEntryNotFoundError and friends: not in the cache
        return None
    return read_folder(Path(folder), ref.split, ref.config, max_rows,
                       where=f"the Hugging Face cache ({Path(folder).name[:12]})")


def load_rows(ref: HubRef, max_rows: int) -> Rows:
    """Rows of the dataset ``ref`` names, from the Hub when online, else from the cache (see the module doc)."""
    if ref.local is not None:
        if not ref.local.is_dir():
            raise ToolFailure(FailureKind.not_found, f"There is no dataset folder at {ref.local}.",
                              hint="Check the path.", details={"path": str(ref.local)})
        return read_folder(ref.local, ref.split, ref.config, max_rows)
    if not offline():
        try:
            return _from_hub(ref, max_rows)
        except ImportError:
            pass
        except Exception as exc:  # the datasets and hub libraries raise many kinds
            failure = _hub_failure(ref, exc)
            if failure is not None:
                raise failure from None
    cached = _from_cache(ref, max_rows)
    if cached is not None:
        return cached
    command = f"huggingface-cli download --repo-type dataset {ref.repo_id}"
    if offline():
        raise ToolFailure(
            FailureKind.missing_dependency,
            f"The dataset {ref.repo_id} is not on this machine, and the Hugging Face Hub is off (HF_HUB_OFFLINE).",
            hint=f"Download it once while online ({command}), give a local copy (a folder of its files, or one "
                 "made with save_to_disk), or unset HF_HUB_OFFLINE.",
            details={"dataset": ref.repo_id, "needs": "network or a local copy", "download": command,
                     "cache": str(hub_cache())})
    raise ToolFailure(FailureKind.transient,
                      f"The Hugging Face Hub cannot be reached for {ref.repo_id}, and it is not in the cache.",
                      hint=f"Check the network and try again, or download it elsewhere ({command}) and give the folder.",
                      details={"dataset": ref.repo_id, "needs": "network or a local copy", "download": command,
                               "cache": str(hub_cache())})
