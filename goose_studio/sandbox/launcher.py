"""The first process inside a bubblewrap sandbox, and the socket relay both sides of a sandbox use.

Run as a script by the system's ``python3`` inside the sandbox (``python3 -I -S launcher.py CONFIG_JSON``),
it imports nothing but the standard library and works on Python 3.7 and later. In order it

1. drops from root to the sandbox's own uid and gid when the config says ``drop`` (the studio ran bwrap as
   root: the mounts are made by root, the code runs as an unprivileged user);
2. sets the resource limits (processes, private memory, CPU seconds, file size, open files), after the
   drop, so that the process count is the sandbox user's;
3. probes the network (one connect to a public address; inside an empty network namespace it fails at
   once with ``ENETUNREACH``) and writes the outcome to the status file;
4. opens the relays: ``serve`` listens on a Unix socket in the shared run folder and connects each client
   to the app's port on the sandbox's loopback; ``proxy`` listens on the sandbox's loopback and connects
   each client to the studio's registry proxy through a Unix socket;
5. starts the command in its own session, forwards SIGTERM to its process group when the studio writes to
   (or closes) the control pipe, and exits with the command's status, which it also writes to the status
   file (``exit`` and ``signal``).

:class:`Relay` moves bytes between pairs of non-blocking sockets with one selector, half-closing each
direction on its own; the studio uses the same class for its side of the app's port.
"""

from __future__ import annotations

import errno
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

PROBE_ADDRESS = ("1.1.1.1", 443)
BUFFER_LIMIT = 1 << 20
CHUNK = 1 << 16


class _End:
    """One socket of a relayed pair: what waits to be written to it, and whether it has said EOF."""

    def __init__(self, sock):
        self.sock = sock
        self.peer = None
        self.buf = bytearray()
        self.eof_in = False
        self.shut_out = False
        self.closed = False


class Relay:
    """Relay bytes between socket pairs and accept on listeners, all on one selector in one thread."""

    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.pairs = 0

    def listen(self, sock, on_accept):
        """Call ``on_accept(client_socket)`` for each connection ``sock`` accepts."""
        sock.setblocking(False)
        self.sel.register(sock, selectors.EVENT_READ, ("listen", on_accept))

    def watch(self, fileobj, callback):
        """Call ``callback()`` when ``fileobj`` becomes readable (a control pipe)."""
        self.sel.register(fileobj, selectors.EVENT_READ, ("watch", callback))

    def unwatch(self, fileobj):
        try:
            self.sel.unregister(fileobj)
        except (KeyError, ValueError):
            pass

    def pair(self, a, b):
        """Relay between two connected sockets until both directions have ended."""
        ea, eb = _End(a), _End(b)
        ea.peer, eb.peer = eb, ea
        for end in (ea, eb):
            end.sock.setblocking(False)
            self.sel.register(end.sock, selectors.EVENT_READ, ("pipe", end))
        self.pairs += 1

    def step(self, timeout):
        """Serve whatever is ready within ``timeout`` seconds."""
        try:
            ready = self.sel.select(timeout)
        except InterruptedError:
            return
        for key, events in ready:
            kind, target = key.data
            if kind == "listen":
                try:
                    client, _ = key.fileobj.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    continue
                target(client)
            elif kind == "watch":
                target()
            else:
                self._serve(target, events)

    def _serve(self, end, events):
        if end.closed:
            return
        try:
            if events & selectors.EVENT_READ and not end.eof_in:
                data = end.sock.recv(CHUNK)
                if data:
                    end.peer.buf += data
                else:
                    end.eof_in = True
            if events & selectors.EVENT_WRITE and end.buf:
                sent = end.sock.send(end.buf)
                del end.buf[:sent]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self._close(end)
            return
        for side in (end, end.peer):
            if side.peer.eof_in and not side.buf and not side.shut_out:
                side.shut_out = True
                try:
                    side.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        if end.eof_in and end.peer.eof_in and not end.buf and not end.peer.buf:
            self._close(end)
            return
        self._update(end)
        self._update(end.peer)

    def _update(self, end):
        if end.closed:
            return
        events = 0
        if not end.eof_in and len(end.peer.buf) < BUFFER_LIMIT:
            events |= selectors.EVENT_READ
        if end.buf:
            events |= selectors.EVENT_WRITE
        key = self.sel.get_map().get(end.sock)
        if events and key:
            if key.events != events:
                self.sel.modify(end.sock, events, key.data)
        elif events:
            self.sel.register(end.sock, events, ("pipe", end))
        elif key:
            self.sel.unregister(end.sock)

    def _close(self, end):
        for side in (end, end.peer):
            if side.closed:
                continue
            side.closed = True
            if side.sock in self.sel.get_map():
                self.sel.unregister(side.sock)
            side.sock.close()
        self.pairs -= 1

    def close(self):
        for key in list(self.sel.get_map().values()):
            try:
                key.fileobj.close()
            except (OSError, AttributeError):
                pass
        self.sel.close()


def connect_loopback(port):
    """A socket connected to ``port`` on the loopback (IPv4, then IPv6), or None when nothing listens."""
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(2)
            sock.connect((host, port))
            return sock
        except OSError:
            sock.close()
    return None


def connect_unix(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(2)
        sock.connect(path)
        return sock
    except OSError:
        sock.close()
        return None


def probe_network():
    """What a direct outbound connection meets here: ``blocked`` (with the error) or ``open``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(1.0)
    try:
        sock.connect(PROBE_ADDRESS)
        return {"outbound": "open", "error": None}
    except socket.timeout:
        return {"outbound": "unknown", "error": "timeout"}
    except OSError as exc:
        name = errno.errorcode.get(exc.errno or 0, str(exc))
        return {"outbound": "blocked", "error": name}
    finally:
        sock.close()


def drop_privileges(uid, gid):
    """Become ``uid``/``gid`` for good (no supplementary groups); the capabilities go with root."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        raise OSError("could not drop privileges")


def set_limits(limits):
    import resource

    names = {"nproc": resource.RLIMIT_NPROC, "data": resource.RLIMIT_DATA, "cpu": resource.RLIMIT_CPU,
             "fsize": resource.RLIMIT_FSIZE, "nofile": resource.RLIMIT_NOFILE}
    for key, value in limits.items():
        if value is not None and key in names:
            resource.setrlimit(names[key], (int(value), int(value)))


def write_status(path, status):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(status, fh)
    os.replace(tmp, path)


def say(text):
    sys.stderr.write("[sandbox] " + text + "\n")
    sys.stderr.flush()


def _drain(fd):
    try:
        while os.read(fd, 512):
            pass
    except OSError:
        pass


def clear_inheritable():
    """Empty the inheritable capability set too (the drop from root leaves only that one set)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
        data = (ctypes.c_uint32 * 6)()
        libc.capset(header, data)
    except (OSError, AttributeError):
        pass


def _serve_listener(relay, spec):
    path = spec["socket"]
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    sock.listen(64)

    def accept(client):
        app = connect_loopback(int(spec["port"]))
        if app is None:
            client.close()
            return
        relay.pair(client, app)

    relay.listen(sock, accept)


def _proxy_listener(relay, spec):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(spec["port"])))
    sock.listen(64)

    def accept(client):
        upstream = connect_unix(spec["socket"])
        if upstream is None:
            client.close()
            return
        relay.pair(client, upstream)

    relay.listen(sock, accept)


def main(argv):
    cfg = json.loads(argv[1])
    status_path = cfg.get("status")
    status = {"phase": "starting"}
    if cfg.get("drop"):
        drop_privileges(int(cfg["drop"][0]), int(cfg["drop"][1]))
        clear_inheritable()
    home = cfg.get("home")
    if home:
        os.makedirs(home, mode=0o700, exist_ok=True)
    set_limits(cfg.get("limits") or {})
    relay = Relay()
    if cfg.get("serve"):
        _serve_listener(relay, cfg["serve"])
    if cfg.get("proxy"):
        _proxy_listener(relay, cfg["proxy"])
    if cfg.get("probe"):
        status["probe"] = probe_network()
        say("network probe: direct outbound connection %s (%s)"
            % (status["probe"]["outbound"], status["probe"]["error"] or "connected"))
    try:
        child = subprocess.Popen(cfg["cmd"], cwd=cfg.get("cwd") or None, stdin=subprocess.DEVNULL,
                                 start_new_session=True, close_fds=True)
    except OSError as exc:
        say("cannot start %r: %s" % (cfg["cmd"][0], exc.strerror or exc))
        status.update(phase="exited", exit=127, signal=None, error="not_started")
        write_status(status_path, status)
        return 127
    status.update(phase="running", started=time.time())
    write_status(status_path, status)

    def terminate(*_):
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except OSError:
            pass

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)
    # A child's exit wakes the selector at once (the wakeup pipe becomes readable).
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    relay.watch(wake_r, lambda: _drain(wake_r))
    control = cfg.get("control_fd")
    if control is not None:
        ctl = os.fdopen(int(control), "rb", buffering=0)

        def on_control():
            relay.unwatch(ctl)
            terminate()

        relay.watch(ctl, on_control)
    while child.poll() is None:
        relay.step(0.5)
    code = child.returncode
    sig = -code if code < 0 else None
    status.update(phase="exited", exit=128 + sig if sig else code, signal=sig)
    write_status(status_path, status)
    relay.close()
    return status["exit"]


if __name__ == "__main__":  # pragma: no cover - runs inside the sandbox
    sys.exit(main(sys.argv))
