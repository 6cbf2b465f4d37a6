"""Gate V4, portable: every member's SHA-256 matches ``PROVENANCE.json`` (both ways), the stated base model is
found locally and is the one the core was trained on (its weights' hash), and the adapter loads onto it in a
fresh process (:mod:`.fresh`), which also measures what gate V5 needs.

Checks: ``hashes``, ``base_model``, ``load``. Without the base model anywhere local, ``base_model`` and
``load`` are skipped (ok=None), or fail under ``strict``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .base_model import read_model_card, resolve_base
from .format import READ_ERRORS, UNHASHED_FILES, Manifest, hash_member
from .report import Checks

FRESH_TIMEOUT_S = 600
BASE_HINT = ("Pass --base-model-path (a local Hugging Face folder of the core's base model), or prepare it "
             "with `goose-studio learn --model ID` once so the studio's model cache has it.")


def check_hashes(zf: zipfile.ZipFile, provenance: dict[str, Any] | None, checks: Checks) -> None:
    """Every member's SHA-256 against the ``files`` table of PROVENANCE.json, in both directions."""
    if provenance is None:
        checks.set("hashes", False, "PROVENANCE.json is missing or unreadable; nothing to verify against",
                   hint="Rebuild the core; its provenance is part of it.")
        return
    recorded: dict[str, Any] = provenance.get("files", {})
    files = sorted({i.filename for i in zf.infolist() if not i.filename.endswith("/")} - UNHASHED_FILES)
    problems: list[str] = []
    for name in files:
        expected = recorded.get(name)
        if expected is None:
            problems.append(f"{name}: not listed in PROVENANCE.json")
            continue
        try:
            actual = hash_member(zf, name)
        except READ_ERRORS as exc:
            problems.append(f"{name}: unreadable ({exc})")
            continue
        if actual != str(expected).lower():
            problems.append(f"{name}: sha256 mismatch")
    problems += [f"{name}: listed in PROVENANCE.json but absent" for name in sorted(set(recorded) - set(files))]
    if problems:
        checks.set("hashes", False, "; ".join(problems[:10]),
                   hint="The core was changed or damaged after it was built: do not use it. Copy the original "
                        "again or rebuild the core.")
    else:
        checks.set("hashes", True, f"sha256 of {len(files)} members match PROVENANCE.json")


def base_weights_hash(folder: Path) -> str | None:
    """The base folder's weights hash: its studio model card's, else computed (as the studio records it)."""
    card = read_model_card(folder)
    if card.get("model_hash"):
        return str(card["model_hash"])
    try:
        from ..models import folder_hash

        return folder_hash(folder)
    except OSError:
        return None


def check_base(manifest: Manifest | None, provenance: dict[str, Any] | None, checks: Checks,
               base_model_path: str | None, model_cache: Path | None, strict: bool) -> Path | None:
    """Find the stated base model locally and compare its weights' hash with the recorded one."""
    if manifest is None:
        checks.set("base_model", None, "not run: no valid manifest")
        return None
    base, found_in = resolve_base(base_model_path, manifest, provenance, model_cache)
    if base is None:
        checks.set("base_model", False if strict else None,
                   f"{'' if strict else 'skipped: '}the base model '{manifest.base_model}' is not available locally",
                   hint=BASE_HINT)
        return None
    if not (base / "config.json").is_file():
        checks.set("base_model", False, f"{base} is not a Hugging Face model folder (no config.json)", hint=BASE_HINT)
        return None
    wanted = ""
    if provenance and isinstance(provenance.get("base_model"), dict):
        wanted = str(provenance["base_model"].get("hash") or "")
    wanted = wanted.removeprefix("sha256:")
    if wanted and wanted != "unknown":
        actual = base_weights_hash(base)
        if actual is not None and actual.removeprefix("sha256:") != wanted:
            checks.set("base_model", False, f"{base} is not the base model the core was trained on "
                                            f"(weights hash {actual[:12]}…, recorded {wanted[:12]}…)",
                       hint="Use the exact base model the core names; " + BASE_HINT)
            return None
        same = "weights hash matches" if actual is not None else "weights hash not computable"
    else:
        same = "no weights hash recorded"
    checks.set("base_model", True, f"'{manifest.base_model}' found in {found_in or 'the given folder'}: {base} ({same})")
    return base


def run_fresh(base: Path, adapter: Path, template: str | None, samples: list[dict[str, str]],
              quality: bool) -> dict[str, Any]:
    """Run :mod:`.fresh` in a new interpreter; its result, or a load failure saying why it has none."""
    spec = {"base": str(base), "adapter": str(adapter), "template": template, "quality": quality,
            "prompts": [s["prompt"] for s in samples], "samples": samples}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with tempfile.TemporaryDirectory(prefix="gcpkg-fresh-") as tmp:
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        try:
            done = subprocess.run([sys.executable, "-m", "goose_studio.tools.package.fresh", str(spec_path)],
                                  capture_output=True, text=True, timeout=FRESH_TIMEOUT_S, env=env, cwd=tmp)
        except subprocess.TimeoutExpired:
            return {"load": {"ok": False, "detail": f"loading took longer than {FRESH_TIMEOUT_S} s"}}
    last = (done.stdout.strip().splitlines() or [""])[-1]
    try:
        result = json.loads(last)
        if isinstance(result, dict) and "load" in result:
            return result
    except json.JSONDecodeError:
        pass
    tail = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1][:300]
    return {"load": {"ok": False, "detail": f"the fresh process ended without a result ({tail})"}}


def record_load(result: dict[str, Any] | None, base: Path | None, checks: Checks) -> None:
    """The ``load`` check from the fresh process's result."""
    if result is None:
        return
    load = result.get("load") or {}
    ok = load.get("ok")
    detail = str(load.get("detail") or "")
    if ok:
        seconds = (result.get("timings") or {}).get("load")
        checks.set("load", True, f"loaded onto {base.name if base else 'the base'} in a fresh process"
                                 f"{f' ({seconds:.1f} s)' if isinstance(seconds, (int, float)) else ''}: {detail}")
    elif ok is None:
        checks.set("load", None, detail, hint="Install torch, transformers and peft to run the load check.")
    else:
        checks.set("load", False, f"the adapter does not load onto {base}: {detail}",
                   hint="The adapter does not fit this base model: check that the manifest names the model it "
                        "was trained on, and pass that model's folder with --base-model-path.")
