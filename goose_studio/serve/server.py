"""Serving an app on a socket: in the foreground (``goose-studio serve``) or in a background thread (the MCP
server's sampling bridge, tests).

Loopback by default. Binding any other address needs ``GOOSE_STUDIO_SERVE_TOKEN``: every request must then
carry ``Authorization: Bearer <token>`` (when the variable is set, loopback binds check it too).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import FailureKind, ToolFailure
from ..httpsec import check_bind as bind_check
from ..workspace import Workspace
from .api import TOKEN_ENV, build_app
from .backend import load_core_backend

DEFAULT_PORT = 8766


# ------------------------------------------------------------------------------------------ serving


def check_bind(host: str, token: str | None) -> None:
    bind_check(host, token, what="", token_env=TOKEN_ENV, token_use=", i.e. the OpenAI api_key")


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
          on_ready: Callable[[str, str], None] | None = None, retrieval: bool = True) -> None:
    """Serve ``core`` until stopped (answering from its retrieval index unless ``retrieval`` is off).
    ``on_ready(model_name, base_url)`` is called once it accepts requests.

    Raises ToolFailure before serving: an unsafe bind, a busy port, an unknown or unloadable core.
    """
    token = os.environ.get(TOKEN_ENV) or None
    check_bind(host, token)
    ws = workspace or Workspace.from_env()
    ws.ensure()
    sock = bind_socket(host, port)
    try:
        backend = load_core_backend(ws, core, base_model_path, retrieval=retrieval)
        app = build_app(backend, backend.model_name, token=token, host=host, allowed_hosts=allowed_hosts)
        server = _uvicorn_server(app, sock)
        if on_ready is not None:
            bound = sock.getsockname()[1]
            shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
            on_ready(backend.model_name, f"http://{shown}:{bound}/v1")
        server.run(sockets=[sock])
    finally:
        sock.close()
