"""The trainer as a child process: its command and environment, following its log while it runs, and
stopping it (and a trainer a crashed studio process left behind)."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ...errors import FailureKind, ToolFailure
from ...workspace import write_atomic
from ..registry import ToolContext
from .progress import hms_to_s, read_trainer_log

PID_FILE = "trainer.pid"


def trainer_command(recipe_path: Path) -> list[str]:
    """``llamafactory-cli train <recipe>`` (through ``python -m`` when the script is not beside python)."""
    cli = Path(sys.executable).with_name("llamafactory-cli")
    if cli.exists():
        return [str(cli), "train", str(recipe_path)]
    return [sys.executable, "-m", "llamafactory.cli", "train", str(recipe_path)]


def trainer_env() -> dict[str, str]:
    """This environment for the trainer: offline by default, quiet tokenizers, one thread per CPU."""
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.setdefault("DISABLE_VERSION_CHECK", "1")
    env.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def kill(proc: subprocess.Popen) -> None:
    """Stop the trainer and everything it started (it leads its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def stop_stale_trainer(output_dir: Path) -> int | None:
    """Kill a trainer left running by a studio process that died (kill -9) while it trained here.

    The trainer leads its own process group, so it outlives its parent; two trainers writing the same
    output folder would corrupt each other's checkpoints. Returns the pid that was stopped, if any.
    """
    pid_file = output_dir / PID_FILE
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmdline = ""
    pid_file.unlink(missing_ok=True)
    if "llamafactory" not in cmdline or " train " not in f" {cmdline} ":
        return None  # gone, or the pid now belongs to something else
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return None
    for _ in range(100):  # wait (bounded) until it is gone, so its files are closed
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.05)
    return pid


def run_trainer(cmd: list[str], log_path: Path, trainer_log: Path, timeout_s: int, ctx: ToolContext | None,
                poll_s: float = 1.0) -> tuple[int, list[dict[str, Any]]]:
    """Run the trainer, follow trainer_log.jsonl, and stop it on NaN loss or timeout."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    seen = 0
    pid_file = trainer_log.parent / PID_FILE
    with log_path.open("ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=trainer_env(), start_new_session=True)
        write_atomic(pid_file, f"{proc.pid}\n")
        try:
            while True:
                try:
                    rc = proc.wait(timeout=poll_s)
                except subprocess.TimeoutExpired:
                    rc = None
                rows = read_trainer_log(trainer_log)
                for row in rows[seen:]:
                    loss = row.get("loss")
                    if ctx is not None and "current_steps" in row:
                        ctx.progress(step=row["current_steps"], total=row.get("total_steps"), loss=loss,
                                     eta_sec=hms_to_s(row.get("remaining_time")), epoch=row.get("epoch"))
                    if isinstance(loss, float) and not math.isfinite(loss):
                        kill(proc)
                        raise ToolFailure(FailureKind.nan_loss, f"The training loss became {loss} at step {row.get('current_steps')}.",
                                          hint="Lower the learning rate (e.g. --learning-rate 1e-4) and resume.",
                                          details={"step": row.get("current_steps")})
                seen = len(rows)
                if rc is not None:
                    pid_file.unlink(missing_ok=True)
                    return rc, rows
                if time.monotonic() - start > timeout_s:
                    kill(proc)
                    raise ToolFailure(FailureKind.timeout, f"Training did not finish within {timeout_s} s.",
                                      hint="Resume the run to continue from the last checkpoint, or use a shorter preset.",
                                      details={"timeout_s": timeout_s, "step": rows[-1].get("current_steps") if rows else 0})
        except BaseException:
            kill(proc)
            raise
