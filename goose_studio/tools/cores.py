"""Cores as registry tools: list the packaged cores, ask one (or a run's trained adapter) a question —
answered from its repository through its retrieval index, optionally side by side with its base model —
and show the passages it would look up for a question."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..cores import CoreInfo, OpenedCore, core_infos, core_path, open_core, open_run_adapter
from ..errors import FailureKind, ToolFailure
from ..retrieval import DEFAULT_K, RETRIEVAL_DIR, Hit, RetrievalIndex, open_index
from ..runstore import RunStore
from ..workspace import Workspace
from .registry import ToolContext, tool


class ListCoresArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListCoresResult(BaseModel):
    cores: list[CoreInfo]


class _OneCore(BaseModel):
    core: str | None = Field(None, description="A core's name (see list_cores) or the path of a .gcpkg file.")
    run_id: str | None = Field(None, description="Use the adapter a run trained instead of a packaged core.")

    @model_validator(mode="after")
    def _one_adapter(self) -> "_OneCore":
        if bool(self.core) == bool(self.run_id):
            raise ValueError("give either core or run_id (exactly one)")
        return self


class ChatArgs(_OneCore):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=8000, description="The question to ask the core.")
    max_new_tokens: int = Field(128, ge=1, le=512, description="Most tokens to generate (greedy decoding).")
    base_model_path: str | None = Field(None, description="Local base model folder; found automatically by default.")
    compare: bool = Field(False, description="Also answer with the base model alone (no adapter, no retrieval).")
    retrieval: bool = Field(True, description="Put passages of the core's repository before the question.")
    k: int = Field(DEFAULT_K, ge=1, le=8, description="Passages put before the question.")


class ChatResult(BaseModel):
    answer: str
    base_model: str = Field(description="The base model folder the adapter was loaded onto.")
    adapter_dir: str
    core: str | None = None
    run_id: str | None = None
    new_tokens: int
    duration_s: float
    base_answer: str | None = Field(None, description="The base model's answer (with compare).")
    passages: list[Hit] = Field(default_factory=list, description="What the core looked up for the question.")
    retrieval: bool = Field(False, description="Whether the core answered with its retrieval index.")


class RetrieveArgs(_OneCore):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=8000, description="The question to look up.")
    k: int = Field(DEFAULT_K, ge=1, le=50, description="Passages to return.")


class RetrieveResult(BaseModel):
    passages: list[Hit]
    retrieval_dir: str
    indexed: int = Field(description="Passages in the index.")


@tool("list_cores", read_only=True, idempotent=True)
def list_cores(args: ListCoresArgs, ctx: ToolContext) -> ListCoresResult:
    """List the packaged cores (.gcpkg) in the workspace with their base model and quality score."""
    return ListCoresResult(cores=core_infos(ctx.workspace))


def opened_with_index(ws: Workspace, core: str | None, run_id: str | None,
                      base_model_path: str | None = None) -> tuple[OpenedCore, Path | None, RetrievalIndex | None]:
    """A core (or a run's adapter) opened, its file (None for a run), and its retrieval index (None: none)."""
    if core:
        path = core_path(ws, core)
        opened = open_core(ws, path, base_model_path)
        return opened, path, open_index(opened.adapter.parent / RETRIEVAL_DIR, core_file=path)
    opened = open_run_adapter(ws, str(run_id), base_model_path)
    return opened, None, open_index(RunStore(ws).paths(str(run_id)).run_dir / RETRIEVAL_DIR)


_CHAT_LOCK = threading.Lock()
_LOADED: dict[str, Any] = {}  # the one model kept loaded between chats: {"key": ..., "chat": ...}


def loaded_chat(opened: OpenedCore, index: RetrievalIndex | None, k: int) -> Any:
    """The core loaded for chatting (kept between calls while the same core is asked)."""
    key = f"{opened.base}|{opened.adapter}|{opened.template}"
    if _LOADED.get("key") != key:
        _LOADED.clear()
        try:
            from ..evals.answer import CoreChat

            _LOADED["chat"] = CoreChat(opened.base, opened.adapter, opened.template, cutoff_len=2048)
        except ImportError as exc:
            raise ToolFailure(FailureKind.missing_dependency, f"A package chat needs is missing: {exc}.",
                              hint="Run `bash scripts/setup.sh`.") from None
        except Exception as exc:
            raise ToolFailure(FailureKind.corrupted, f"The adapter does not load onto {opened.base}: "
                              f"{type(exc).__name__}: {str(exc)[:300]}",
                              hint="Check the core with validate, or pass the right base_model_path.") from None
        _LOADED["key"] = key
    chat = _LOADED["chat"]
    chat.retrieval, chat.k = index, k
    return chat


@tool("chat_with_core", read_only=True)
def chat_with_core(args: ChatArgs, ctx: ToolContext) -> ChatResult:
    """Ask a core (or a run's trained adapter) one question; greedy decoding, bounded length."""
    started = time.monotonic()
    opened, path, index = opened_with_index(ctx.workspace, args.core, args.run_id, args.base_model_path)
    turns = [{"role": "user", "content": args.prompt}]
    with _CHAT_LOCK:
        chat = loaded_chat(opened, index, args.k)
        hits = chat.passages(args.prompt, use=args.retrieval)
        reply = chat.answer(turns, max_tokens=args.max_new_tokens, hits=hits)
        base = chat.answer(turns, max_tokens=args.max_new_tokens, core=False) if args.compare else None
    return ChatResult(answer=reply.text, base_model=str(opened.base), adapter_dir=str(opened.adapter),
                      core=str(path) if path is not None else None, run_id=args.run_id,
                      new_tokens=reply.completion_tokens, duration_s=round(time.monotonic() - started, 3),
                      base_answer=base.text if base else None, passages=hits, retrieval=bool(hits))


def index_dir(ws: Workspace, core: str | None, run_id: str | None) -> tuple[Path, Path | None]:
    """Where the retrieval index of a core (extracted into the cache) or of a run is, and the core's file."""
    if core:
        import hashlib

        path = core_path(ws, core)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:20]
        return ws.cache / "retrieval" / digest, path
    RunStore(ws).read(str(run_id))  # not_found for an unknown run
    return RunStore(ws).paths(str(run_id)).run_dir / RETRIEVAL_DIR, None


@tool("retrieve", read_only=True, idempotent=True)
def retrieve(args: RetrieveArgs, ctx: ToolContext) -> RetrieveResult:
    """The passages of a core's repository that chat would put before a question (text, path, lines, score)."""
    folder, path = index_dir(ctx.workspace, args.core, args.run_id)
    index = open_index(folder, core_file=path)
    if index is None:
        raise ToolFailure(FailureKind.not_found, "This core has no retrieval index.",
                          hint="Cores packaged before retrieval existed have none: learn the repository again.",
                          details={"core": args.core, "run_id": args.run_id})
    return RetrieveResult(passages=index.search(args.question, args.k), retrieval_dir=str(folder),
                          indexed=len(index.passages))
