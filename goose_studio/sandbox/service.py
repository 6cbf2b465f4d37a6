"""A long-running sandboxed app as the studio sees it: a URL on the host's loopback, its logs, a stop.

The app has no network; it listens on its port inside its own network namespace (``PORT`` in its
environment). The launcher inside relays a Unix socket in the sandbox's run folder to that port, and
:class:`Service` listens on a free port of the host's ``127.0.0.1`` and relays each connection to that
socket, so the studio (and a browser it drives) reaches the app at :attr:`Service.url` and nothing else
does. :meth:`Service.wait_http` polls until the app answers HTTP, ends, or the time is up, and says which
in a :class:`~.models.HttpCheck`.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from pathlib import Path
from typing import Callable, Protocol

from .launcher import Relay, connect_unix
from .models import HttpCheck, RunResult
from .redaction import LogSink

POLL_S = 0.05


class Handle(Protocol):
    """What a backend's running sandbox offers a :class:`Service`."""

    def running(self) -> bool: ...

    def stop(self, grace_s: float = 3.0) -> None: ...

    def exit_info(self) -> tuple[int | None, int | None]: ...


def loopback_listener(host: str = "127.0.0.1") -> socket.socket:
    """A listening socket on a free port of the host's loopback (the port a service is reached on)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.listen(64)
    return sock


class Service:
    """A started app: :attr:`url` reaches its port; :meth:`stop` ends it and returns its result."""

    def __init__(self, handle: Handle, *, listener: socket.socket, app_socket: Path, inner_port: int,
                 sink: LogSink, finish: Callable[[bool], RunResult]) -> None:
        self.handle = handle
        self.app_socket = Path(app_socket)
        self.inner_port = inner_port
        self.sink = sink
        self._finish = finish
        self._result: RunResult | None = None
        self.timed_out = False
        self._lock = threading.Lock()
        self._listener = listener
        self.host, self.port = listener.getsockname()[:2]
        self._closed = threading.Event()
        self._relay = Relay()
        self._relay.listen(self._listener, self._accept)
        self._thread = threading.Thread(target=self._loop, daemon=True, name="sandbox-port")
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _accept(self, client: socket.socket) -> None:
        app = connect_unix(str(self.app_socket))
        if app is None:
            client.close()
            return
        self._relay.pair(client, app)

    def _loop(self) -> None:
        try:
            while not self._closed.is_set():
                self._relay.step(0.1)
        finally:
            self._relay.close()

    def running(self) -> bool:
        return self._result is None and self.handle.running()

    def wait_http(self, path: str = "/", timeout_s: float = 30.0) -> HttpCheck:
        """Poll ``path`` until the app answers HTTP (any status), ends, or ``timeout_s`` passes."""
        started = time.monotonic()
        deadline = started + timeout_s
        url = self.url + path
        error: str | None = None
        while True:
            if not self.handle.running():
                code, _sig = self.handle.exit_info()
                return HttpCheck(ready=False, url=url, exited=True, exit_code=code, error=error,
                                 elapsed_s=round(time.monotonic() - started, 3))
            remaining = deadline - time.monotonic()
            conn = http.client.HTTPConnection(self.host, self.port, timeout=max(0.2, min(2.0, remaining)))
            try:
                conn.request("GET", path, headers={"Host": f"localhost:{self.inner_port}"})
                status = conn.getresponse().status
                return HttpCheck(ready=True, url=url, status=status,
                                 elapsed_s=round(time.monotonic() - started, 3))
            except (OSError, http.client.HTTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"[:200]
            finally:
                conn.close()
            if time.monotonic() >= deadline:
                return HttpCheck(ready=False, url=url, timed_out=True, error=error,
                                 elapsed_s=round(time.monotonic() - started, 3))
            time.sleep(POLL_S)

    def logs(self, lines: int = 200) -> str:
        """The app's output so far (redacted), the last ``lines`` lines."""
        return self.sink.tail(lines)

    def stop(self, grace_s: float = 3.0) -> RunResult:
        """SIGTERM to the app's process group, SIGKILL after ``grace_s``; the run's result."""
        with self._lock:
            if self._result is None:
                self.handle.stop(grace_s)
                self._closed.set()
                self._thread.join(2)
                self._result = self._finish(self.timed_out)
            return self._result

    def expire_after(self, seconds: float) -> None:
        """Stop the app once it has run ``seconds`` (its result then says ``timed_out``)."""
        def expire() -> None:
            if self.running():
                self.timed_out = True
                self.sink.note(f"ran past {seconds:g}s; stopping")
                self.stop()

        timer = threading.Timer(seconds, expire)
        timer.daemon = True
        timer.start()

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
