"""One sandbox as a host process: started in its own process group, its output redacted into a log,
stopped gently first and for certain after a grace period.

The launcher inside the sandbox holds the read end of a control pipe. :meth:`SandboxProcess.stop`
closes the write end, on which the launcher sends SIGTERM to the command's process group; if the
sandbox has not ended after ``grace_s``, SIGKILL goes to the host-side process group, and bubblewrap's
``--die-with-parent`` and the end of its PID namespace take every process inside with it. The same pipe
closes by itself when the studio dies, so no sandbox outlives it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import Mapping, Sequence

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.procs import CHILDREN

from .redaction import LogSink

DEFAULT_GRACE_S = 3.0


class SandboxProcess:
    """A started sandbox: its host process, log sink, status file and control pipe."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], sink: LogSink, status_path: Path | None,
                 control_read: int | None = None, control_write: int | None = None,
                 pass_fds: Sequence[int] = ()) -> None:
        self.argv = list(argv)
        self.sink = sink
        self.status_path = status_path
        self._control_write = control_write
        self.started = time.monotonic()
        self.ended: float | None = None
        self.stopped_by_studio = False
        self.sigkilled = False
        fds = tuple(pass_fds) + ((control_read,) if control_read is not None else ())
        try:
            self.proc = subprocess.Popen(self.argv, env=dict(env), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         start_new_session=True, pass_fds=fds, close_fds=True)
        except OSError as exc:
            self._close_control()
            raise ToolFailure(FailureKind.missing_dependency, f"Could not start the sandbox: {exc}",
                              hint="Check that the sandbox program is installed.",
                              details={"argv0": self.argv[0]}) from exc
        finally:
            if control_read is not None:
                os.close(control_read)
        CHILDREN[self.proc.pid] = self.proc
        assert self.proc.stdout is not None
        sink.follow(self.proc.stdout)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout_s: float | None) -> bool:
        """Whether the sandbox ended within ``timeout_s`` seconds (woken at its exit through a pidfd
        where the system has them; ``Popen.wait`` with a timeout polls in steps of up to 50 ms)."""
        if self.proc.poll() is None and timeout_s is not None:
            try:
                fd = os.pidfd_open(self.proc.pid)
            except (AttributeError, OSError):
                fd = None
            if fd is not None:
                try:
                    if not select.select([fd], [], [], max(0.0, timeout_s))[0]:
                        return False
                finally:
                    os.close(fd)
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return False
        self._finish()
        return True

    def _finish(self) -> None:
        if self.ended is None:
            self.ended = time.monotonic()
        CHILDREN.pop(self.proc.pid, None)
        self._close_control()

    def _close_control(self) -> None:
        if self._control_write is not None:
            try:
                os.close(self._control_write)
            except OSError:
                pass
            self._control_write = None

    def stop(self, grace_s: float = DEFAULT_GRACE_S) -> None:
        """End the sandbox: SIGTERM to the command's process group inside, SIGKILL after ``grace_s``."""
        if self.proc.poll() is not None:
            self._finish()
            return
        self.stopped_by_studio = True
        self._close_control()
        if self.wait(grace_s):
            return
        self.sigkilled = True
        self.sink.note(f"did not end {grace_s:g}s after SIGTERM; killed")
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self._finish()

    def duration_s(self) -> float:
        return round((self.ended or time.monotonic()) - self.started, 3)

    def status(self) -> dict:
        """What the launcher wrote about the command (``probe``, ``exit``, ``signal``), if anything."""
        if not self.status_path:
            return {}
        try:
            return json.loads(self.status_path.read_text())
        except (OSError, ValueError):
            return {}

    def exit_info(self) -> tuple[int | None, int | None]:
        """The command's exit code and ending signal, from the launcher when it reported them."""
        status = self.status()
        if status.get("phase") == "exited":
            return status.get("exit"), status.get("signal")
        code = self.proc.returncode
        if code is None:
            return None, None
        if code < 0:
            return 128 - code, -code
        return code, None
