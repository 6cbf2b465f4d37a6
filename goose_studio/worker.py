"""Background runs: a run executes in its own detached worker process, not in the client that started it.

:func:`spawn_run` starts ``python -m goose_studio.worker <run-id>`` in a new session (so closing a terminal,
a CLI or an MCP connection never stops it), with its output in ``runs/<id>/logs/worker.log``, and records
the worker's pid in the run's record. :func:`cancel_run` stops a worker. Whether a recorded process still
runs is the run store's business (:meth:`~goose_studio.runstore.RunStore.info`).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from .errors import STOP_REQUESTED, FailureKind, ToolFailure
from .agents.guide import parse_answer
from .events import EventBus, RunEvent
from .procs import CHILDREN, process_alive, process_start_time
from .runner import check_answer, execute, resume_run
from .runstore import ACTIVE, Owner, RunStatus, RunStore, now, owner_of
from .workspace import Workspace

#: How long answering a waiting run waits for its previous worker to exit.
EXIT_GRACE_S = 15.0

_LOCK = threading.Lock()


@contextmanager
def _spawn_lock(run_dir: Path) -> Iterator[None]:
    """Serialise starting a run's worker across threads and processes (two resumes must not race)."""
    with _LOCK:
        with (run_dir / ".spawn.lock").open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield


def _wait_for_worker_exit(store: RunStore, run_id: str) -> Owner | None:
    """For a waiting run: the worker that asked may still be on its way out; give it a moment."""
    deadline = time.monotonic() + EXIT_GRACE_S
    while (owner := owner_of(store.read(run_id))) is not None and owner.kind == "worker" \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    return owner if owner is not None and owner.kind == "worker" else None


def spawn_run(ws: Workspace, run_id: str, resume: bool = False, env: dict[str, str] | None = None,
              answer: str | None = None) -> int:
    """Start the run (or resume it) in a detached worker process; returns the worker's pid at once.

    ``answer`` answers the question the run waits on (checked first: a bad one is refused here).
    ``env`` is added to the worker's environment (over this process's own), e.g. the brain's endpoint.
    """
    store = RunStore(ws)
    paths = store.paths(run_id)
    store.read(run_id)  # not_found for an unknown run
    with _spawn_lock(paths.run_dir):
        run = store.read(run_id)
        owner = owner_of(run) if run.status in ACTIVE else None
        if run.status is RunStatus.waiting:
            owner = _wait_for_worker_exit(store, run_id)
        if owner is not None:
            raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' is already running (pid {owner.pid}).",
                              hint="Follow it with run_status, or stop it with cancel_run first.",
                              details={"run_id": run_id, "pid": owner.pid})
        if run.status is RunStatus.complete and resume:
            raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' is already complete.",
                              hint=f"Its core is at {run.core}; start a new run to learn again.",
                              details={"run_id": run_id, "core": run.core})
        paths.logs.mkdir(parents=True, exist_ok=True)
        if answer is not None:
            check_answer(run, answer)
            resume = True
        cmd = [sys.executable, "-m", "goose_studio.worker", run_id] + (["--resume"] if resume else [])
        cmd += ["--answer", answer] if answer is not None else []
        worker_env = {**os.environ, **(env or {}), "GOOSE_STUDIO_HOME": str(ws.root), "PYTHONUNBUFFERED": "1"}
        with (paths.logs / "worker.log").open("ab") as log:
            log.write(f"--- {now()} worker for {run_id}{' (resume)' if resume else ''}\n".encode())
            log.flush()
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=worker_env,
                                    cwd=str(ws.root), start_new_session=True, close_fds=True)
        try:
            # The worker waits for its stdin to close before it touches run.json, so this write cannot race it.
            store.update(run_id, status=RunStatus.starting, worker_pid=proc.pid,
                         worker_start=process_start_time(proc.pid), worker_started=now(), worker_resume=resume)
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
        CHILDREN[proc.pid] = proc
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


class Cancelled(BaseModel):
    run_id: str
    status: RunStatus
    was_running: bool
    step: str | None = None


def cancel_run(ws: Workspace, run_id: str, grace_s: float = 30.0) -> Cancelled:
    """Stop a run: SIGTERM its worker's process group (SIGKILL after ``grace_s``), then mark it cancelled.

    A run whose process is already gone is marked cancelled too. A complete run cannot be cancelled.
    """
    store = RunStore(ws)
    run = store.read(run_id)
    if run.status is RunStatus.complete:
        raise ToolFailure(FailureKind.invalid_input, f"Run '{run_id}' is already complete; there is nothing to cancel.",
                          hint=f"Its core is at {run.core}.", details={"run_id": run_id})
    owner = owner_of(run)
    if owner is not None:
        # a worker leads its own process group; a run in the foreground of a CLI is interrupted like Ctrl-C
        group = owner.kind == "worker"
        _signal(owner.pid, signal.SIGTERM if group else signal.SIGINT, group=group)
        if not _wait_gone(owner.pid, owner.start, grace_s):
            _signal(owner.pid, signal.SIGKILL, group=group)
            _wait_gone(owner.pid, owner.start, 10.0)
    run = store.read(run_id)
    step = run.failed_step or run.step
    EventBus(run_id, store.paths(run_id).events).emit(RunEvent.cancelled, step=step, was_running=owner is not None)
    store.update(run_id, status=RunStatus.cancelled, cancelled=now(), failed_step=step)
    return Cancelled(run_id=run_id, status=RunStatus.cancelled, was_running=owner is not None, step=step)


# ------------------------------------------------------------------------------------------ the worker


def _interrupt(signum: int, frame: Any) -> None:
    STOP_REQUESTED.set()
    raise KeyboardInterrupt(f"signal {signum}")


_EXIT_CODES = {RunStatus.complete: 0, RunStatus.waiting: 3, RunStatus.interrupted: 130}


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

    ws = Workspace.from_env()
    store = RunStore(ws)
    try:
        if args.answer is not None:  # checked by whoever started us; the record still holds the question
            question = store.read(args.run_id).question
            if question is None:
                raise ToolFailure(FailureKind.invalid_input, f"Run '{args.run_id}' has no question to answer.")
            outcome = execute(ws, args.run_id, answer=parse_answer(question, args.answer))
        else:
            outcome = resume_run(ws, args.run_id) if args.resume else execute(ws, args.run_id)
    except KeyboardInterrupt:
        print(f"{args.run_id}: interrupted before the run started", flush=True)
        return 130
    except ToolFailure as failure:  # the run folder itself is unusable (missing, unreadable)
        print(f"{args.run_id}: {failure}", flush=True)
        try:
            store.update(args.run_id, status=RunStatus.failed, failure=failure.to_dict())
        except (ToolFailure, OSError, ValueError):
            pass
        return 1
    detail = f" ({outcome.failure.message})" if outcome.failure else ""
    print(f"{args.run_id}: {outcome.status.value}{detail}", flush=True)
    return _EXIT_CODES.get(outcome.status, 1)


if __name__ == "__main__":
    sys.exit(main())
