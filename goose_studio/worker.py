"""Background runs: a run executes in its own detached worker process, not in the client that started it.

:func:`spawn_run` starts ``python -m goose_studio.worker <run-id>`` in a new session (so closing a terminal,
a CLI or an MCP connection never stops it), with its output in ``runs/<id>/logs/worker.log``, and records
the worker's pid in ``run.json``. :func:`cancel_run` stops a worker; :func:`run_info` reports a run's
status as it really is: a run whose ``run.json`` says running but whose process is gone is *interrupted*
(and resumable).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import FailureKind, ToolFailure
from .events import EventBus, read_events
from .workspace import Workspace

#: Statuses that a live process owns; with no live process they read as "interrupted".
ACTIVE_STATUSES = ("starting", "running")
#: How long answering a waiting run waits for its previous worker to exit.
EXIT_GRACE_S = 15.0
#: Statuses from which ``resume`` continues the run.
RESUMABLE_STATUSES = ("created", "failed", "interrupted", "cancelled", "waiting")

_CHILDREN: dict[int, subprocess.Popen] = {}
_LOCK = threading.Lock()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# ------------------------------------------------------------------------------------------ processes


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (it tells a process from a later one with the same pid).

    None when there is no such process, or it has exited and only its zombie entry remains. Where there is
    no /proc, "?" for any process that exists.
    """
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"
        return "?"
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


def process_alive(pid: int | None, start: str | None = None) -> bool:
    """Whether ``pid`` runs and, when ``start`` is known, is still the same process."""
    _reap()
    if not pid:
        return False
    now = process_start_time(int(pid))
    if now is None:
        return False
    return start in (None, "?") or now in ("?", start)


def _reap() -> None:
    """Collect workers this process started that have exited, so none lingers as a zombie."""
    for pid, proc in list(_CHILDREN.items()):
        if proc.poll() is not None:
            _CHILDREN.pop(pid, None)


def _owner(run: dict[str, Any]) -> tuple[str, int, str | None] | None:
    """The live process that owns a run: ("worker", pid, start) or ("process", pid, start), else None."""
    if process_alive(run.get("worker_pid"), run.get("worker_start")):
        return "worker", int(run["worker_pid"]), run.get("worker_start")
    if process_alive(run.get("pid"), run.get("pid_start")):
        return "process", int(run["pid"]), run.get("pid_start")
    return None


# ------------------------------------------------------------------------------------------ status


def effective_status(run: dict[str, Any]) -> str:
    """The run's status, corrected for a process that died without saying so."""
    status = run.get("status") or "unknown"
    if status in ACTIVE_STATUSES and _owner(run) is None:
        return "interrupted"
    return status


def run_info(ws: Workspace, run_id: str) -> dict[str, Any]:
    """``run.json`` plus what is true now: effective status, whether a process owns it, resumability."""
    run = ws.read_run(run_id)  # ToolFailure(not_found / invalid_input)
    owner = _owner(run)
    status = run.get("status") or "unknown"
    effective = "interrupted" if status in ACTIVE_STATUSES and owner is None else status
    return {**run, "recorded_status": status, "status": effective, "alive": owner is not None,
            "owner_pid": owner[1] if owner else None, "resumable": effective in RESUMABLE_STATUSES}


# ------------------------------------------------------------------------------------------ control


@contextmanager
def _spawn_lock(run_dir: Path):
    """Serialise starting a run's worker across threads and processes (two resumes must not race)."""
    with _LOCK:
        with (run_dir / ".spawn.lock").open("a") as fh:
            try:
                import fcntl

                fcntl.flock(fh, fcntl.LOCK_EX)
            except ImportError:  # no flock on this platform: the thread lock still holds within a process
                pass
            yield


def spawn_run(ws: Workspace, run_id: str, resume: bool = False, env: dict[str, str] | None = None,
              answer: str | None = None) -> int:
    """Start the run (or resume it) in a detached worker process; returns the worker's pid at once.

    ``answer`` answers the question the run waits on (checked first: a bad one is refused here).

    ``env`` is added to the worker's environment (over this process's own), e.g. the brain's endpoint.
    """
    run_dir = ws.existing_run_dir(run_id)
    with _spawn_lock(run_dir):
        run = ws.read_run(run_id)
        owner = _owner(run) if run.get("status") in ACTIVE_STATUSES else None
        if run.get("status") == "waiting":  # the worker that asked may still be on its way out: let it go first
            deadline = time.monotonic() + EXIT_GRACE_S
            while (owner := _owner(run)) is not None and owner[0] == "worker" and time.monotonic() < deadline:
                time.sleep(0.05)
            owner = owner if owner is not None and owner[0] == "worker" else None
        if owner is not None:
            raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' is already running (pid {owner[1]}).",
                              hint="Follow it with run_status, or stop it with cancel_run first.",
                              details={"run_id": run_id, "pid": owner[1]})
        if run.get("status") == "complete" and resume:
            raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' is already complete.",
                              hint=f"Its core is at {run.get('core')}; start a new run to learn again.",
                              details={"run_id": run_id, "core": run.get("core")})
        logs = run_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        if answer is not None:
            from .runner import check_answer

            check_answer(run, answer)
            resume = True
        cmd = [sys.executable, "-m", "goose_studio.worker", run_id] + (["--resume"] if resume else [])
        cmd += ["--answer", answer] if answer is not None else []
        worker_env = {**os.environ, **(env or {}), "GOOSE_STUDIO_HOME": str(ws.root), "PYTHONUNBUFFERED": "1"}
        with (logs / "worker.log").open("ab") as log:
            log.write(f"--- {_now()} worker for {run_id}{' (resume)' if resume else ''}\n".encode())
            log.flush()
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=worker_env,
                                    cwd=str(ws.root), start_new_session=True, close_fds=True)
        try:
            # The worker waits for its stdin to close before it touches run.json, so this write cannot race it.
            ws.update_run(run_id, status="starting", worker_pid=proc.pid, worker_start=process_start_time(proc.pid),
                          worker_started=_now(), worker_resume=resume)
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
        _CHILDREN[proc.pid] = proc
        return proc.pid


def _signal(pid: int, sig: int, group: bool) -> None:
    try:
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _wait_gone(pid: int, start: str | None, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not process_alive(pid, start):
            return True
        time.sleep(0.1)
    return not process_alive(pid, start)


def cancel_run(ws: Workspace, run_id: str, grace_s: float = 30.0) -> dict[str, Any]:
    """Stop a run: SIGTERM its worker's process group (SIGKILL after ``grace_s``), then mark it cancelled.

    A run whose process is already gone is marked cancelled too. A complete run cannot be cancelled.
    Returns ``{"run_id", "status", "was_running", "step"}``.
    """
    run = ws.read_run(run_id)
    if run.get("status") == "complete":
        raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' is already complete; there is nothing to cancel.",
                          hint=f"Its core is at {run.get('core')}.", details={"run_id": run_id})
    owner = _owner(run)
    if owner is not None:
        kind, pid, start = owner
        if kind == "worker":
            _signal(pid, signal.SIGTERM, group=True)
            if not _wait_gone(pid, start, grace_s):
                _signal(pid, signal.SIGKILL, group=True)
                _wait_gone(pid, start, 10.0)
        else:  # a run in the foreground of a CLI: interrupt it like Ctrl-C would
            _signal(pid, signal.SIGINT, group=False)
            if not _wait_gone(pid, start, grace_s):
                _signal(pid, signal.SIGKILL, group=False)
                _wait_gone(pid, start, 10.0)
    run = ws.read_run(run_id)
    step = run.get("failed_step") or run.get("step")
    EventBus(run_id, ws.run_dir(run_id) / "events.jsonl").emit("run.cancelled", step=step,
                                                                 was_running=owner is not None)
    ws.update_run(run_id, status="cancelled", cancelled=_now(), failed_step=step)
    return {"run_id": run_id, "status": "cancelled", "was_running": owner is not None, "step": step}


def last_events(ws: Workspace, run_id: str, n: int = 10) -> list[dict[str, Any]]:
    events = read_events(ws.run_dir(run_id) / "events.jsonl")
    return [e.model_dump(mode="json") for e in events[-n:]] if n > 0 else []


# ------------------------------------------------------------------------------------------ the worker


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m goose_studio.worker", description="Run one studio run.")
    parser.add_argument("run_id")
    parser.add_argument("--resume", action="store_true", help="Continue the run from its last checkpoint.")
    parser.add_argument("--answer", help="Answer the question the run waits on (a choice id, or id=value).")
    args = parser.parse_args(argv)
    try:  # the go signal: whoever started us closes our stdin once run.json names this process
        sys.stdin.buffer.read()
    except (OSError, ValueError):
        pass
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    from .runner import execute, resume_run

    ws = Workspace.from_env()
    try:
        if args.answer is not None:  # checked by whoever started us; run.json still holds the question
            from .agents.guide import parse_answer

            question = ws.read_run(args.run_id).get("question") or {}
            outcome = execute(ws, args.run_id, answer=parse_answer(question, args.answer))
        else:
            outcome = resume_run(ws, args.run_id) if args.resume else execute(ws, args.run_id)
    except KeyboardInterrupt:
        print(f"{args.run_id}: interrupted before the run started", flush=True)
        return 130
    except ToolFailure as failure:  # the run folder itself is unusable (missing, unreadable)
        print(f"{args.run_id}: {failure}", flush=True)
        try:
            ws.update_run(args.run_id, status="failed", failure=failure.to_dict())
        except (ToolFailure, OSError, ValueError):
            pass
        return 1
    detail = f" ({outcome.failure})" if outcome.failure else ""
    print(f"{args.run_id}: {outcome.status}{detail}", flush=True)
    return {"complete": 0, "waiting": 3, "interrupted": 130}.get(outcome.status, 1)


if __name__ == "__main__":
    sys.exit(main())
