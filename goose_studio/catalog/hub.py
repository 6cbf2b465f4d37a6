"""Search the Hugging Face Hub for base models, through ``huggingface_hub``, when the Hub can be reached.

:func:`hub_online` says whether to try (``HF_HUB_OFFLINE`` unset, and the endpoint answers within a few
seconds). :func:`search_hub` lists text-generation models matching a text (``HfApi.list_models``, most
downloaded first) and reads each result's ``config.json`` (``hf_hub_download``, cached under
``cache_dir``) for its architecture; when the config cannot be read (a gated model without a token, a
missing file) the parameter count from the listing's safetensors metadata is kept instead. The endpoint is
``HF_ENDPOINT`` when set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, Field, ValidationError

from .arch import architecture_from_config
from .select import ModelFacts

PROBE_TIMEOUT_S = 5.0
EXPAND = ["safetensors", "cardData", "gated", "downloads", "pipeline_tag", "tags"]
VISION_TAGS = ("image-text-to-text", "vision", "multimodal")
CODING_WORDS = ("code", "coder", "coding")


class HubSearch(BaseModel):
    """What a Hub search did: whether it ran, what it found, and a note for people when it could not."""

    query: str
    online: bool
    endpoint: str | None = None
    note: str | None = None
    results: list[ModelFacts] = Field(default_factory=list)
    unreadable_configs: int = Field(0, description="Results whose config.json could not be read.")


def offline_by_env() -> bool:
    value = os.environ.get("HF_HUB_OFFLINE", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def hub_online() -> tuple[bool, str | None]:
    """(whether the Hub answers, why not)."""
    if offline_by_env():
        return False, "HF_HUB_OFFLINE is set: the Hub is not searched; showing the catalog only"
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    if constants.is_offline_mode():
        return False, "huggingface_hub is in offline mode: showing the catalog only"
    try:
        response = get_session().get(f"{endpoint()}/api/models", params={"limit": 1}, timeout=PROBE_TIMEOUT_S)
    except Exception as exc:  # httpx errors, DNS, proxies: all mean the same to the user
        return False, f"the Hub at {endpoint()} cannot be reached ({type(exc).__name__}): showing the catalog only"
    if response.status_code >= 500:
        return False, f"the Hub at {endpoint()} answered HTTP {response.status_code}: showing the catalog only"
    return True, None


def _categories(model_id: str, pipeline: str | None, tags: list[str]) -> list[str]:
    low = model_id.lower()
    found = []
    if any(w in low for w in CODING_WORDS) or "code" in tags:
        found.append("coding")
    if pipeline in VISION_TAGS or any(t in VISION_TAGS for t in tags) or "-vl" in low:
        found.append("vision")
    if any(w in low for w in ("r1", "think", "reason", "qwq")):
        found.append("reasoning")
    return found + ["chat"]


def _read_config(model_id: str, cache_dir: Path | None) -> dict[str, Any] | None:
    from huggingface_hub import hf_hub_download

    try:
        path = hf_hub_download(model_id, "config.json", endpoint=endpoint(), etag_timeout=PROBE_TIMEOUT_S,
                               cache_dir=str(cache_dir) if cache_dir else None)
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except Exception:  # gated, missing, network: the listing's parameter count is used instead
        return None
    return data if isinstance(data, dict) else None


def search_hub(text: str, limit: int = 10, cache_dir: Path | None = None,
               template_for: Callable[[str, str], str] | None = None) -> HubSearch:
    """Models on the Hub matching ``text`` with what can be read about them; offline: an empty search with
    the reason in ``note``. ``template_for(name, model_type)`` names the chat template."""
    online, why = hub_online()
    if not online:
        return HubSearch(query=text, online=False, note=why)
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint())
    try:
        listed = list(api.list_models(search=text, filter="text-generation", sort="downloads", limit=limit,
                                      expand=EXPAND))
    except Exception as exc:
        return HubSearch(query=text, online=False, endpoint=endpoint(),
                         note=f"the Hub search failed ({type(exc).__name__}: {exc}); showing the catalog only")
    results, unreadable = [], 0
    for info in listed:
        config = _read_config(info.id, cache_dir)
        arch = None
        if config is not None:
            try:
                arch = architecture_from_config(config)
            except (ValueError, ValidationError, TypeError, KeyError):
                arch = None
        if arch is None:
            unreadable += 1
        safetensors = getattr(info, "safetensors", None)
        total = getattr(safetensors, "total", None) if safetensors else None
        counted = arch.counts() if arch else None
        params = (counted.total if counted else total) or None
        card = getattr(info, "card_data", None)
        license_ = (card.get("license") if card is not None else None) or None
        model_type = arch.model_type if arch else str((config or {}).get("model_type", ""))
        tags = list(info.tags or [])
        results.append(ModelFacts(
            name=info.id.split("/")[-1], hub_id=info.id, model=info.id, source="hub",
            params_b=round(params / 1e9, 3) if params else None,
            active_params_b=round(counted.active / 1e9, 3) if counted and arch.moe else None,
            context_length=(config or {}).get("max_position_embeddings"), license=license_,
            template=template_for(info.id, model_type) if template_for else None,
            categories=_categories(info.id, info.pipeline_tag, tags), gated=bool(info.gated),
            downloads=info.downloads, arch=arch))
    return HubSearch(query=text, online=True, endpoint=endpoint(), results=results, unreadable_configs=unreadable)
