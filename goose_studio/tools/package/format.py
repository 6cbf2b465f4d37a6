"""The ``.gcpkg`` format: member names and layout, size bounds, the manifest model, file names and versions,
checksums and the tool versions recorded in ``PROVENANCE.json``."""

from __future__ import annotations

import hashlib
import re
import sys
import zipfile
import zlib
from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1
PACKAGE_SUFFIX = ".gcpkg"

MANIFEST = "manifest.json"
ADAPTER_WEIGHTS = "adapter/adapter_model.safetensors"
ADAPTER_CONFIG = "adapter/adapter_config.json"
RECIPE = "training/recipe.yaml"
TRAINING_LOG = "training/training_log.jsonl"
EVAL_RESULTS = "training/eval_results.json"
DATASET_CARD = "data/dataset_card.md"
SAMPLE_PAIRS = "data/sample_pairs.jsonl"
README = "README.md"
PROVENANCE = "PROVENANCE.json"

# The exact member list, in the order members are written.
REQUIRED_FILES: tuple[str, ...] = (
    MANIFEST,
    ADAPTER_CONFIG,
    ADAPTER_WEIGHTS,
    TRAINING_LOG,
    RECIPE,
    EVAL_RESULTS,
    DATASET_CARD,
    SAMPLE_PAIRS,
    README,
    PROVENANCE,
)
ALLOWED_DIR_ENTRIES = frozenset({"adapter/", "training/", "data/"})
BINARY_FILES = frozenset({ADAPTER_WEIGHTS})

MAX_ENTRIES = 64
MAX_TOTAL_UNCOMPRESSED = 20 * 1024**3  # 20 GiB: far above any LoRA adapter, far below a zip bomb's reach
MAX_TEXT_SCAN_BYTES = 256 * 1024**2
MAX_SAMPLE_PAIRS = 10
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CHUNK = 1024 * 1024

CHECK_NAMES = ("zip", "schema", "integrity", "safetensors", "secrets", "load")
TOOL_DISTRIBUTIONS = ("goose-studio", "torch", "transformers", "peft", "llamafactory", "tree-sitter")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_ISO_UTC_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"

# What reading a member of a damaged or hostile zip can raise.
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError,
               KeyError)


# --------------------------------------------------------------------------------------------- manifest


class ManifestHardware(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trained_on: str


class ManifestAdapter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rank: int = Field(gt=0)
    alpha: float = Field(gt=0)
    target_modules: list[str] | str


class Manifest(BaseModel):
    """``manifest.json``: what the core is, for people and for the studio's core browser."""

    model_config = ConfigDict(extra="forbid")
    format_version: Literal[1] = FORMAT_VERSION
    name: str = Field(min_length=1)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    base_model: str = Field(min_length=1)
    method: Literal["lora", "qlora-4bit"]
    quality_score: float | None = Field(default=None, ge=0, le=100)
    tags: list[str] = Field(default_factory=list)
    created: str = Field(pattern=_ISO_UTC_RE)
    hardware: ManifestHardware
    compatible_vram_min_gb: float | None = Field(default=None, ge=0)
    description: str = ""
    adapter: ManifestAdapter


# ----------------------------------------------------------------------------------- names and versions


def next_version(out_dir: str | Path, slug: str) -> int:
    """One more than the highest ``<slug>-v<N>.gcpkg`` in ``out_dir`` (1 when there is none)."""
    pattern = re.compile(rf"^{re.escape(slug)}-v(\d+){re.escape(PACKAGE_SUFFIX)}$")
    highest = 0
    folder = Path(out_dir)
    if folder.is_dir():
        for entry in folder.iterdir():
            m = pattern.match(entry.name)
            if m:
                highest = max(highest, int(m.group(1)))
    return highest + 1


def package_filename(slug: str, version: int) -> str:
    """The file name of version ``version`` of the core ``slug``: ``<slug>-v<N>.gcpkg``."""
    return f"{slug}-v{version}{PACKAGE_SUFFIX}"


# ----------------------------------------------------------------------------------------- checksums


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_member(zf: zipfile.ZipFile, name: str) -> str:
    """Hex SHA-256 of a zip member's uncompressed bytes, read in chunks."""
    h = hashlib.sha256()
    with zf.open(name) as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def tool_versions() -> dict[str, str]:
    """Python's version and each of :data:`TOOL_DISTRIBUTIONS`' ("not installed" or "unknown" when unreadable)."""
    versions = {"python": sys.version.split()[0]}
    for dist in TOOL_DISTRIBUTIONS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
        except Exception:  # a broken installation's metadata
            versions[dist] = "unknown"
    return versions
