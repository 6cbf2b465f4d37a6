"""Publish tab: pack a trained adapter into an Intelligence Core (``<slug>-v<N>.gcpkg``) and validate cores.

A core is a zip with exactly this layout::

    manifest.json
    adapter/adapter_model.safetensors
    adapter/adapter_config.json
    training/recipe.yaml
    training/training_log.jsonl
    training/eval_results.json
    data/dataset_card.md
    data/sample_pairs.jsonl
    README.md
    PROVENANCE.json

``package`` writes the zip to a hidden temporary file next to its destination, validates that file (zip
integrity, schema, checksums, safetensors header, secret scan and a real load of the adapter onto the base
model) and only then renames it into place, so nothing that looks like a finished core is ever half
written or unchecked. ``validate`` runs the same checks on any core and reports each one.

Modules: :mod:`.format` (member names, bounds, the manifest, file names and versions, checksums),
:mod:`.secrets` (finding secret-looking strings in any text; imports nothing else of the studio),
:mod:`.checks` (the zip, schema, integrity, safetensors and secrets checks and the report models),
:mod:`.base_model` (finding a core's base model locally, extracting its adapter), :mod:`.load_check`
(loading the adapter onto the base model), :mod:`.validation` (all checks into one report),
:mod:`.inputs` (reading the build's inputs), :mod:`.cards` (dataset card and README), :mod:`.build`
(building and publishing a core) and :mod:`.tool` (the two tools). Importing this package registers
both tools.
"""

from .base_model import MODEL_CARD_FILE, extract_adapter, read_model_card, resolve_base
from .build import PackageArgs, PackageResult, TrainingFacts, build_package, write_zip
from .checks import CheckResult, ValidateReport
from .format import (
    ADAPTER_CONFIG,
    ADAPTER_WEIGHTS,
    BINARY_FILES,
    CHECK_NAMES,
    DATASET_CARD,
    EVAL_RESULTS,
    FORMAT_VERSION,
    MANIFEST,
    MAX_ENTRIES,
    MAX_SAMPLE_PAIRS,
    MAX_TEXT_SCAN_BYTES,
    MAX_TOTAL_UNCOMPRESSED,
    PACKAGE_SUFFIX,
    PROVENANCE,
    README,
    RECIPE,
    REQUIRED_FILES,
    SAMPLE_PAIRS,
    TOOL_DISTRIBUTIONS,
    TRAINING_LOG,
    Manifest,
    ManifestAdapter,
    ManifestHardware,
    next_version,
    package_filename,
    tool_versions,
)
from .secrets import find_secrets
from .tool import ValidateArgs, package, validate
from .validation import validate_package

__all__ = [
    "ADAPTER_CONFIG",
    "ADAPTER_WEIGHTS",
    "BINARY_FILES",
    "CHECK_NAMES",
    "DATASET_CARD",
    "EVAL_RESULTS",
    "FORMAT_VERSION",
    "MANIFEST",
    "MAX_ENTRIES",
    "MAX_SAMPLE_PAIRS",
    "MAX_TEXT_SCAN_BYTES",
    "MAX_TOTAL_UNCOMPRESSED",
    "MODEL_CARD_FILE",
    "PACKAGE_SUFFIX",
    "PROVENANCE",
    "README",
    "RECIPE",
    "REQUIRED_FILES",
    "SAMPLE_PAIRS",
    "TOOL_DISTRIBUTIONS",
    "TRAINING_LOG",
    "CheckResult",
    "Manifest",
    "ManifestAdapter",
    "ManifestHardware",
    "PackageArgs",
    "PackageResult",
    "TrainingFacts",
    "ValidateArgs",
    "ValidateReport",
    "build_package",
    "extract_adapter",
    "find_secrets",
    "next_version",
    "package",
    "package_filename",
    "read_model_card",
    "resolve_base",
    "tool_versions",
    "validate",
    "validate_package",
    "write_zip",
]
