"""Uploading a core's adapter to the Hugging Face Hub with ``huggingface_hub``: a model repository holding the
PEFT adapter at its root (so ``PeftModel.from_pretrained("<user>/<repo>")`` loads it), a generated model card
(``README.md`` with the Hub's front matter: base model, library, tags), and the core's manifest, provenance,
signature, recipe and evaluation results.

The token comes from the ``token`` argument or ``HF_TOKEN``; the Hub's address from ``HF_ENDPOINT`` (the
client's default otherwise). No token, offline mode, a refused token and an unreachable Hub are typed failures.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from ...errors import FailureKind, ToolFailure
from ...workspace import slugify
from ..package import ADAPTER_CONFIG, ADAPTER_WEIGHTS, EVAL_RESULTS, MANIFEST, PROVENANCE, README, RECIPE, SIGNATURE

#: Members of the core uploaded, and their names in the Hub repository.
HUB_FILES = {ADAPTER_WEIGHTS: "adapter_model.safetensors", ADAPTER_CONFIG: "adapter_config.json",
             MANIFEST: "manifest.json", PROVENANCE: "PROVENANCE.json", SIGNATURE: "SIGNATURE.json",
             RECIPE: "training/recipe.yaml", EVAL_RESULTS: "training/eval_results.json"}
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


class HubResult(BaseModel):
    repo_id: str
    url: str = Field(description="The repository's page on the Hub.")
    commit: str = Field(description="The commit the upload made.")
    files: list[str] = Field(description="Files uploaded, as named in the repository.")
    private: bool
    endpoint: str


def model_card(manifest: dict[str, Any], readme: str) -> str:
    """The Hub model card: front matter (base model, PEFT, tags, quality) and the core's README."""
    tags = ["goose-studio", "intelligence-core", "lora", "peft"]
    tags += [t for t in manifest.get("tags") or [] if isinstance(t, str) and t not in tags]
    meta: dict[str, Any] = {"base_model": str(manifest.get("base_model") or ""), "library_name": "peft",
                            "pipeline_tag": "text-generation", "tags": tags}
    if isinstance(manifest.get("quality_score"), (int, float)):
        meta["model-index"] = [{"name": str(manifest.get("name") or "core"), "results": [{
            "task": {"type": "text-generation"}, "dataset": {"name": "held-out pairs", "type": "goose-studio"},
            "metrics": [{"type": "quality_score", "value": float(manifest["quality_score"]),
                         "name": "Goose Studio quality score (0-100)"}]}]}]
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n\n{readme.strip()}\n"


def hub_token(token: str | None) -> str:
    value = (token or os.environ.get("HF_TOKEN") or "").strip()
    if not value:
        raise ToolFailure(FailureKind.auth_required, "Uploading to the Hugging Face Hub needs a token.",
                          hint="Set HF_TOKEN to a Hugging Face access token with write permission "
                               "(Settings → Access Tokens), then publish again.")
    return value


def _stage(core: Path, dest: Path) -> tuple[dict[str, Any], list[str]]:
    with zipfile.ZipFile(core) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read(MANIFEST))
        files = []
        for member, target in HUB_FILES.items():
            if member in names:
                out = dest / target
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(zf.read(member))
                files.append(target)
        readme = zf.read(README).decode("utf-8", "replace") if README in names else ""
    (dest / "README.md").write_text(model_card(manifest, readme), encoding="utf-8")
    return manifest, sorted([*files, "README.md"])


def _failure(exc: Exception, endpoint: str, repo_id: str) -> ToolFailure:
    """A typed failure for what the client raised."""
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if isinstance(exc, OfflineModeIsEnabled):
        return ToolFailure(FailureKind.unsupported, "The Hugging Face client is in offline mode (HF_HUB_OFFLINE).",
                           hint="Unset HF_HUB_OFFLINE to upload.", details={"endpoint": endpoint})
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        details = {"endpoint": endpoint, "repo_id": repo_id, "status": status}
        if status in (401, 403):
            return ToolFailure(FailureKind.auth_required, f"The Hub refused the token (HTTP {status}).",
                               hint="Use a token with write permission for that namespace in HF_TOKEN.",
                               details=details)
        if status is not None and status >= 500:
            return ToolFailure(FailureKind.transient, f"The Hub answered HTTP {status}.",
                               hint="Try again in a moment.", details=details)
        return ToolFailure(FailureKind.invalid_input, f"The Hub refused the upload (HTTP {status}).",
                           hint="Check the repository name and that the token may write to it.", details=details)
    return ToolFailure(FailureKind.transient, f"The Hub at {endpoint} cannot be reached ({type(exc).__name__}).",
                       hint="Check the network (and HF_ENDPOINT, when set), then publish again.",
                       details={"endpoint": endpoint, "repo_id": repo_id})


def upload_to_hub(core: Path, *, repo_id: str | None = None, token: str | None = None, private: bool = True,
                  commit_message: str | None = None) -> HubResult:
    """Create (or reuse) the model repository and upload the adapter, the model card and the core's records."""
    import httpx
    from huggingface_hub import HfApi, constants
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    secret = hub_token(token)
    endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
    if repo_id is not None and not REPO_ID_RE.match(repo_id):
        raise ToolFailure(FailureKind.invalid_input, f"'{repo_id}' is not a Hub repository id.",
                          hint="Use <user or organization>/<name>, e.g. alice/inventory-core.")
    api = HfApi(endpoint=endpoint, token=secret)
    wanted = repo_id or ""
    errors = (HfHubHTTPError, OfflineModeIsEnabled, httpx.HTTPError, OSError)
    with tempfile.TemporaryDirectory(prefix="gcpkg-hub-") as tmp:
        try:
            manifest, files = _stage(core, Path(tmp))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise ToolFailure(FailureKind.corrupted, f"{core} is not a readable core ({type(exc).__name__}).",
                              hint="Check it with validate.") from None
        try:
            if not wanted:
                user = api.whoami()
                wanted = f"{user['name']}/{slugify(str(manifest.get('name') or core.stem))}"
            url = api.create_repo(wanted, private=private, exist_ok=True, repo_type="model")
            info = api.upload_folder(repo_id=wanted, folder_path=tmp, repo_type="model",
                                     commit_message=commit_message or
                                     f"Upload {manifest.get('name')} {manifest.get('version')} (Goose Studio)")
        except errors as exc:
            raise _failure(exc, endpoint, wanted) from None
    return HubResult(repo_id=wanted, url=str(url), commit=str(getattr(info, "oid", "") or ""), files=files,
                     private=private, endpoint=endpoint)
