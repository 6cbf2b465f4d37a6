"""The MCP sampling bridge: the host's model, reachable by a run's worker as an OpenAI-compatible endpoint.

A run's agents live in a detached worker process; the MCP host's model is reachable only through the MCP
session of the server that started the run. When a tool that starts a worker (``learn``, ``resume_run``:
``starts_worker`` in the registry) is called by a host that
advertises sampling (and no other brain is configured), the server starts, once, a loopback-only endpoint
(:func:`goose_studio.serve.build_app`) protected by a random bearer token, whose backend forwards each chat
request to the host with ``session.create_message`` on the server's event loop. The worker is given
``GOOSE_STUDIO_LLM_BASE_URL`` / ``_API_KEY`` / ``_MODEL=host-sampling``, so its brain is the ``sampling``
brain (:func:`goose_studio.agents.brain.brain_from_env`).

How a request reaches the host depends on the protocol version the host speaks:

- **Handshake era** (up to 2025-11-25, a session with a back-channel): the request is sent at once with
  ``session.create_message``. The newest host session that can sample is the one used; when it is gone (the
  host disconnected) the endpoint answers 503.
- **2026-07-28 and later** (no back-channel; a server asks for input inside a call's result): the request
  waits in a queue until the host next calls a polled tool (``run_status`` or ``list_runs``: ``polled`` in
  the registry) — what a host following a run does. That call's result is then ``input_required`` with the sampling request (the SDK's ``Sample``
  resolver); the host answers it and retries the call, and the answer goes to the waiting worker. Each
  request is offered to one call only, so a host that refuses to sample loses one call, never all of them.
  With no such host seen lately the endpoint answers 503 at once.

Either way a host that does not answer within the timeout gives 503 too, and the brain's answer is None: the
rules take over. When the server process exits, the endpoint goes with it (connection refused: None again).
"""

import asyncio
import concurrent.futures
import logging
import os
import secrets
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import mcp_types as types
from mcp.server.mcpserver import Context, Resolve, Sample
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, is_version_at_least

from ..agents.brain import API_KEY_ENV, BASE_URL_ENV, BRAIN_ENV, HOST_SAMPLING_MODEL, MODEL_ENV, TIMEOUT_ENV
from ..serve import BackendUnavailable, BackgroundServer, ChatMessage, Reply, bind_socket, build_app, split_messages

log = logging.getLogger(__name__)

#: The first protocol version with no back-channel, where input is asked for inside a call's result.
INPUT_REQUIRED_VERSION = "2026-07-28"
#: How long after a 2026-07-28+ host that can sample was last seen a request still waits for it.
HOST_PRESENCE_S = 600.0
#: How long the bridge waits for the host; workers' brains wait as long (hosts' models are slower than a
#: local endpoint), unless GOOSE_STUDIO_LLM_TIMEOUT says otherwise.
DEFAULT_TIMEOUT_S = 60.0


def sampling_route(ctx: Any) -> str | None:
    """How the calling host can be asked to sample: "session" (handshake era), "polled" (2026-07-28+), or None.

    None when it declared no sampling, or outside a request.
    """
    try:
        version = ctx.protocol_version
        if version in HANDSHAKE_PROTOCOL_VERSIONS:
            wanted = types.ClientCapabilities(sampling=types.SamplingCapability())
            return "session" if ctx.session.check_client_capability(wanted) else None
        if version and is_version_at_least(version, INPUT_REQUIRED_VERSION):
            capabilities = ctx.client_capabilities
            return "polled" if capabilities is not None and capabilities.sampling is not None else None
    except Exception:  # no request context, or a session that cannot say: no sampling
        return None
    return None


@dataclass
class _Queued:
    """A worker's request waiting for a 2026-07-28+ host to poll (built once: it renders the same each round)."""

    id: str
    sample: Sample
    answered: threading.Event = field(default_factory=threading.Event)
    offered_at: float | None = None
    result: Any = None


def other_brain_configured(env: Mapping[str, str] | None = None) -> bool:
    """An endpoint (or the rules) chosen by the user wins over the host's model."""
    env = os.environ if env is None else env
    return bool((env.get(BASE_URL_ENV) or "").strip()) or (env.get(BRAIN_ENV) or "").strip().lower() == "rules"


class SamplingBridge:
    """The lazily started endpoint and the host session it forwards to (one per MCP server)."""

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self.token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()
        self._session: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: BackgroundServer | None = None
        self._queue: dict[str, _Queued] = {}
        self._polled_host_seen: float | None = None

    @property
    def wait_s(self) -> float:
        """How long a request waits for the host: a little under the worker's own timeout (the same value),
        so the worker gets a clean 503 and no question it gave up on is still waiting to be offered."""
        return max(0.2, min(self.timeout_s * 0.9, self.timeout_s - 0.5))

    # -------------------------------------------------------------------- the endpoint

    @property
    def base_url(self) -> str | None:
        return f"http://127.0.0.1:{self._server.port}/v1" if self._server is not None else None

    def start(self) -> dict[str, str]:
        """Start the endpoint if it is not running; returns the environment that points a worker at it."""
        with self._lock:
            if self._server is None:
                app = build_app(self, HOST_SAMPLING_MODEL, token=self.token, host="127.0.0.1",
                                token_env="sampling bridge token", kind="sampling")
                self._server = BackgroundServer(app, bind_socket("127.0.0.1", 0)).start()
                log.info("sampling bridge listening on %s", self.base_url)
        return self.worker_env()

    def worker_env(self) -> dict[str, str]:
        if self.base_url is None:
            return {}
        env = {BASE_URL_ENV: self.base_url, API_KEY_ENV: self.token, MODEL_ENV: HOST_SAMPLING_MODEL}
        if not (os.environ.get(TIMEOUT_ENV) or "").strip():
            env[TIMEOUT_ENV] = f"{self.timeout_s:g}"
        return env

    def close(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            self._session = self._loop = None
            self._polled_host_seen = None
            waiting = list(self._queue.values())
        for queued in waiting:  # nobody will answer them now
            queued.answered.set()
        if server is not None:
            server.stop()

    # -------------------------------------------------------------------- the host

    def attach(self, session: Any, loop: asyncio.AbstractEventLoop) -> None:
        """Forward to ``session`` (a host session that can sample), driven on ``loop``, from now on."""
        with self._lock:
            self._session, self._loop = session, loop

    def detach(self, session: Any | None = None) -> None:
        with self._lock:
            if session is None or session is self._session:
                self._session = self._loop = None

    async def worker_env_for(self, ctx: Any) -> dict[str, str] | None:
        """For a learn/resume_run call: the worker's environment for the host's model, or None.

        None when another brain is configured, the host cannot sample, or the endpoint did not start
        (the run then uses whatever brain its environment gives it; it never fails for this).
        """
        route = None if other_brain_configured() else sampling_route(ctx)
        if route is None:
            return None
        try:
            if route == "session":
                self.attach(ctx.session, asyncio.get_running_loop())
            else:
                self._host_seen()
            import anyio.to_thread

            return await anyio.to_thread.run_sync(self.start) or None
        except Exception as exc:
            log.warning("sampling bridge not available: %s: %s", type(exc).__name__, exc)
            return None

    # -------------------------------------------------------------------- the backend

    def __call__(self, messages: list[ChatMessage], max_tokens: int, temperature: float) -> Reply:
        with self._lock:
            session, loop = self._session, self._loop
        system, turns = split_messages(messages)
        if session is not None and loop is not None and not loop.is_closed() and loop.is_running():
            return _reply(self._ask_session(session, loop, system, turns, max_tokens, temperature))
        if self._polled_host_present():
            return _reply(self._ask_polled(system, turns, max_tokens, temperature))
        raise BackendUnavailable("No MCP host can sample now; the host disconnected.")

    def _ask_session(self, session: Any, loop: asyncio.AbstractEventLoop, system: str, turns: list[dict[str, str]],
                     max_tokens: int, temperature: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(self._sample(session, system, turns, max_tokens, temperature), loop)
        try:
            return future.result(self.wait_s)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise BackendUnavailable(f"The MCP host did not answer within {self.wait_s:g} s.") from None
        except Exception as exc:  # the session closed, or the host refused: no answer from it
            message = str(exc) or type(exc).__name__
            if "closed" in message.lower():
                self.detach(session)
            raise BackendUnavailable(f"The MCP host could not sample: {message[:300]}") from None

    # -------------------------------------------------------------------- 2026-07-28+: asked inside a poll

    def _host_seen(self) -> None:
        with self._lock:
            self._polled_host_seen = time.monotonic()

    def _polled_host_present(self) -> bool:
        with self._lock:
            seen = self._polled_host_seen
        return seen is not None and time.monotonic() - seen <= HOST_PRESENCE_S

    def _ask_polled(self, system: str, turns: list[dict[str, str]], max_tokens: int, temperature: float) -> Any:
        request_id = secrets.token_hex(8)
        sample = Sample(_messages(turns), max_tokens=max_tokens, system_prompt=system or None,
                        temperature=temperature, metadata={"goose_studio_request": request_id})
        queued = _Queued(request_id, sample)
        with self._lock:
            self._queue[queued.id] = queued
        try:
            queued.answered.wait(self.wait_s)
        finally:
            with self._lock:
                self._queue.pop(queued.id, None)
        if queued.result is None:
            offered = "was shown the question but did not answer" if queued.offered_at else "did not poll"
            raise BackendUnavailable(f"The MCP host {offered} within {self.wait_s:g} s.")
        return queued.result

    def offer(self, ctx: Any) -> str | None:
        """For a polling call: the id of the queued request this call carries to the host, or None.

        A first round takes the oldest request not yet offered; the retry that brings the host's answer
        (it carries ``request_state``) names the request offered last, so the request renders the same.
        """
        if sampling_route(ctx) != "polled" or other_brain_configured():
            return None
        self._host_seen()
        with self._lock:
            if ctx.request_state is None:
                fresh = next((q for q in self._queue.values() if q.offered_at is None), None)
                if fresh is not None:
                    fresh.offered_at = time.monotonic()
                return fresh.id if fresh else None
            offered = [q for q in self._queue.values() if q.offered_at is not None]
            return max(offered, key=lambda q: q.offered_at).id if offered else None

    def sample_request(self, request_id: str | None) -> Sample | None:
        with self._lock:
            queued = self._queue.get(request_id) if request_id else None
        return queued.sample if queued is not None else None

    def deliver(self, request_id: str | None, result: Any) -> bool:
        with self._lock:
            queued = self._queue.get(request_id) if request_id else None
        if queued is None or result is None:
            return False
        queued.result = result
        queued.answered.set()
        return True

    def polling_resolver(self) -> Any:
        """What fills a polling tool's hidden parameter: asks the host (first round), delivers (the retry)."""

        # Async, so the SDK runs them on the event loop: each is a few dict lookups (no thread hop per poll).
        async def queued_request(ctx: Context) -> str | None:
            return self.offer(ctx)

        async def host_sample(request_id: Annotated[str | None, Resolve(queued_request)]) -> Sample | None:
            return self.sample_request(request_id)

        async def host_answer(request_id: Annotated[str | None, Resolve(queued_request)],
                              result: Annotated[types.CreateMessageResult | None, Resolve(host_sample)]) -> bool:
            return self.deliver(request_id, result)

        return host_answer

    @staticmethod
    async def _sample(session: Any, system: str, turns: list[dict[str, str]], max_tokens: int,
                      temperature: float) -> Any:
        from mcp.shared.exceptions import MCPDeprecationWarning

        with warnings.catch_warnings():  # deprecated from 2026-07-28 on; handshake-era sessions still take it
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            request = session.create_message(_messages(turns), max_tokens=max_tokens, system_prompt=system or None,
                                             temperature=temperature)
        return await request


def _messages(turns: list[dict[str, str]]) -> list[types.SamplingMessage]:
    return [types.SamplingMessage(role=t["role"], content=types.TextContent(type="text", text=t["content"]))
            for t in turns]


def _reply(result: Any) -> Reply:
    """A host's sampling result as the endpoint's reply (text only)."""
    content = result.content
    parts = content if isinstance(content, list) else [content]
    text = "".join(getattr(p, "text", "") or "" for p in parts if getattr(p, "type", "") == "text")
    if not text and parts:
        raise BackendUnavailable("The MCP host answered with no text.")
    return Reply(text=text, finish_reason="length" if result.stop_reason == "maxTokens" else "stop")


__all__ = ["SamplingBridge", "other_brain_configured", "sampling_route"]
