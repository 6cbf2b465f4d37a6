"""What loading a core needs: its base model, found locally (never over the network), and its adapter's
two files, copied out of the zip into a folder."""

from __future__ import annotations

import json
import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

from ..models import MODEL_CARD
from .format import ADAPTER_CONFIG, ADAPTER_WEIGHTS, CHUNK, READ_ERRORS, Manifest

MODEL_CARD_FILE = MODEL_CARD  # written next to base models the studio prepared


def read_model_card(folder: Path) -> dict[str, Any]:
    """The studio's model card of a base model folder; {} when there is none or it does not parse."""
    try:
        card = json.loads((folder / MODEL_CARD_FILE).read_text(encoding="utf-8"))
        return card if isinstance(card, dict) else {}
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}


def resolve_base(
    base_model_path: str | None,
    manifest: Manifest | None,
    provenance: dict[str, Any] | None,
    model_cache: Path | None,
) -> tuple[Path | None, str]:
    """Find the base model locally: the given folder, the manifest's path, the studio's model cache, or the
    Hugging Face cache (never the network). Returns the folder and where it was found."""
    if base_model_path:
        return Path(base_model_path).expanduser(), "given"
    if manifest is None:
        return None, ""
    model_id = manifest.base_model
    try:
        candidate = Path(model_id).expanduser()
        if candidate.is_dir():
            return candidate, "the manifest's path"
    except (OSError, ValueError):
        pass
    wanted_hash = ""
    if provenance and isinstance(provenance.get("base_model"), dict):
        wanted_hash = str(provenance["base_model"].get("hash") or "")
    if model_cache is not None:
        matches: list[tuple[int, Path]] = []
        try:
            folders = sorted(p for p in (model_cache / "models").iterdir() if p.is_dir())
        except OSError:
            folders = []
        for folder in folders:
            card = read_model_card(folder)
            if card.get("model_id") == model_id and (folder / "config.json").is_file():
                matches.append((0 if wanted_hash and card.get("model_hash") == wanted_hash else 1, folder))
        if matches:
            return min(matches)[1], "the studio's model cache"
    if model_id.count("/") == 1 and not model_id.startswith((".", "/", "~")):
        try:
            from huggingface_hub import snapshot_download
        except ImportError:
            return None, ""
        caches: list[str | None] = [str(model_cache / "huggingface")] if model_cache is not None else []
        caches.append(None)  # the default Hugging Face cache
        for cache_dir in caches:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    folder = Path(snapshot_download(model_id, cache_dir=cache_dir, local_files_only=True))
            except Exception:  # not cached there (or an unusable cache)
                continue
            if (folder / "config.json").is_file():
                return folder, "the Hugging Face cache"
    return None, ""


def extract_adapter(zf: zipfile.ZipFile, dest: Path) -> tuple[Path | None, str]:
    """Copy the adapter's two files out of the zip; returns the folder, or None and why not."""
    folder = dest / "adapter"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for member, filename in ((ADAPTER_WEIGHTS, "adapter_model.safetensors"),
                                 (ADAPTER_CONFIG, "adapter_config.json")):
            with zf.open(member) as src, (folder / filename).open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
    except KeyError as exc:
        return None, f"missing member {exc}"
    except READ_ERRORS as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return folder, ""
