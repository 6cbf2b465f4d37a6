"""The OpenAI-compatible chat API of a backend: ``GET /v1/models``, ``POST /v1/chat/completions`` (JSON, or
server-sent events with ``stream: true``) and ``GET /health``.

Errors are OpenAI-shaped JSON (``{"error": {"message", "type", "param", "code"}}``): 4xx for a bad request,
503 when the backend cannot answer now, never a traceback. A *backend* is a callable taking the chat
messages, ``max_tokens`` and ``temperature`` and returning the reply text (or a :class:`Reply`); one that
also has ``stream(messages, max_tokens, temperature)`` (an iterator of text pieces) streams real tokens.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Iterable, Iterator
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import FailureKind, ToolFailure
from ..httpsec import BearerAuth, HostCheck, host_patterns

TOKEN_ENV = "GOOSE_STUDIO_SERVE_TOKEN"
DEFAULT_MAX_TOKENS = 256
MAX_TOKENS_LIMIT = 4096


# ------------------------------------------------------------------------------------------ the API's models


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """One chat turn. Content is text, or a list of parts of which only text parts are supported."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    @field_validator("content")
    @classmethod
    def _text_only(cls, value: str | list[ContentPart] | None) -> str | list[ContentPart] | None:
        if isinstance(value, list):
            other = sorted({p.type for p in value if p.type != "text"})
            if other:
                raise ValueError(f"only text content is supported, not {', '.join(other)}")
        return value

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content)
        return self.content or ""


class ChatRequest(BaseModel):
    """``POST /v1/chat/completions``; other OpenAI fields (top_p, stop, seed, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS_LIMIT)
    max_completion_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS_LIMIT)
    temperature: float | None = Field(None, ge=0, le=2)
    stream: bool = False
    n: int = Field(1, ge=1, le=1)


class Reply(BaseModel):
    """What a backend answers: the text, why it stopped, and token counts when it knows them."""

    text: str
    finish_reason: Literal["stop", "length"] = "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class Backend(Protocol):
    def __call__(self, messages: list[ChatMessage], max_tokens: int, temperature: float) -> str | Reply: ...


class BackendUnavailable(Exception):
    """The backend cannot answer now (its model host is gone, or it timed out): HTTP 503."""


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """The system text (system and developer turns joined) and the user/assistant turns, neighbours merged.

    Tool results count as user turns. Raises ToolFailure(invalid_input) unless the conversation ends with
    a user (or tool) turn, which is what a model continues.
    """
    system: list[str] = []
    turns: list[dict[str, str]] = []
    for message in messages:
        text = message.text()
        if message.role in ("system", "developer"):
            if text:
                system.append(text)
            continue
        role = "assistant" if message.role == "assistant" else "user"
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + text
        else:
            turns.append({"role": role, "content": text})
    if not turns or turns[-1]["role"] != "user":
        raise ToolFailure(FailureKind.invalid_input, "The last message must be a user (or tool) message.",
                          hint="End messages with the user's turn; the reply is the assistant's next turn.",
                          details={"param": "messages"})
    return "\n\n".join(system), turns


# ------------------------------------------------------------------------------------------ the app


def _error(status: int, message: str, kind: str, code: str | None = None, param: str | None = None) -> Any:
    from fastapi.responses import JSONResponse

    return JSONResponse(status_code=status,
                        content={"error": {"message": message, "type": kind, "param": param, "code": code}})


def build_app(backend: Backend, model_name: str, *, token: str | None = None, host: str = "127.0.0.1",
              allowed_hosts: Iterable[str] = (), default_max_tokens: int = DEFAULT_MAX_TOKENS,
              token_env: str = TOKEN_ENV, kind: str = "core") -> Any:
    """The ASGI app serving ``backend`` as the model ``model_name`` (any requested model name is accepted)."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, StreamingResponse
    from starlette.exceptions import HTTPException

    created = int(time.time())
    api = FastAPI(title="Goose Studio", docs_url=None, redoc_url=None, openapi_url=None)

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        first = problems[0] if problems else {}
        if first.get("type") == "json_invalid":
            return _error(400, "Invalid request: the body is not valid JSON.", "invalid_request_error",
                          "invalid_json")
        loc = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        message = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
                            for e in problems[:5])
        return _error(400, f"Invalid request: {message}", "invalid_request_error", "invalid_request", loc)

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kind = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
        return _error(exc.status_code, str(exc.detail), kind, str(exc.status_code))

    @api.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        return _error(500, f"The backend failed: {type(exc).__name__}: {str(exc)[:300]}", "server_error", "internal")

    def model_card() -> dict[str, Any]:
        return {"id": model_name, "object": "model", "created": created, "owned_by": "goose-studio"}

    @api.get("/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "model": model_name, "backend": kind}

    @api.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [model_card()]}

    @api.get("/v1/models/{model_id:path}")
    def model(model_id: str) -> Any:
        if model_id != model_name:
            return _error(404, f"The model '{model_id}' does not exist; this server serves '{model_name}'.",
                          "invalid_request_error", "model_not_found", "model")
        return model_card()

    @api.post("/v1/chat/completions")
    def chat_completions(request: ChatRequest) -> Any:
        max_tokens = request.max_completion_tokens or request.max_tokens or default_max_tokens
        streaming = request.stream and callable(getattr(backend, "stream", None))
        try:
            split_messages(request.messages)  # the conversation's shape, checked before the backend runs
            if streaming:
                pieces = iter(backend.stream(request.messages, max_tokens, request.temperature or 0.0))  # type: ignore[attr-defined]
                first = next(pieces, None)  # a failure before the first token is still an HTTP error
            else:
                answer = backend(request.messages, max_tokens, request.temperature or 0.0)
        except ToolFailure as failure:
            if failure.kind is FailureKind.invalid_input:
                return _error(400, failure.message, "invalid_request_error", "invalid_request",
                              failure.details.get("param"))
            return _error(503, failure.message, "server_error", failure.kind.value)
        except BackendUnavailable as exc:
            return _error(503, str(exc) or "The model is not available now.", "server_error", "unavailable")
        completion_id = f"chatcmpl-{secrets.token_hex(12)}"
        now = int(time.time())
        if streaming:
            return StreamingResponse(token_events(completion_id, now, first, pieces, max_tokens),
                                     media_type="text/event-stream", headers={"cache-control": "no-cache"})
        reply = answer if isinstance(answer, Reply) else Reply(text=str(answer))
        usage = None
        if reply.prompt_tokens is not None and reply.completion_tokens is not None:
            usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                     "total_tokens": reply.prompt_tokens + reply.completion_tokens}
        if not request.stream:
            return {"id": completion_id, "object": "chat.completion", "created": now, "model": model_name,
                    "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                                 "message": {"role": "assistant", "content": reply.text}}],
                    "usage": usage}

        def events() -> Iterator[str]:  # a backend that cannot stream: its whole reply in one content chunk
            base = {"id": completion_id, "object": "chat.completion.chunk", "created": now, "model": model_name}
            deltas = [({"role": "assistant", "content": ""}, None), ({"content": reply.text}, None),
                      ({}, reply.finish_reason)]
            for delta, finish in deltas:
                yield "data: " + json.dumps({**base, "choices": [{"index": 0, "delta": delta,
                                                                   "finish_reason": finish}]}) + "\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"cache-control": "no-cache"})

    def token_events(completion_id: str, now: int, first: str | None, pieces: Iterator[str],
                     max_tokens: int) -> Iterator[str]:
        """Server-sent events of a streaming backend: one chunk per generated piece, as it comes."""
        base = {"id": completion_id, "object": "chat.completion.chunk", "created": now, "model": model_name}

        def chunk(delta: dict[str, Any], finish: str | None) -> str:
            return "data: " + json.dumps({**base, "choices": [{"index": 0, "delta": delta,
                                                               "finish_reason": finish}]}) + "\n\n"

        yield chunk({"role": "assistant", "content": ""}, None)
        text = ""
        try:
            for piece in itertools.chain([first] if first else [], pieces):
                text += piece
                yield chunk({"content": piece}, None)
        except Exception as exc:  # the stream is already open: the error goes in it, OpenAI-shaped
            yield "data: " + json.dumps({"error": {"message": f"The backend failed: {type(exc).__name__}: "
                                                   f"{str(exc)[:300]}", "type": "server_error", "param": None,
                                                   "code": "internal"}}) + "\n\n"
            return
        counter = getattr(backend, "count_tokens", None)
        used = counter(text) if callable(counter) else None
        yield chunk({}, "length" if used is not None and used >= max_tokens else "stop")
        yield "data: [DONE]\n\n"

    app: Any = HostCheck(api, host_patterns(host, allowed_hosts))
    return BearerAuth(app, token, token_env) if token else app
