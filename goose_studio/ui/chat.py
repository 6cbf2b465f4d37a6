"""TEST's chat for the web page: a core's answer streamed piece by piece, with the passages it looked up,
and (with ``compare``) the base model's answer to the same question after it.

The core is opened the way ``chat_with_core`` opens it (:func:`~goose_studio.tools.cores.opened_with_index`,
kept loaded between questions by :func:`~goose_studio.tools.cores.loaded_chat`); generation runs in a
thread and its pieces cross to the response through a memory stream. The messages: ``passages``
(``{passages: [...]}``), ``token`` (``{who, text}``: a piece), ``done`` (``{who, text}``: the whole
answer), ``error`` (``{failure, guide}``) and ``end``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import FailureKind, ToolFailure, internal_failure
from ..messages import failure_text
from ..tools.cores import loaded_chat, opened_with_index
from ..workspace import Workspace

#: One chat at a time: the loaded model is shared.
CHAT_LOCK = threading.Lock()


class Turn(BaseModel):
    role: str = Field(pattern="^(user|assistant)$")
    content: str = Field(max_length=16000)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prompt: str = Field(min_length=1, max_length=8000)
    run_id: str | None = None
    core: str | None = None
    compare: bool = False
    retrieval: bool = True
    k: int = Field(4, ge=1, le=8)
    max_new_tokens: int = Field(128, ge=1, le=512)
    history: list[Turn] = Field(default_factory=list, max_length=40)
    base_history: list[Turn] = Field(default_factory=list, max_length=40)

    @model_validator(mode="after")
    def _one(self) -> "ChatRequest":
        if bool(self.core) == bool(self.run_id):
            raise ValueError("give either core or run_id (exactly one)")
        return self


class ListenerGone(Exception):
    """The browser stopped listening: generation ends."""


def _msg(event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": event, "data": json.dumps(data, separators=(",", ":"), default=str)}


def _generate(ws: Workspace, req: ChatRequest, send: Any) -> None:
    """Open the core and stream its answer (and the base's) through ``send(event, data)``; in a thread."""
    opened, _, index = opened_with_index(ws, req.core, req.run_id)
    with CHAT_LOCK:
        chat = loaded_chat(opened, index, req.k)
        hits = chat.passages(req.prompt, use=req.retrieval)
        send("passages", {"passages": [h.model_dump(mode="json") for h in hits]})
        sides = [("core", True, req.history)] + ([("base", False, req.base_history)] if req.compare else [])
        for who, core, history in sides:
            turns = [*(t.model_dump() for t in history), {"role": "user", "content": req.prompt}]
            text = ""
            for piece in chat.stream(turns, max_tokens=req.max_new_tokens, hits=hits if core else [], core=core):
                text += piece
                send("token", {"who": who, "text": piece})
            send("done", {"who": who, "text": text.strip()})


async def chat_stream(ws: Workspace, req: ChatRequest) -> AsyncIterator[dict[str, Any]]:
    """The server-sent messages of one question (see the module's docstring)."""
    sender, receiver = anyio.create_memory_object_stream[dict[str, Any]](max_buffer_size=1024)

    def send(event: str, data: dict[str, Any]) -> None:
        try:
            anyio.from_thread.run(sender.send, _msg(event, data))
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, RuntimeError):
            raise ListenerGone from None

    async def work() -> None:
        async with sender:
            try:
                await anyio.to_thread.run_sync(_generate, ws, req, send, abandon_on_cancel=True)
            except ListenerGone:
                return
            except ToolFailure as failure:
                await sender.send(_msg("error", {"failure": failure.to_dict(),
                                                 "guide": failure_text(failure, what="chat")}))
            except Exception as exc:  # a bug: typed, its traceback in the log
                failure = internal_failure(exc, ws.root / "logs" / "ui-error.log", "chat")
                await sender.send(_msg("error", {"failure": failure.to_dict(),
                                                 "guide": failure_text(failure, what="chat")}))
            await sender.send(_msg("end", {}))

    async with anyio.create_task_group() as tg:
        tg.start_soon(work)
        async with receiver:
            async for message in receiver:
                yield message


def bad_request(exc: Exception) -> ToolFailure:
    return ToolFailure(FailureKind.invalid_input, f"The chat request is not valid: {exc}",
                       hint="Send prompt and one of run_id or core.")
