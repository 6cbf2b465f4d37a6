"""Publish tab: pack a trained adapter into a signed Intelligence Core (``<slug>-v<N>.gcpkg``), validate cores
with the five gates, and ship them (local registry and marketplace, Hugging Face Hub, GGUF).

A core is a zip with exactly this layout (the last four members optional)::

    manifest.json                      identity, marketplace fields (icon, price), threshold
    adapter/adapter_model.safetensors
    adapter/adapter_config.json
    training/recipe.yaml
    training/training_log.jsonl
    training/eval_results.json
    data/dataset_card.md
    data/sample_pairs.jsonl
    README.md
    PROVENANCE.json                    data, recipe, base model, commit, fallbacks, tool versions, hashes
    training/loss_curve.png
    retrieval/index.json, retrieval/passages.jsonl, retrieval/embeddings.safetensors
    SIGNATURE.json                     ed25519 over manifest.json and PROVENANCE.json

``package`` writes the zip to a hidden temporary file next to its destination, signs it with the workspace
key, validates that file and only then renames it into place. ``validate`` runs the five gates on any core.

Modules: :mod:`.format` (member names, bounds, the manifest, gate names, versions, checksums),
:mod:`.manifest_schema` (the shipped JSON Schema), :mod:`.signing` (the workspace key, signing, verifying),
:mod:`.secrets` (the package side of :mod:`goose_studio.secrets`), :mod:`.report` (check and gate results),
the gates :mod:`.gate_schema` (V1), :mod:`.gate_security` (V2), :mod:`.gate_eval` (V3), :mod:`.gate_portable`
(V4, with :mod:`.fresh`, the fresh process) and :mod:`.gate_quality` (V5), :mod:`.validation` (all gates into
one report), :mod:`.base_model` (finding the base model, extracting the adapter), :mod:`.inputs`,
:mod:`.provenance`, :mod:`.cards` (dataset card, README), :mod:`.build` and :mod:`.refusal` (building a core,
and why one is not published), and :mod:`.tool` (``package``, ``validate``). Shipping a core (the local
registry, the marketplace folder, the Hugging Face Hub, GGUF) is :mod:`goose_studio.tools.publish`.
Importing this package registers the tools.
"""

from .base_model import MODEL_CARD_FILE, extract_adapter, read_model_card, resolve_base
from .build import PackageArgs, PackageResult, TrainingFacts, build_package, write_zip
from .format import (
    ADAPTER_CONFIG,
    ADAPTER_WEIGHTS,
    BINARY_FILES,
    CHECK_NAMES,
    DATASET_CARD,
    EVAL_RESULTS,
    FORMAT_VERSION,
    GATE_CHECKS,
    GATE_NAMES,
    GATES,
    LOSS_CURVE,
    MANIFEST,
    MAX_ENTRIES,
    MAX_SAMPLE_PAIRS,
    MAX_TEXT_SCAN_BYTES,
    MAX_TOTAL_UNCOMPRESSED,
    OPTIONAL_FILES,
    PACKAGE_SUFFIX,
    PROVENANCE,
    README,
    RECIPE,
    REQUIRED_FILES,
    RETRIEVAL_FILES,
    SAMPLE_PAIRS,
    SIGNATURE,
    TOOL_DISTRIBUTIONS,
    TRAINING_LOG,
    Manifest,
    ManifestAdapter,
    ManifestHardware,
    ManifestPrice,
    next_version,
    package_filename,
    tool_versions,
)
from .report import CheckResult, GateResult, ValidateReport
from .secrets import find_secrets
from .signing import Signer, workspace_key
from .tool import ValidateArgs, package, validate
from .validation import validate_package

__all__ = [
    "ADAPTER_CONFIG", "ADAPTER_WEIGHTS", "BINARY_FILES", "CHECK_NAMES", "DATASET_CARD", "EVAL_RESULTS",
    "FORMAT_VERSION", "GATES", "GATE_CHECKS", "GATE_NAMES", "LOSS_CURVE", "MANIFEST", "MAX_ENTRIES",
    "MAX_SAMPLE_PAIRS", "MAX_TEXT_SCAN_BYTES", "MAX_TOTAL_UNCOMPRESSED", "MODEL_CARD_FILE", "OPTIONAL_FILES",
    "PACKAGE_SUFFIX", "PROVENANCE", "README", "RECIPE", "REQUIRED_FILES", "RETRIEVAL_FILES", "SAMPLE_PAIRS",
    "SIGNATURE", "TOOL_DISTRIBUTIONS", "TRAINING_LOG", "CheckResult", "GateResult", "Manifest", "ManifestAdapter",
    "ManifestHardware", "ManifestPrice", "PackageArgs", "PackageResult", "Signer", "TrainingFacts", "ValidateArgs",
    "ValidateReport", "build_package", "extract_adapter", "find_secrets", "next_version", "package",
    "package_filename", "read_model_card", "resolve_base", "tool_versions", "validate", "validate_package",
    "workspace_key", "write_zip",
]
