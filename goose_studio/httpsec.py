"""What every HTTP endpoint of the studio checks: the address it binds, the Host header, a bearer token.

Loopback binds are the default. A non-loopback bind needs a token (:func:`check_bind`), which clients send
as ``Authorization: Bearer <token>`` (:class:`BearerAuth`). :class:`HostCheck` answers 421 to a Host header
that is not one of the bound address's names, so a web page cannot reach a local server by DNS rebinding.
Used by the MCP server over HTTP, ``goose-studio serve``, the sampling bridge and the web UI.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import socket
from typing import Any, Iterable

from .errors import FailureKind, ToolFailure


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_patterns(host: str, extra: Iterable[str] = ()) -> list[str]:
    """The names a server bound to ``host`` answers to: loopback names, the bound address, ``extra``."""
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


def check_bind(host: str, token: str | None, what: str, token_env: str, token_use: str = "") -> None:
    """Refuse a non-loopback bind without a token (``what`` names the server, ``token_env`` its variable)."""
    if not is_loopback(host) and not token:
        raise ToolFailure(FailureKind.needs_user,
                          " ".join(filter(None, ["Refusing to serve", what, f"on {host}:"]))
                          + " a non-loopback address needs a token.",
                          hint=f"Set {token_env} to a long random secret (clients send it as a Bearer token"
                               f"{token_use}), or bind 127.0.0.1.",
                          details={"host": host, "token_env": token_env})


async def _send_json(send: Any, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": data})


class BearerAuth:
    """ASGI middleware: every HTTP request needs ``Authorization: Bearer <token>``."""

    def __init__(self, app: Any, token: str, token_env: str) -> None:
        self.app = app
        self.token = token.encode()
        self.token_env = token_env

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan: no request to check
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope.get("headers") or [] if k.lower() == b"authorization"), b"")
        scheme, _, credential = given.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(credential.strip(), self.token):
            await self.app(scope, receive, send)
            return
        await _send_json(send, 401, {"error": "unauthorized",
                                     "message": f"Send Authorization: Bearer <token> (the server's {self.token_env})."},
                         [(b"www-authenticate", b"Bearer")])


class HostCheck:
    """ASGI middleware: requests whose Host header is not one of ``allowed`` get 421 (an OpenAI-shaped error)."""

    def __init__(self, app: Any, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed}

    @staticmethod
    def host_name(host: str) -> str:
        host = host.strip().lower()
        if host.startswith("["):  # [::1]:8766
            return host[: host.find("]") + 1] if "]" in host else host
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope.get("headers") or [] if k.lower() == b"host"), "")
            if self.host_name(host) not in self.allowed:
                await _send_json(send, 421, {"error": {"message": f"Host '{host}' is not served here.",
                                                       "type": "invalid_request_error", "param": None,
                                                       "code": "host_not_allowed"}})
                return
        await self.app(scope, receive, send)
