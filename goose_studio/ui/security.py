"""What the web UI adds to :mod:`goose_studio.httpsec`: the Origin check, the token a browser carries as a
cookie, and the headers every answer gets.

- :class:`OriginCheck` answers 403 to a request whose ``Origin`` is not this server (a page elsewhere
  posting to the studio), and to one a browser marks ``Sec-Fetch-Site: cross-site``. Requests without
  either header (curl, scripts) pass on to the other checks.
- :class:`TokenCookie` lets a browser use the token: ``GET /?token=<token>`` sets it as an HttpOnly,
  SameSite=Strict cookie and sends the browser on to ``/`` without it; afterwards the cookie stands for
  ``Authorization: Bearer <token>``, which :class:`~goose_studio.httpsec.BearerAuth` checks.
- :func:`page_headers` / :data:`API_HEADERS`: a Content-Security-Policy allowing only the page's own
  inline scripts (by nonce) and requests to this server, no framing by other sites, no sniffing.
"""

from __future__ import annotations

import hmac
import json
from http.cookies import SimpleCookie
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

COOKIE = "goose_studio_ui"
#: Headers of every answer that is not the page.
API_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store"}


def page_headers(nonce: str) -> dict[str, str]:
    """The page's headers: scripts only with ``nonce``, connections only to this server, no framing."""
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; "
           "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
    return {**API_HEADERS, "content-security-policy": csp, "x-frame-options": "DENY"}


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _refuse(send: Any, status: int, error: str, message: str) -> None:
    body = json.dumps({"ok": False, "failure": {"kind": "invalid_input", "message": message, "hint": "",
                                                "details": {"error": error}}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class OriginCheck:
    """ASGI middleware: a request from another site's page gets 403 (see the module's docstring)."""

    def __init__(self, app: Any, allowed_hosts: Iterable[str], port: int) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts}
        self.port = port

    def origin_ok(self, origin: str) -> bool:
        if origin == "null":
            return False
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return host.lower() in self.allowed and port == self.port

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            origin = _header(scope, b"origin")
            if origin is not None and not self.origin_ok(origin):
                await _refuse(send, 403, "origin_not_allowed", f"Requests from {origin} are not served here.")
                return
            if (_header(scope, b"sec-fetch-site") or "").lower() == "cross-site":
                await _refuse(send, 403, "cross_site", "Requests from another site's page are not served here.")
                return
        await self.app(scope, receive, send)


class TokenCookie:
    """ASGI middleware in front of ``BearerAuth``: the token as a browser carries it (module docstring)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token

    def _matches(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(value.encode(), self.token.encode())

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [None])[0]
        if scope.get("method") == "GET" and scope.get("path") == "/" and self._matches(given):
            cookie = (f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                      + ("; Secure" if scope.get("scheme") == "https" else ""))
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", b"/"), (b"set-cookie", cookie.encode()),
                                    (b"cache-control", b"no-store"), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        jar = SimpleCookie()
        try:
            jar.load(_header(scope, b"cookie") or "")
        except Exception:  # a malformed cookie header is simply no cookie
            jar = SimpleCookie()
        if COOKIE in jar and self._matches(jar[COOKIE].value) and _header(scope, b"authorization") is None:
            headers = [*scope.get("headers", []), (b"authorization", f"Bearer {self.token}".encode())]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)
