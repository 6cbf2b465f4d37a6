"""Sandboxes for code from a cloned repository: its install, build and run never touch the host as is.

Use::

    found = Sandbox.detect()             # Detection(backend="docker" | "bubblewrap" | None, reason=...)
    box = Sandbox.open()                 # or ToolFailure(missing_dependency): go on code-only
    res = box.run("npm ci", app_dir, network="registries", timeout_s=600, log_path=...)  # RunResult
    app = box.start("npm start", app_dir)                # Service: PORT in its env, app.url on the host
    app.wait_http("/", timeout_s=60)                     # HttpCheck(ready, status, timed_out, exited...)
    app.logs(); app.stop()                               # redacted output; RunResult

Backends: Docker when an engine answers (:mod:`.docker_backend`), else bubblewrap
(:mod:`.bwrap`, :mod:`.bwrap_args`), else none (:mod:`.detect`). Under bubblewrap the system is
read-only, ``/etc`` holds a short allowlist, only the app folder (``/app``) and its own package cache
(``/cache``) are writable, ``/tmp`` is private, the user's home and the studio workspace are not there,
and processes, memory, CPU seconds, file size and wall time are bounded (:class:`.models.Limits`).
Output is redacted before it is logged (:mod:`.redaction`). App folders must lie under the allowed
roots and must not be symlinks (:mod:`.paths`).

Network design. While an app runs it has no network: bubblewrap's ``--unshare-net`` leaves it a
loopback of its own; the launcher inside (:mod:`.launcher`) relays a Unix socket in the run folder to
the app's port, and the studio relays a free port on the host's 127.0.0.1 to that socket
(:mod:`.service`). An install step gets the same empty namespace plus one door: the launcher forwards
``127.0.0.1:3128`` to the studio's proxy (:mod:`.proxy`), which lets through only registry hosts
(:mod:`.registries`). The other design, a network namespace joined to the host by a veth pair (no
default route, no DNS), was measured here as well: setting up the namespace and the pair took ~33 ms
and an ``http.server`` answered its first request ~76 ms after the start, against ~120 ms through the
socket relay. It was not chosen: it needs root, leaves kernel state (namespace, links, addresses) behind
when the studio dies, needs a free address range, and cannot reach an app that listens on 127.0.0.1
(as most development servers do by default); the relay works unprivileged, leaves nothing behind and
reaches such apps. A direct outbound connection from inside fails at once with ``ENETUNREACH``; the
launcher probes that before the command starts and every :class:`.models.RunResult` reports it
(``probe.outbound == "blocked"``), and registry-proxy refusals appear in ``blocked_hosts`` and the log.

Measured on the development machine (2 shared cores, Debian 12, bwrap 0.8, studio as root; medians):
a sandboxed ``true`` returns to the caller in ~35-45 ms (bwrap alone ~4 ms, the launcher's Python
start ~6 ms, the rest the run folder, the probe and the log), :func:`detect` takes ~60 ms (its
bubblewrap probe ~20 ms), and a ``python3 -m http.server`` answers HTTP 200 through the relay ~110 ms
after :meth:`Sandbox.start` (importing ``http.server`` alone takes ~38 ms on the host). Through the
registry proxy, ``pip install`` of one wheel into a fresh venv took ~1.7 s and ``npm install`` of one
package ~0.9 s. The same code works with the studio as an ordinary user (checked as uid 65534: user
namespace, process limit, HTTP through the relay, pip through the proxy).
"""

from .detect import Sandbox, detect
from .models import Detection, HttpCheck, Limits, NetworkProbe, RunResult
from .redaction import redact
from .service import Service

__all__ = ["Detection", "HttpCheck", "Limits", "NetworkProbe", "RunResult", "Sandbox", "Service", "detect",
           "redact"]
