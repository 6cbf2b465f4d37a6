"""The MCP server over streamable HTTP.

Loopback by default. Binding any other address needs ``GOOSE_STUDIO_MCP_TOKEN``: every request must then
carry ``Authorization: Bearer <token>`` (when the variable is set, loopback binds check it too). Host and
Origin headers are checked against an allow-list (the SDK's DNS-rebinding protection).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import socket
import threading
from typing import Any, Iterable

from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..errors import FailureKind, ToolFailure
from ..workspace import Workspace

TOKEN_ENV = "GOOSE_STUDIO_MCP_TOKEN"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_patterns(host: str, extra: Iterable[str]) -> list[str]:
    names = {"127.0.0.1", "localhost", "[::1]"}
    bare = host.strip("[]")
    if bare in ("0.0.0.0", "::"):  # every interface: accept the machine's own names and addresses
        names.update({socket.gethostname(), socket.getfqdn()})
        try:
            names.update(socket.gethostbyname_ex(socket.gethostname())[2])
        except OSError:
            pass
    else:
        names.add(f"[{bare}]" if ":" in bare else bare)
    names.update(h for h in extra if h)
    return sorted(names)


def security_settings(host: str, port: int, allowed_hosts: Iterable[str] = ()) -> TransportSecuritySettings:
    names = _host_patterns(host, allowed_hosts)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[*names, *(f"{n}:*" for n in names)],
        allowed_origins=[f"{scheme}://{n}{port_part}" for n in names for scheme in ("http", "https")
                         for port_part in ("", ":*")],
    )


class BearerAuth:
    """ASGI middleware: every HTTP request needs ``Authorization: Bearer <token>``."""

    def __init__(self, app: Any, token: str, token_env: str = TOKEN_ENV) -> None:
        self.app = app
        self.token = token.encode()
        self.token_env = token_env

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan: no request to check
            await self.app(scope, receive, send)
            return
        given = b""
        for name, value in scope.get("headers") or []:
            if name.lower() == b"authorization":
                given = value
                break
        scheme, _, credential = given.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(credential.strip(), self.token):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": "unauthorized",
                           "message": f"Send Authorization: Bearer <token> (the server's {self.token_env})."}).encode()
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def check_bind(host: str, token: str | None, what: str = "MCP", token_env: str = TOKEN_ENV,
               token_use: str = "") -> None:
    """Refuse a non-loopback bind without a token (``what`` names the server, ``token_env`` its variable)."""
    if not is_loopback(host) and not token:
        raise ToolFailure(FailureKind.needs_user,
                          " ".join(filter(None, ["Refusing to serve", what, f"on {host}:"]))
                          + " a non-loopback address needs a token.",
                          hint=f"Set {token_env} to a long random secret (clients send it as a Bearer token"
                               f"{token_use}), or bind 127.0.0.1.")


def build_app(host: str = "127.0.0.1", port: int = DEFAULT_PORT, token: str | None = None,
              allowed_hosts: Iterable[str] = (), workspace: Workspace | None = None) -> Any:
    """The ASGI app: the MCP endpoint at /mcp and a /healthz probe (sessions, threads, open files)."""
    from .server import build_server

    check_bind(host, token)
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
    return BearerAuth(app, token) if token else app


def serve_http(host: str = "127.0.0.1", port: int = DEFAULT_PORT, allowed_hosts: Iterable[str] = (),
               workspace: Workspace | None = None) -> None:
    """Serve MCP over streamable HTTP until stopped. Raises ToolFailure for an unsafe bind."""
    import uvicorn

    token = os.environ.get(TOKEN_ENV) or None
    app = build_app(host, port, token, allowed_hosts, workspace)
    uvicorn.Server(uvicorn.Config(app, host=host.strip("[]"), port=port, log_level="warning",
                                  lifespan="on")).run()
