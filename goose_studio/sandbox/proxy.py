"""The studio's side of the "registries" policy: an HTTP proxy on a Unix socket that lets through only
the registry hosts of a :class:`~.registries.RegistryPolicy`.

The sandbox has no network namespace of its own beyond loopback; its launcher forwards
``127.0.0.1:3128`` to this socket. The proxy reads one request head: ``CONNECT host:port`` opens a tunnel
(TLS stays end to end between the package manager and the registry), an absolute-form request
(``GET http://host/path``) is passed on with the request line rewritten. Any other host gets
``403`` and is recorded in :attr:`RegistryProxy.blocked`, and the sandbox log says so. Hosts are resolved
here, not in the sandbox, which has no DNS. When the studio itself sits behind a proxy
(``HTTPS_PROXY``), tunnels go through it.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from .registries import RegistryPolicy

HEAD_LIMIT = 64 * 1024
CONNECT_TIMEOUT_S = 20.0
MAX_CONNECTIONS = 64  # at once; more are answered 503 (a sandbox cannot make the studio start threads)


def _read_head(sock: socket.socket) -> tuple[bytes, bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > HEAD_LIMIT:
            return None
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def _tunnel(a: socket.socket, b: socket.socket) -> None:
    a.settimeout(None)
    b.settimeout(None)
    other = threading.Thread(target=_pump, args=(b, a), daemon=True)
    other.start()
    _pump(a, b)
    other.join()
    a.close()
    b.close()


def upstream_proxy() -> tuple[str, int] | None:
    """The proxy the studio itself must use for HTTPS, if its environment names one."""
    url = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    if not url:
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    return (parts.hostname, parts.port or 3128) if parts.hostname else None


def open_connection(host: str, port: int) -> socket.socket:
    """A TCP connection to ``host:port``, through the studio's own proxy when it has one."""
    upstream = upstream_proxy()
    if upstream is None:
        return socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
    sock = socket.create_connection(upstream, timeout=CONNECT_TIMEOUT_S)
    sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    got = _read_head(sock)
    if not got or b" 200" not in got[0].split(b"\r\n", 1)[0]:
        sock.close()
        raise OSError(f"the upstream proxy refused {host}:{port}")
    return sock


class RegistryProxy:
    """An allowlisting HTTP proxy listening on a Unix socket, one thread per connection."""

    def __init__(self, socket_path: Path, policy: RegistryPolicy,
                 note: Callable[[str], None] | None = None) -> None:
        self.socket_path = Path(socket_path)
        self.policy = policy
        self.note = note or (lambda _text: None)
        self.blocked: list[str] = []
        self.allowed = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket_path.unlink(missing_ok=True)
        self._server.bind(str(self.socket_path))
        os.chmod(self.socket_path, 0o666)
        self._server.listen(64)
        self._server.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True, name="sandbox-proxy")
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            if not self._slots.acquire(blocking=False):
                self._answer(client, b"503 Service Unavailable")
                continue
            threading.Thread(target=self._guarded, args=(client,), daemon=True).start()

    def _guarded(self, client: socket.socket) -> None:
        try:
            self._handle(client)
        finally:
            self._slots.release()

    def _refuse(self, client: socket.socket, target: str, code: bytes = b"403 Forbidden") -> None:
        with self._lock:
            if target not in self.blocked:
                self.blocked.append(target)
        self.note(f"registry policy: refused a connection to {target}")
        self._answer(client, code)

    @staticmethod
    def _answer(client: socket.socket, code: bytes) -> None:
        try:
            client.sendall(b"HTTP/1.1 " + code + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
        client.close()

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(CONNECT_TIMEOUT_S)
        try:
            got = _read_head(client)
        except OSError:
            got = None
        if got is None:
            client.close()
            return
        head, rest = got
        first, _, headers = head.partition(b"\r\n")
        try:
            method, target, version = first.decode("latin-1").split(" ", 2)
        except ValueError:
            self._refuse(client, "(malformed request)", b"400 Bad Request")
            return
        if method.upper() == "CONNECT":
            host, _, port_s = target.rpartition(":")
            host = host.strip("[]")
            port = int(port_s) if port_s.isdigit() else 443
            request = b""
        else:
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                self._refuse(client, target[:200], b"400 Bad Request")
                return
            host, port = parts.hostname, parts.port or 80
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            request = f"{method} {path} {version}\r\n".encode("latin-1") + headers + b"\r\n\r\n" + rest
        if not self.policy.allows(host, port):
            self._refuse(client, f"{host}:{port}")
            return
        try:
            upstream = open_connection(host, port)
        except OSError as exc:
            self.note(f"registry policy: {host}:{port} unreachable ({exc})")
            self._answer(client, b"502 Bad Gateway")
            return
        with self._lock:
            self.allowed += 1
        try:
            if request:
                upstream.sendall(request)
            else:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
        except OSError:
            client.close()
            upstream.close()
            return
        _tunnel(client, upstream)

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(2)
        self.socket_path.unlink(missing_ok=True)
