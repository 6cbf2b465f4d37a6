"""The MCP sampling bridge: the host's model, reachable by a run's worker as an OpenAI-compatible endpoint.

A run's agents live in a detached worker process; the MCP host's model is reachable only through the MCP
session of the server that started the run. When ``learn`` or ``resume_run`` is called by a host that
advertises sampling (and no other brain is configured), the server starts, once, a loopback-only endpoint
(:func:`goose_studio.serve.build_app`) protected by a random bearer token, whose backend forwards each chat
request to the host with ``session.create_message`` on the server's event loop. The worker is given
``GOOSE_STUDIO_LLM_BASE_URL`` / ``_API_KEY`` / ``_MODEL=host-sampling``, so its brain is the ``sampling``
brain (:func:`goose_studio.agents.brain.brain_from_env`).

The newest host session that can sample is the one used. When it is gone (the host disconnected) the
endpoint answers 503 and the brain's answer is None: the rules take over. When the server process exits, the
endpoint goes with it (connection refused: None again). Sampling needs a connection with a back-channel
for server-initiated requests, i.e. a handshake-era protocol version (what hosts speak today).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import secrets
import threading
import warnings
from collections.abc import Mapping
from typing import Any

from ..agents.brain import API_KEY_ENV, BASE_URL_ENV, BRAIN_ENV, HOST_SAMPLING_MODEL, MODEL_ENV, TIMEOUT_ENV
from ..serve import BackendUnavailable, BackgroundServer, ChatMessage, Reply, bind_socket, build_app, split_messages

log = logging.getLogger(__name__)

#: The MCP tools whose workers get the bridge.
WORKER_TOOLS = frozenset({"learn", "resume_run"})
#: How long the bridge waits for the host; workers' brains wait as long (hosts' models are slower than a
#: local endpoint), unless GOOSE_STUDIO_LLM_TIMEOUT says otherwise.
DEFAULT_TIMEOUT_S = 60.0


def host_can_sample(ctx: Any) -> bool:
    """Whether the calling host declared sampling and its connection can carry a server-to-host request."""
    from mcp_types import ClientCapabilities, SamplingCapability
    from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

    try:
        if ctx.protocol_version not in HANDSHAKE_PROTOCOL_VERSIONS:
            return False
        return bool(ctx.session.check_client_capability(ClientCapabilities(sampling=SamplingCapability())))
    except Exception:  # no request context, or a session that cannot say: no sampling
        return False


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
        if other_brain_configured() or not host_can_sample(ctx):
            return None
        try:
            self.attach(ctx.session, asyncio.get_running_loop())
            import anyio.to_thread

            return await anyio.to_thread.run_sync(self.start) or None
        except Exception as exc:
            log.warning("sampling bridge not available: %s: %s", type(exc).__name__, exc)
            return None

    # -------------------------------------------------------------------- the backend

    def __call__(self, messages: list[ChatMessage], max_tokens: int, temperature: float) -> Reply:
        with self._lock:
            session, loop = self._session, self._loop
        if session is None or loop is None or loop.is_closed() or not loop.is_running():
            raise BackendUnavailable("No MCP host session can sample now; the host disconnected.")
        system, turns = split_messages(messages)
        future = asyncio.run_coroutine_threadsafe(self._sample(session, system, turns, max_tokens, temperature), loop)
        try:
            result = future.result(self.timeout_s)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise BackendUnavailable(f"The MCP host did not answer within {self.timeout_s:g} s.") from None
        except Exception as exc:  # the session closed, or the host refused: no answer from it
            message = str(exc) or type(exc).__name__
            if "closed" in message.lower():
                self.detach(session)
            raise BackendUnavailable(f"The MCP host could not sample: {message[:300]}") from None
        content = result.content
        parts = content if isinstance(content, list) else [content]
        text = "".join(getattr(p, "text", "") or "" for p in parts if getattr(p, "type", "") == "text")
        if not text and parts:
            raise BackendUnavailable("The MCP host answered with no text.")
        return Reply(text=text, finish_reason="length" if result.stop_reason == "maxTokens" else "stop")

    @staticmethod
    async def _sample(session: Any, system: str, turns: list[dict[str, str]], max_tokens: int,
                      temperature: float) -> Any:
        from mcp.shared.exceptions import MCPDeprecationWarning
        from mcp_types import SamplingMessage, TextContent

        messages = [SamplingMessage(role=t["role"], content=TextContent(type="text", text=t["content"]))
                    for t in turns]
        with warnings.catch_warnings():  # deprecated for the next protocol era; what hosts speak today
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            request = session.create_message(messages, max_tokens=max_tokens, system_prompt=system or None,
                                             temperature=temperature)
        return await request


__all__ = ["SamplingBridge", "WORKER_TOOLS", "host_can_sample", "other_brain_configured"]
