"""The MCP server over streamable HTTP.

Loopback by default. Binding any other address needs ``GOOSE_STUDIO_MCP_TOKEN``: every request must then
carry ``Authorization: Bearer <token>`` (when the variable is set, loopback binds check it too). Host and
Origin headers are checked against an allow-list (the SDK's DNS-rebinding protection).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Iterable

from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..httpsec import BearerAuth, check_bind, host_patterns
from ..workspace import Workspace
from .server import build_server

TOKEN_ENV = "GOOSE_STUDIO_MCP_TOKEN"
DEFAULT_PORT = 8765


def security_settings(host: str, port: int, allowed_hosts: Iterable[str] = ()) -> TransportSecuritySettings:
    names = host_patterns(host, allowed_hosts)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[*names, *(f"{n}:*" for n in names)],
        allowed_origins=[f"{scheme}://{n}{port_part}" for n in names for scheme in ("http", "https")
                         for port_part in ("", ":*")],
    )


def build_app(host: str = "127.0.0.1", port: int = DEFAULT_PORT, token: str | None = None,
              allowed_hosts: Iterable[str] = (), workspace: Workspace | None = None) -> Any:
    """The ASGI app: the MCP endpoint at /mcp and a /healthz probe (sessions, threads, open files)."""
    check_bind(host, token, what="MCP", token_env=TOKEN_ENV)
    server = build_server(workspace)

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(request: Request) -> JSONResponse:
        try:
            sessions = len(server.session_manager._server_instances)
        except (AttributeError, RuntimeError):
            sessions = None
        try:
            fds = len(os.listdir("/proc/self/fd"))
        except OSError:
            fds = None
        return JSONResponse({"ok": True, "sessions": sessions, "threads": threading.active_count(), "fds": fds})

    app = server.streamable_http_app(transport_security=security_settings(host, port, allowed_hosts), host=host)
    return BearerAuth(app, token, TOKEN_ENV) if token else app


def serve_http(host: str = "127.0.0.1", port: int = DEFAULT_PORT, allowed_hosts: Iterable[str] = (),
               workspace: Workspace | None = None) -> None:
    """Serve MCP over streamable HTTP until stopped. Raises ToolFailure for an unsafe bind."""
    import uvicorn

    token = os.environ.get(TOKEN_ENV) or None
    app = build_app(host, port, token, allowed_hosts, workspace)
    uvicorn.Server(uvicorn.Config(app, host=host.strip("[]"), port=port, log_level="warning",
                                  lifespan="on")).run()
