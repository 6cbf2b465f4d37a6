"""TRAIN: LoRA fine-tuning through LLaMA-Factory, driven by a YAML recipe written into the run folder.

The recipe is a plain LLaMA-Factory config: ``llamafactory-cli train recipe.yaml`` accepts it unchanged.
The tool runs that same command in a child process, follows ``trainer_log.jsonl`` for progress (step,
loss, ETA) and turns the trainer's failures into typed ones. Re-running it on the same output folder
continues from the last saved training checkpoint.
"""

from __future__ import annotations

import json
import math
import re
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from ..errors import FailureKind, ToolFailure
from ..presets import DEFAULT_PRESET, PresetName
from ..presets import preset
from ..workspace import write_atomic
from .registry import ToolContext, tool

ADAPTER_FILES = ("adapter_model.safetensors", "adapter_config.json")

class TrainArgs(BaseModel):
    model_path: str = Field(description="Local Hugging Face model folder (see prepare_model).")
    template: str = Field(description="LLaMA-Factory chat template, e.g. 'smollm2'.")
    dataset_dir: str = Field(description="Folder with dataset_info.json and the JSONL files.")
    dataset: str = Field(description="Name of the training set in dataset_info.json.")
    output_dir: str = Field(description="Where the adapter, checkpoints and trainer_log.jsonl are written.")
    recipe_path: str = Field(description="Where the LLaMA-Factory YAML recipe is written.")
    preset: PresetName = DEFAULT_PRESET
    num_train_epochs: float | None = Field(None, gt=0)
    max_steps: int | None = Field(None, gt=0)
    cutoff_len: int | None = Field(None, ge=32, le=32768)
    lora_rank: int | None = Field(None, ge=1, le=512)
    lora_alpha: int | None = Field(None, ge=1)
    learning_rate: float | None = Field(None, gt=0, lt=1)
    batch_size: int | None = Field(None, ge=1, description="Per-device batch; default 1 on CPU (no padding, least memory), 4 on GPU.")
    gradient_accumulation_steps: int | None = Field(None, ge=1, description="Default: an effective batch of 4.")
    bf16: bool | None = Field(None, description="Train in bfloat16; default: on when the CPU or GPU supports it.")
    use_cpu: bool | None = Field(None, description="Force CPU training; default: CPU when no CUDA GPU is present.")
    save_steps: int = Field(20, ge=1)
    seed: int = 42
    timeout_s: int = Field(6 * 3600, ge=10)
    overrides: dict[str, Any] = Field(default_factory=dict, description="Extra LLaMA-Factory keys, applied last.")


class TrainResult(BaseModel):
    adapter_dir: str
    recipe_path: str
    trainer_log: str
    steps: int
    total_steps: int
    final_loss: float | None
    first_loss: float | None
    duration_s: float
    resumed_from: str | None = None
    device: str
    log_path: str


def _cuda_available() -> bool:
    try:  # ask the driver first: importing torch costs the caller ~300 MB it does not otherwise need
        import pynvml

        pynvml.nvmlInit()
        pynvml.nvmlShutdown()
    except Exception:
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:
        return False


def _cpu_bf16_ok() -> bool:
    flags = ""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f in flags for f in ("avx512_bf16", "amx_bf16", "avx512bw"))


def build_recipe(args: TrainArgs) -> dict[str, Any]:
    """The LLaMA-Factory config for these arguments (plain keys LLaMA-Factory knows, nothing else)."""
    values = preset(args.preset).values()
    for key in ("num_train_epochs", "max_steps", "cutoff_len", "lora_rank", "lora_alpha", "learning_rate"):
        value = getattr(args, key)
        if value is not None:
            values[key] = value
    use_cpu = (not _cuda_available()) if args.use_cpu is None else args.use_cpu
    bf16 = (_cpu_bf16_ok() if use_cpu else True) if args.bf16 is None else args.bf16
    batch = args.batch_size or (1 if use_cpu else 4)
    accumulation = args.gradient_accumulation_steps or max(1, 4 // batch)
    recipe: dict[str, Any] = {
        "model_name_or_path": args.model_path,
        "trust_remote_code": False,
        "stage": "sft",
        "do_train": True,
        "finetuning_type": "lora",
        "lora_target": "all",
        "lora_rank": values["lora_rank"],
        "lora_alpha": values["lora_alpha"],
        "lora_dropout": 0.05,
        "dataset": args.dataset,
        "dataset_dir": args.dataset_dir,
        "template": args.template,
        "cutoff_len": values["cutoff_len"],
        "overwrite_cache": True,
        "preprocessing_num_workers": 1,
        "dataloader_num_workers": 0,
        "output_dir": args.output_dir,
        "logging_steps": 1,
        "save_steps": args.save_steps,
        "save_total_limit": 2,
        "plot_loss": False,
        "overwrite_output_dir": False,
        "report_to": "none",
        "per_device_train_batch_size": batch,
        "gradient_accumulation_steps": accumulation,
        "learning_rate": values["learning_rate"],
        "lr_scheduler_type": "cosine",
        "warmup_ratio": 0.1,
        "seed": args.seed,
        "data_seed": args.seed,
        "bf16": bf16,
        "use_cpu": use_cpu,
    }
    if use_cpu:
        # Small models on a CPU: recomputing activations costs ~10% time and saves memory nobody needs.
        recipe["disable_gradient_checkpointing"] = True
    if "max_steps" in values:
        recipe["max_steps"] = values["max_steps"]
    else:
        recipe["num_train_epochs"] = values["num_train_epochs"]
    recipe.update(args.overrides)
    return recipe


def render_recipe(recipe: dict[str, Any], name: str = "goose-studio") -> str:
    header = (
        f"# Goose Studio training recipe: {name}\n"
        "# A plain LLaMA-Factory config. Run it by hand with:\n"
        "#   llamafactory-cli train recipe.yaml\n"
    )
    return header + yaml.safe_dump(recipe, sort_keys=False)


def trainer_command(recipe_path: Path) -> list[str]:
    cli = Path(sys.executable).with_name("llamafactory-cli")
    if cli.exists():
        return [str(cli), "train", str(recipe_path)]
    return [sys.executable, "-m", "llamafactory.cli", "train", str(recipe_path)]


def trainer_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.setdefault("DISABLE_VERSION_CHECK", "1")
    env.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def read_trainer_log(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return rows
    for line in text.splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _hms_to_s(text: str | None) -> float | None:
    if not text:
        return None
    try:
        days = 0
        if "day" in text:
            d, text = text.split(",", 1)
            days = int(d.split()[0])
        h, m, s = (float(x) for x in text.strip().split(":"))
        return days * 86400 + h * 3600 + m * 60 + s
    except ValueError:
        return None


def classify_failure(returncode: int, log_tail: str) -> ToolFailure:
    tail = log_tail[-4000:]
    low = tail.lower()
    details = {"exit_code": returncode, "log_tail": tail[-1500:]}
    if returncode in (-signal.SIGKILL, 137) or "out of memory" in low or "memoryerror" in low:
        return ToolFailure(FailureKind.oom, "Training ran out of memory.",
                           hint="Use a smaller batch size or cutoff length, or a smaller model; then resume.", details=details)
    if "no space left on device" in low:
        return ToolFailure(FailureKind.disk_full, "The disk filled up during training.",
                           hint="Free disk space where GOOSE_STUDIO_HOME lives, then resume the run.", details=details)
    if "packagenotfounderror" in low or "modulenotfounderror" in low or "no module named" in low:
        return ToolFailure(FailureKind.missing_dependency, "A package the trainer needs is not installed.",
                           hint="Run `bash scripts/setup.sh` (or `goose-studio doctor`) and resume.", details=details)
    if re.search(r"\bloss\b[^\n]*\bnan\b|\bnan\b[^\n]*\bloss\b", low):
        return ToolFailure(FailureKind.nan_loss, "The training loss became NaN.",
                           hint="Lower the learning rate (e.g. --learning-rate 1e-4) and resume.", details=details)
    return ToolFailure(FailureKind.train_failed, f"LLaMA-Factory exited with code {returncode}.",
                       hint="See the training log in the run folder; resume once the cause is fixed.", details=details)


def _last_checkpoint(output_dir: Path) -> str | None:
    ckpts = sorted((p for p in output_dir.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()),
                   key=lambda p: int(p.name.split("-")[-1]))
    return str(ckpts[-1]) if ckpts else None


def _kill(proc: subprocess.Popen) -> None:
    """Stop the trainer and everything it started (it leads its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


PID_FILE = "trainer.pid"


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
                                     eta_sec=_hms_to_s(row.get("remaining_time")), epoch=row.get("epoch"))
                    if isinstance(loss, float) and not math.isfinite(loss):
                        _kill(proc)
                        raise ToolFailure(FailureKind.nan_loss, f"The training loss became {loss} at step {row.get('current_steps')}.",
                                          hint="Lower the learning rate (e.g. --learning-rate 1e-4) and resume.",
                                          details={"step": row.get("current_steps")})
                seen = len(rows)
                if rc is not None:
                    pid_file.unlink(missing_ok=True)
                    return rc, rows
                if time.monotonic() - start > timeout_s:
                    _kill(proc)
                    raise ToolFailure(FailureKind.timeout, f"Training did not finish within {timeout_s} s.",
                                      hint="Resume the run to continue from the last checkpoint, or use a shorter preset.",
                                      details={"timeout_s": timeout_s, "step": rows[-1].get("current_steps") if rows else 0})
        except BaseException:
            _kill(proc)
            raise


@tool("train", tab="train", primary=True)
def train(args: TrainArgs, ctx: ToolContext) -> TrainResult:
    """Fine-tune a LoRA adapter with LLaMA-Factory on a prepared dataset (resumes from its last checkpoint)."""
    model_path, dataset_dir = Path(args.model_path), Path(args.dataset_dir)
    if not (model_path / "config.json").is_file():
        raise ToolFailure(FailureKind.not_found, f"No model folder at {model_path}.", hint="Run prepare_model first.")
    info_path = dataset_dir / "dataset_info.json"
    try:
        info = json.loads(info_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ToolFailure(FailureKind.not_found, f"No readable dataset_info.json in {dataset_dir} ({exc}).",
                          hint="Run generate_pairs first.") from None
    if args.dataset not in info:
        raise ToolFailure(FailureKind.invalid_input, f"Dataset '{args.dataset}' is not in {info_path}.",
                          hint="Known datasets: " + ", ".join(sorted(info)))
    import importlib.util

    if importlib.util.find_spec("llamafactory") is None:  # located, not imported: the trainer is a child process
        raise ToolFailure(FailureKind.missing_dependency, "LLaMA-Factory is not installed.",
                          hint="Run `bash scripts/setup.sh`, then resume.")

    output_dir, recipe_path = Path(args.output_dir), Path(args.recipe_path)
    output_dir.mkdir(parents=True, exist_ok=True)
    stale = stop_stale_trainer(output_dir)
    if stale:
        ctx.progress(stage="stopped a trainer left over from a crashed run", pid=stale)
    recipe = build_recipe(args)
    write_atomic(recipe_path, render_recipe(recipe, output_dir.name))
    trainer_log = output_dir / "trainer_log.jsonl"
    resumed_from = _last_checkpoint(output_dir)
    if resumed_from is None and trainer_log.exists():
        trainer_log.unlink()  # a run that saved nothing starts over
    if all((output_dir / f).is_file() for f in ADAPTER_FILES) and (output_dir / "train_results.json").is_file():
        rows = read_trainer_log(trainer_log)
        return _result(args, output_dir, recipe_path, trainer_log, rows, 0.0, resumed_from, recipe)

    log_path = Path(args.recipe_path).parent / "logs" / "train.log"
    ctx.progress(stage="starting trainer", resumed_from=resumed_from)
    start = time.monotonic()
    rc, rows = run_trainer(trainer_command(recipe_path), log_path, trainer_log, args.timeout_s, ctx)
    duration = time.monotonic() - start
    if rc != 0:
        tail = log_path.read_text(errors="replace")[-6000:] if log_path.exists() else ""
        raise classify_failure(rc, tail)
    missing = [f for f in ADAPTER_FILES if not (output_dir / f).is_file()]
    if missing:
        raise ToolFailure(FailureKind.train_failed, f"Training finished but wrote no {', '.join(missing)}.",
                          hint="See the training log in the run folder.", details={"output_dir": str(output_dir)})
    return _result(args, output_dir, recipe_path, trainer_log, rows, duration, resumed_from, recipe)


def _result(args: TrainArgs, output_dir: Path, recipe_path: Path, trainer_log: Path, rows: list[dict[str, Any]],
            duration: float, resumed_from: str | None, recipe: dict[str, Any]) -> TrainResult:
    losses = [r["loss"] for r in rows if isinstance(r.get("loss"), (int, float))]
    steps = max((r.get("current_steps", 0) for r in rows), default=0)
    total = max((r.get("total_steps", 0) for r in rows), default=0)
    results_file = output_dir / "train_results.json"
    if results_file.exists() and not duration:
        try:
            duration = float(json.loads(results_file.read_text()).get("train_runtime", 0.0))
        except (OSError, json.JSONDecodeError, ValueError):
            pass
    return TrainResult(
        adapter_dir=str(output_dir), recipe_path=str(recipe_path), trainer_log=str(trainer_log), steps=steps,
        total_steps=total, final_loss=losses[-1] if losses else None, first_loss=losses[0] if losses else None,
        duration_s=round(duration, 2), resumed_from=resumed_from, device="cpu" if recipe.get("use_cpu") else "cuda",
        log_path=str(Path(args.recipe_path).parent / "logs" / "train.log"),
    )


def clear_output(output_dir: Path) -> None:
    shutil.rmtree(output_dir, ignore_errors=True)
