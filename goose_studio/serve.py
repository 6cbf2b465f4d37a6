"""``goose-studio serve``: an OpenAI-compatible chat endpoint for a core, the embedded model, or the MCP host.

The app (:func:`build_app`) answers ``GET /v1/models``, ``POST /v1/chat/completions`` (a JSON reply, or
server-sent events with ``stream: true``) and ``GET /health``, so any OpenAI client, and the studio's own
brain, can talk to it. Errors are OpenAI-shaped JSON (``{"error": {"message", "type", "param", "code"}}``):
4xx for a bad request, 503 when the backend cannot answer now, never a traceback.

What answers is a *backend*: a callable taking the chat messages, ``max_tokens`` and ``temperature`` and
returning the reply text (or a :class:`Reply` with token counts). :class:`CoreBackend` is a base model with a
core's LoRA adapter (or the embedded model alone) and the chat template it was trained with; the MCP server's
sampling bridge (:mod:`goose_studio.mcp_server.sampling`) is another.

Loopback by default. Binding any other address needs ``GOOSE_STUDIO_SERVE_TOKEN``: every request must then
carry ``Authorization: Bearer <token>`` (when the variable is set, loopback binds check it too). The Host
header is checked against the bound address's names, so a web page cannot reach the server by DNS rebinding.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import FailureKind, ToolFailure
from .workspace import Workspace

TOKEN_ENV = "GOOSE_STUDIO_SERVE_TOKEN"
DEFAULT_PORT = 8766
DEFAULT_MAX_TOKENS = 256
MAX_TOKENS_LIMIT = 4096
EMBEDDED = "embedded"


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


class HostCheck:
    """ASGI middleware: requests whose Host header is not one of the bound address's names get 421."""

    def __init__(self, app: Any, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed}

    @staticmethod
    def _name(host: str) -> str:
        host = host.strip().lower()
        if host.startswith("["):  # [::1]:8766
            return host[: host.find("]") + 1] if "]" in host else host
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope.get("headers") or [] if k.lower() == b"host"), "")
            if self._name(host) not in self.allowed:
                body = json.dumps({"error": {"message": f"Host '{host}' is not served here.",
                                             "type": "invalid_request_error", "param": None,
                                             "code": "host_not_allowed"}}).encode()
                await send({"type": "http.response.start", "status": 421,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def build_app(backend: Backend, model_name: str, *, token: str | None = None, host: str = "127.0.0.1",
              allowed_hosts: Iterable[str] = (), default_max_tokens: int = DEFAULT_MAX_TOKENS,
              token_env: str = TOKEN_ENV, kind: str = "core") -> Any:
    """The ASGI app serving ``backend`` as the model ``model_name`` (any requested model name is accepted)."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, StreamingResponse
    from starlette.exceptions import HTTPException

    from .mcp_server.http import BearerAuth, _host_patterns

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
        try:
            split_messages(request.messages)  # the conversation's shape, checked before the backend runs
            answer = backend(request.messages, max_tokens, request.temperature or 0.0)
        except ToolFailure as failure:
            if failure.kind is FailureKind.invalid_input:
                return _error(400, failure.message, "invalid_request_error", "invalid_request",
                              failure.details.get("param"))
            return _error(503, failure.message, "server_error", failure.kind.value)
        except BackendUnavailable as exc:
            return _error(503, str(exc) or "The model is not available now.", "server_error", "unavailable")
        reply = answer if isinstance(answer, Reply) else Reply(text=str(answer))
        completion_id = f"chatcmpl-{secrets.token_hex(12)}"
        now = int(time.time())
        usage = None
        if reply.prompt_tokens is not None and reply.completion_tokens is not None:
            usage = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                     "total_tokens": reply.prompt_tokens + reply.completion_tokens}
        if not request.stream:
            return {"id": completion_id, "object": "chat.completion", "created": now, "model": model_name,
                    "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                                 "message": {"role": "assistant", "content": reply.text}}],
                    "usage": usage}

        def events() -> Iterator[str]:  # the whole reply in one content chunk: generation is not incremental
            base = {"id": completion_id, "object": "chat.completion.chunk", "created": now, "model": model_name}
            deltas = [({"role": "assistant", "content": ""}, None), ({"content": reply.text}, None),
                      ({}, reply.finish_reason)]
            for delta, finish in deltas:
                yield "data: " + json.dumps({**base, "choices": [{"index": 0, "delta": delta,
                                                                   "finish_reason": finish}]}) + "\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"cache-control": "no-cache"})

    app: Any = HostCheck(api, _host_patterns(host, allowed_hosts))
    return BearerAuth(app, token, token_env) if token else app


# ------------------------------------------------------------------------------------------ a core as backend


class CoreBackend:
    """A base model, with a core's LoRA adapter on it or none, answering with the template it was trained with.

    The whole conversation goes through LLaMA-Factory's chat template (the one training used), system
    turns included; the oldest prompt tokens are dropped when it is longer than the context budget. One
    generation at a time.
    """

    def __init__(self, base: Path, adapter: Path | None, template: str, model_name: str,
                 cutoff_len: int = 2048) -> None:
        from .tools.evaluate import _Scorer

        self.base = base
        self.adapter = adapter
        self.template = template
        self.model_name = model_name
        self.cutoff_len = cutoff_len
        self.scorer = _Scorer(str(base), str(adapter) if adapter else None, template, cutoff_len)
        self._lock = threading.Lock()

    def encode(self, messages: list[ChatMessage], max_tokens: int) -> list[int]:
        system, turns = split_messages(messages)
        if turns[0]["role"] != "user":  # the template's turns start with the user
            turns.insert(0, {"role": "user", "content": ""})
        turns.append({"role": "assistant", "content": ""})
        prompt_ids, _ = self.scorer.template.encode_oneturn(self.scorer.tokenizer, turns, system or None)
        return prompt_ids[-max(16, self.cutoff_len - max_tokens):]

    def __call__(self, messages: list[ChatMessage], max_tokens: int, temperature: float) -> Reply:
        with self._lock:
            prompt_ids = self.encode(messages, max_tokens)
            text, n_tokens, stopped = self.scorer.generate_ids(prompt_ids, max_tokens, temperature)
        return Reply(text=text, finish_reason="stop" if stopped else "length", prompt_tokens=len(prompt_ids),
                     completion_tokens=n_tokens)


def load_core_backend(ws: Workspace, core: str, base_model_path: str | None = None) -> CoreBackend:
    """``embedded`` (the embedded base model, no adapter), or a core by name or .gcpkg path, loaded.

    Raises ToolFailure: not_found for an unknown core, missing_dependency / corrupted when its base model
    or adapter cannot be loaded.
    """
    if core == EMBEDDED:
        from .tools.models import materialize_embedded, model_card

        base = Path(base_model_path) if base_model_path else materialize_embedded(ws.cache)
        if not (base / "config.json").is_file():
            raise ToolFailure(FailureKind.missing_dependency, f"There is no model folder at {base}.",
                              hint="Omit --base-model-path to use the embedded model.")
        template, adapter, name = str(model_card(base).get("template") or "default"), None, EMBEDDED
    else:
        from .mcp_server.control import _adapter_from_core, core_path

        path = core_path(ws, core)
        base, template, found = _adapter_from_core(ws, path, base_model_path)
        adapter, name = found, path.stem
    try:
        return CoreBackend(base, adapter, template, name)
    except ImportError as exc:
        raise ToolFailure(FailureKind.missing_dependency, f"A package serving needs is missing: {exc}.",
                          hint="Run `bash scripts/setup.sh`.") from None
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        what = f"The adapter does not load onto {base}" if adapter else f"The model at {base} does not load"
        raise ToolFailure(FailureKind.corrupted, f"{what}: {type(exc).__name__}: {str(exc)[:300]}",
                          hint="Check the core with `goose-studio validate`, or pass --base-model-path.") from None


# ------------------------------------------------------------------------------------------ serving


def check_bind(host: str, token: str | None) -> None:
    from .mcp_server.http import check_bind as check

    check(host, token, what="", token_env=TOKEN_ENV, token_use=", i.e. the OpenAI api_key")


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: any free port). ToolFailure when it cannot be bound."""
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((bare, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ToolFailure(FailureKind.invalid_input, f"Cannot listen on {host}:{port}: {exc.strerror or exc}.",
                          hint="Pick another --port (or stop what uses this one), or check --host.",
                          details={"host": host, "port": port}) from None
    return sock


def _uvicorn_server(app: Any, sock: socket.socket) -> Any:
    import uvicorn

    host, port = sock.getsockname()[:2]
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off",
                                         access_log=False))


class BackgroundServer:
    """An app served by uvicorn in a daemon thread on an already bound socket (for in-process endpoints)."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self.sock = sock
        self.port: int = sock.getsockname()[1]
        self.server = _uvicorn_server(app, sock)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]},
                                       name=f"goose-studio-serve-{self.port}", daemon=True)

    def start(self, timeout_s: float = 10.0) -> "BackgroundServer":
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.server.started:
            self.stop()
            raise ToolFailure(FailureKind.internal, "The local endpoint did not start.",
                              details={"port": self.port})
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout_s)
        self.sock.close()


def serve(core: str, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, base_model_path: str | None = None,
          allowed_hosts: Iterable[str] = (), workspace: Workspace | None = None,
          on_ready: Callable[[str, str], None] | None = None) -> None:
    """Serve ``core`` until stopped. ``on_ready(model_name, base_url)`` is called once it accepts requests.

    Raises ToolFailure before serving: an unsafe bind, a busy port, an unknown or unloadable core.
    """
    token = os.environ.get(TOKEN_ENV) or None
    check_bind(host, token)
    ws = workspace or Workspace.from_env()
    ws.ensure()
    sock = bind_socket(host, port)
    try:
        backend = load_core_backend(ws, core, base_model_path)
        app = build_app(backend, backend.model_name, token=token, host=host, allowed_hosts=allowed_hosts)
        server = _uvicorn_server(app, sock)
        if on_ready is not None:
            bound = sock.getsockname()[1]
            shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
            on_ready(backend.model_name, f"http://{shown}:{bound}/v1")
        server.run(sockets=[sock])
    finally:
        sock.close()


__all__ = ["Backend", "BackendUnavailable", "BackgroundServer", "ChatMessage", "ChatRequest", "CoreBackend",
           "DEFAULT_PORT", "Reply", "TOKEN_ENV", "bind_socket", "build_app", "check_bind", "load_core_backend",
           "serve", "split_messages"]
