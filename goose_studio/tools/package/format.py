"""The ``.gcpkg`` format: member names and layout, size bounds, the manifest model (with its marketplace
fields), the five validation gates' names, file names and versions, checksums and the tool versions recorded
in ``PROVENANCE.json``."""

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

FORMAT_VERSION = 2  # 2: signed (SIGNATURE.json), marketplace fields, optional retrieval index
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
SIGNATURE = "SIGNATURE.json"
RETRIEVAL_PREFIX = "retrieval/"
RETRIEVAL_FILES = ("retrieval/index.json", "retrieval/passages.jsonl", "retrieval/embeddings.safetensors")

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
LOSS_CURVE = "training/loss_curve.png"
#: Members a core may carry besides the required ones (written after them, when there): the loss curve,
#: the signature and the retrieval index.
OPTIONAL_FILES: tuple[str, ...] = (LOSS_CURVE, *RETRIEVAL_FILES, SIGNATURE)
ALLOWED_DIR_ENTRIES = frozenset({"adapter/", "training/", "data/", RETRIEVAL_PREFIX})
BINARY_FILES = frozenset({ADAPTER_WEIGHTS, LOSS_CURVE, "retrieval/embeddings.safetensors"})
#: Binary members that are images (checked by their signature bytes, not as weights).
IMAGE_FILES = frozenset({LOSS_CURVE})
#: Members PROVENANCE.json does not list: itself and the signature over it.
UNHASHED_FILES = frozenset({PROVENANCE, SIGNATURE})

MAX_ENTRIES = 64
MAX_TOTAL_UNCOMPRESSED = 20 * 1024**3  # 20 GiB: far above any LoRA adapter, far below a zip bomb's reach
MAX_TEXT_SCAN_BYTES = 256 * 1024**2
MAX_SAMPLE_PAIRS = 10
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
CHUNK = 1024 * 1024

# The five gates a core must pass, in order: (id, name, what passing means).
GATES: tuple[tuple[str, str, str], ...] = (
    ("V1", "schema", "manifest.json valid against the shipped JSON Schema; adapter files present and well-formed"),
    ("V2", "security", "no secrets, safetensors only, no pickles or executables, sane paths, a valid signature"),
    ("V3", "eval", "evaluation scores present and the quality score at or above the threshold"),
    ("V4", "portable", "every hash matches PROVENANCE.json; the adapter loads onto the stated base in a fresh process"),
    ("V5", "quality", "consistent outputs and no regression against the base model"),
)
GATE_NAMES = tuple(name for _, name, _ in GATES)
# The checks of each gate, in the order they run.
GATE_CHECKS: dict[str, tuple[str, ...]] = {
    "schema": ("zip", "layout", "manifest", "adapter_config", "adapter_weights", "training_files"),
    "security": ("paths", "secrets", "weights_format", "executables", "signature"),
    "eval": ("eval_scores", "threshold"),
    "portable": ("hashes", "base_model", "load"),
    "quality": ("consistency", "regression"),
}
CHECK_NAMES = tuple(check for gate in GATE_NAMES for check in GATE_CHECKS[gate])
DEFAULT_QUALITY_THRESHOLD = 70
TOOL_DISTRIBUTIONS = ("goose-studio", "torch", "transformers", "peft", "llamafactory", "tree-sitter", "safetensors",
                      "cryptography", "bm25s")
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


class ManifestPrice(BaseModel):
    """What the core costs on a marketplace: 0 is free (open source, anyone can use it)."""

    model_config = ConfigDict(extra="forbid")
    amount: float = Field(0.0, ge=0, le=100000, description="Price in ``currency``; 0 for a free core.")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")


class Manifest(BaseModel):
    """``manifest.json``: what the core is, for people, the studio's core browser and a marketplace."""

    model_config = ConfigDict(extra="forbid", title="Intelligence Core manifest")
    format_version: Literal[1, 2] = FORMAT_VERSION
    name: str = Field(min_length=1, max_length=120)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    base_model: str = Field(min_length=1)
    method: Literal["lora", "qlora-4bit"]
    quality_score: float | None = Field(default=None, ge=0, le=100)
    tags: list[str] = Field(default_factory=list, max_length=32)
    created: str = Field(pattern=_ISO_UTC_RE)
    hardware: ManifestHardware
    compatible_vram_min_gb: float | None = Field(default=None, ge=0)
    description: str = Field("", max_length=4000)
    adapter: ManifestAdapter
    icon: str = Field("🪿", min_length=1, max_length=16, pattern=r"^\S+$",
                      description="An emoji (or a few characters) shown beside the name.")
    price: ManifestPrice = Field(default_factory=ManifestPrice)
    quality_threshold: int = Field(DEFAULT_QUALITY_THRESHOLD, ge=0, le=100,
                                   description="The quality score the core was held to (gate V3).")
    accepted_below_threshold: bool = Field(False, description="The user accepted the core below the threshold.")
    retrieval: bool = Field(False, description="The core carries a retrieval index of its source (retrieval/).")


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


def read_member(zf: zipfile.ZipFile, name: str, limit: int | None = None) -> bytes:
    """A member's bytes; ValueError when it holds more than ``limit`` bytes."""
    with zf.open(name) as fh:
        data = fh.read(limit + 1 if limit is not None else -1)
    if limit is not None and len(data) > limit:
        raise ValueError(f"{name} is larger than {limit} bytes")
    return data
