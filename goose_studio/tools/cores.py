"""Cores as registry tools: list the packaged cores, ask one (or a run's trained adapter) a question."""

from __future__ import annotations

import threading
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..cores import CoreInfo, core_infos, core_path, open_core, open_run_adapter
from ..errors import FailureKind, ToolFailure
from .registry import ToolContext, tool


class ListCoresArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListCoresResult(BaseModel):
    cores: list[CoreInfo]


class ChatArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=8000, description="The question to ask the core.")
    core: str | None = Field(None, description="A core's name (see list_cores) or the path of a .gcpkg file.")
    run_id: str | None = Field(None, description="Use the adapter a run trained instead of a packaged core.")
    max_new_tokens: int = Field(128, ge=1, le=512, description="Most tokens to generate (greedy decoding).")
    base_model_path: str | None = Field(None, description="Local base model folder; found automatically by default.")

    @model_validator(mode="after")
    def _one_adapter(self) -> "ChatArgs":
        if bool(self.core) == bool(self.run_id):
            raise ValueError("give either core or run_id (exactly one)")
        return self


class ChatResult(BaseModel):
    answer: str
    base_model: str = Field(description="The base model folder the adapter was loaded onto.")
    adapter_dir: str
    core: str | None = None
    run_id: str | None = None
    new_tokens: int
    duration_s: float


@tool("list_cores", read_only=True, idempotent=True)
def list_cores(args: ListCoresArgs, ctx: ToolContext) -> ListCoresResult:
    """List the packaged cores (.gcpkg) in the workspace with their base model and quality score."""
    return ListCoresResult(cores=core_infos(ctx.workspace))


_CHAT_LOCK = threading.Lock()
_LOADED: dict[str, Any] = {}  # the one model kept loaded between chats: {"key": ..., "scorer": ...}


@tool("chat_with_core", read_only=True)
def chat_with_core(args: ChatArgs, ctx: ToolContext) -> ChatResult:
    """Ask a core (or a run's trained adapter) one question; greedy decoding, bounded length."""
    ws = ctx.workspace
    started = time.monotonic()
    path = core_path(ws, args.core) if args.core else None
    opened = (open_core(ws, path, args.base_model_path) if path is not None
              else open_run_adapter(ws, str(args.run_id), args.base_model_path))
    with _CHAT_LOCK:
        key = f"{opened.base}|{opened.adapter}|{opened.template}"
        if _LOADED.get("key") != key:
            _LOADED.clear()
            try:
                from ..evals.scorer import Scorer

                _LOADED["scorer"] = Scorer(str(opened.base), str(opened.adapter), opened.template, cutoff_len=1024)
            except ImportError as exc:
                raise ToolFailure(FailureKind.missing_dependency, f"A package chat needs is missing: {exc}.",
                                  hint="Run `bash scripts/setup.sh`.") from None
            except Exception as exc:
                raise ToolFailure(FailureKind.corrupted, f"The adapter does not load onto {opened.base}: "
                                  f"{type(exc).__name__}: {str(exc)[:300]}",
                                  hint="Check the core with validate, or pass the right base_model_path.") from None
            _LOADED["key"] = key
        scorer = _LOADED["scorer"]
        prompt_ids, _ = scorer.encode(args.prompt, "")
        answer = scorer.generate(prompt_ids, args.max_new_tokens)
        new_tokens = len(scorer.tokenizer(answer, add_special_tokens=False)["input_ids"]) if answer else 0
    return ChatResult(answer=answer, base_model=str(opened.base), adapter_dir=str(opened.adapter),
                      core=str(path) if path is not None else None, run_id=args.run_id,
                      new_tokens=new_tokens, duration_s=round(time.monotonic() - started, 3))
