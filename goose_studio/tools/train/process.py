"""The trainer as a child process: its command and environment, following its log while it runs (progress
events, NaN loss, a loss that does not go down), the watchdog that stops a hung trainer, the memory cap,
and stopping it (and a trainer a crashed studio process left behind)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import FailureKind, ToolFailure
from ...workspace import write_atomic
from ..registry import ToolContext
from .launcher import CONTROL_ENV
from .limits import MemoryCap
from .progress import diverged, plateau, progress_payload, read_trainer_log

PID_FILE = "trainer.pid"


LAUNCHER = "goose_studio.tools.train.launcher"
CONTROL_FILE = "control.json"
GPU_EVERY_S = 5.0


def trainer_command(recipe_path: Path) -> list[str]:
    """The trainer: LLaMA-Factory's ``run_exp`` on the recipe, with the studio's control callback
    (see :mod:`.launcher`); by hand, ``llamafactory-cli train <recipe>`` trains the same."""
    return [sys.executable, "-m", LAUNCHER, str(recipe_path)]


def llamafactory_command(recipe_path: Path) -> list[str]:
    """``llamafactory-cli train <recipe>`` (through ``python -m`` when the script is not beside python)."""
    cli = Path(sys.executable).with_name("llamafactory-cli")
    if cli.exists():
        return [str(cli), "train", str(recipe_path)]
    return [sys.executable, "-m", "llamafactory.cli", "train", str(recipe_path)]


def write_control(output_dir: Path, action: str) -> Path:
    """Ask the trainer training into ``output_dir`` to ``pause``, ``stop`` or save a ``checkpoint`` and exit."""
    path = output_dir / CONTROL_FILE
    write_atomic(path, json.dumps({"action": action, "ts": time.time()}) + "\n")
    return path


@dataclass
class Watch:
    """What :func:`run_trainer` watches for besides the log: hangs, a plateau, the control file, memory."""

    idle_s: float = 120.0
    stall_s: float = 1800.0
    control_path: Path | None = None
    memory_limit_mb: int | None = None
    detect_plateau: bool = False
    plateau_action: str = "checkpoint"  # or "stop": end training there and keep the adapter
    gpu: bool = False
    plateau_seen: dict[str, Any] | None = None  # set when the loss was found not to go down


def diverged_failure(bad: dict[str, Any]) -> ToolFailure:
    """The typed failure for a loss that diverged (the facts of :func:`~.progress.diverged`)."""
    what = "became" if str(bad.get("loss")).lower() in ("nan", "inf", "-inf") else "exploded to"
    return ToolFailure(FailureKind.nan_loss, f"The training loss {what} {bad.get('loss')} at step {bad.get('step')}.",
                       hint="Lower the learning rate (e.g. --learning-rate 1e-4) and resume.", details=dict(bad))


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by ``pid`` and its children (None once it is gone)."""
    try:
        import psutil

        proc = psutil.Process(pid)
        total = sum(proc.cpu_times()[:2])
        for child in proc.children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return total
    except Exception:
        return None


def gpu_snapshot() -> list[dict[str, Any]] | None:
    """The GPUs' utilisation, memory and temperature, from the studio's GPU catalog when it is there."""
    try:
        from ...catalog import gpu_status  # the studio's GPU list (pynvml)
    except ImportError:
        return None
    try:
        found = gpu_status()
    except Exception:
        return None
    rows = getattr(found, "gpus", found)
    return [g.model_dump(mode="json") if hasattr(g, "model_dump") else dict(g) for g in rows or []]


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
    ours = LAUNCHER in cmdline or ("llamafactory" in cmdline and " train " in f" {cmdline} ")
    if not ours:
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
                poll_s: float = 1.0, watch: Watch | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Run the trainer and follow trainer_log.jsonl: a progress event per step; stopped on NaN loss, on a
    hang (no CPU used and nothing logged for ``watch.idle_s``, or no step for ``watch.stall_s``) and on
    timeout, each a typed failure. A loss that does not go down (``watch.detect_plateau``) asks the trainer
    for a checkpoint and an exit (see :mod:`.launcher`). Returns the exit code and the log's rows."""
    watch = watch or Watch()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    seen = 0
    pid_file = trainer_log.parent / PID_FILE
    env = trainer_env()
    if watch.control_path is not None:
        env[CONTROL_ENV] = str(watch.control_path)
    cap = MemoryCap(watch.memory_limit_mb)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        cap.attach(proc.pid)
        write_atomic(pid_file, f"{proc.pid}\n")
        last_active = last_step = start
        last_cpu, last_size, last_gpu, asked_checkpoint = 0.0, 0, 0.0, False
        try:
            while True:
                try:
                    rc = proc.wait(timeout=poll_s)
                except subprocess.TimeoutExpired:
                    rc = None
                now = time.monotonic()
                rows = read_trainer_log(trainer_log)
                for row in rows[seen:]:
                    if ctx is not None and "current_steps" in row:
                        payload = progress_payload(row)
                        if watch.gpu and now - last_gpu >= GPU_EVERY_S:
                            last_gpu = now
                            gpus = gpu_snapshot()
                            if gpus:
                                payload["gpus"] = gpus
                        ctx.progress(**payload)
                if len(rows) > seen:
                    last_step = last_active = now
                    bad = diverged(rows)
                    if bad is not None:
                        kill(proc)
                        raise diverged_failure(bad)
                seen = len(rows)
                if rc is not None:
                    pid_file.unlink(missing_ok=True)
                    return rc, rows
                if watch.detect_plateau and not asked_checkpoint and watch.control_path is not None:
                    flat = plateau(rows)
                    if flat is not None:
                        asked_checkpoint = True
                        watch.plateau_seen = flat
                        write_control(watch.control_path.parent, watch.plateau_action)
                        if ctx is not None:
                            ctx.progress(stage="plateau", **flat)
                cpu = tree_cpu_seconds(proc.pid)
                size = log_path.stat().st_size if log_path.exists() else 0
                if (cpu is not None and cpu - last_cpu > 0.05) or size != last_size:
                    last_active = now
                last_cpu, last_size = (cpu if cpu is not None else last_cpu), size
                hung_for = now - last_active
                if hung_for > watch.idle_s or now - last_step > watch.stall_s:
                    kill(proc)
                    step = rows[-1].get("current_steps") if rows else 0
                    idle = hung_for > watch.idle_s
                    waited = round(hung_for if idle else now - last_step)
                    raise ToolFailure(FailureKind.timeout,
                                      f"The trainer made no progress for {waited} s (hung) and was stopped.",
                                      hint="Resume the run: training continues from its last checkpoint.",
                                      details={"hang": True, "step": step, "idle": idle, "waited_s": waited})
                if now - start > timeout_s:
                    kill(proc)
                    raise ToolFailure(FailureKind.timeout, f"Training did not finish within {timeout_s} s.",
                                      hint="Resume the run to continue from the last checkpoint, or use a shorter preset.",
                                      details={"timeout_s": timeout_s, "step": rows[-1].get("current_steps") if rows else 0})
        except BaseException:
            kill(proc)
            raise
        finally:
            cap.close()
