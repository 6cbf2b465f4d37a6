"""Following the trainer: progress events, divergence, plateau, the log on resume, the loss curve, estimates."""
import json
import math
import sys
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.train import diverged, plateau, run_trainer
from goose_studio.tools.train.curve import draw_loss_curve
from goose_studio.tools.train.estimate import planned_tokens, estimate_seconds, read_speeds, record_speed, speed_key
from goose_studio.tools.train.progress import progress_payload, trim_log


def rows_of(losses, total=None):
    return [{"current_steps": i + 1, "total_steps": total or len(losses), "loss": v} for i, v in enumerate(losses)]


def fake_trainer(tmp_path: Path, rows: list[dict], exit_code: int = 0) -> list[str]:
    """A child process that writes trainer_log.jsonl rows like LLaMA-Factory does."""
    script = tmp_path / "fake.py"
    script.write_text(
        "import json, sys\n"
        f"rows = json.loads({json.dumps(json.dumps(rows))})\n"
        f"with open({str(tmp_path / 'trainer_log.jsonl')!r}, 'a') as fh:\n"
        "    for r in rows:\n"
        "        fh.write(json.dumps(r) + '\\n')\n"
        f"sys.exit({exit_code})\n")
    return [sys.executable, str(script)]


class Recorder:
    def __init__(self):
        self.events = []

    def progress(self, **payload):
        self.events.append(payload)


def test_progress_is_followed_from_trainer_log(tmp_path):
    rows = [{"current_steps": i, "total_steps": 3, "loss": 2.0 - i / 2, "lr": 1e-4 * i, "epoch": i / 3,
             "throughput": 300.0 + i, "total_tokens": 100 * i, "remaining_time": "0:00:0%d" % (3 - i),
             "elapsed_time": "0:00:0%d" % i} for i in (1, 2, 3)]
    ctx = Recorder()
    rc, seen = run_trainer(fake_trainer(tmp_path, rows), tmp_path / "log.txt", tmp_path / "trainer_log.jsonl", 60, ctx, poll_s=0.05)
    assert rc == 0 and [r["current_steps"] for r in seen] == [1, 2, 3]
    assert [(e["step"], e["total"], e["loss"], e["eta_sec"]) for e in ctx.events] == [(1, 3, 1.5, 2.0), (2, 3, 1.0, 1.0), (3, 3, 0.5, 0.0)]
    last = ctx.events[-1]
    assert last["lr"] == pytest.approx(3e-4)
    assert (last["tokens_per_s"], last["tokens"], last["elapsed_s"]) == (303.0, 300, 3.0)


def test_nan_loss_stops_training_with_a_typed_failure(tmp_path):
    rows = [{"current_steps": 1, "total_steps": 5, "loss": 1.0}, {"current_steps": 2, "total_steps": 5, "loss": float("nan")}]
    with pytest.raises(ToolFailure) as exc:
        run_trainer(fake_trainer(tmp_path, rows), tmp_path / "log.txt", tmp_path / "trainer_log.jsonl", 60, None, poll_s=0.05)
    assert exc.value.kind is FailureKind.nan_loss and exc.value.details["step"] == 2


def test_a_loss_that_explodes_is_divergence_and_a_noisy_one_is_not():
    assert diverged(rows_of([1.0, float("inf")]))["step"] == 2
    exploded = diverged(rows_of([2.36, 2.1, 28.7, 10.8, 10.8, 10.8]))  # what an absurd rate does under bf16
    assert exploded["step"] == 3 and exploded["lowest"] == 2.1
    assert diverged(rows_of([1.2, 0.4, 2.9, 0.5, 3.1, 0.6, 0.45])) is None  # single spikes: hard rows, not divergence
    assert diverged(rows_of([0.5, 0.5, 0.5])) is None


def test_a_flat_loss_is_a_plateau_once_enough_steps_have_run():
    flat = rows_of([5.0 + 0.01 * math.sin(i) for i in range(16)], total=40)
    found = plateau(flat)
    assert found is not None and found["step"] == 16
    assert plateau(flat[:8]) is None  # too early to tell
    falling = rows_of([3.0 - 0.1 * i for i in range(20)], total=40)
    assert plateau(falling) is None
    converged = rows_of([3.0 * 0.7 ** i for i in range(8)] + [0.17] * 12, total=40)
    assert plateau(converged) is None  # fell, then flattened: learned, not stuck


def test_the_log_of_a_resumed_trainer_keeps_only_the_rows_up_to_its_checkpoint(tmp_path):
    log = tmp_path / "trainer_log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows_of([1.0, 0.9, 0.8, float("nan"), float("nan")])))
    assert [r["current_steps"] for r in trim_log(log, 2)] == [1, 2]
    assert [json.loads(l)["current_steps"] for l in log.read_text().splitlines()] == [1, 2]
    trim_log(log, None)
    assert not log.exists()


def test_progress_payload_leaves_out_what_the_trainer_did_not_log():
    payload = progress_payload({"current_steps": 3, "total_steps": 9, "loss": 1.2, "epoch": 0.5})
    assert payload == {"step": 3, "total": 9, "epoch": 0.5, "loss": 1.2, "eta_sec": None}


def test_the_loss_curve_is_a_png_drawn_from_the_log(tmp_path):
    rows = rows_of([2.0, 1.5, 1.2, 1.1]) + [{"current_steps": 4, "total_steps": 4, "eval_loss": 1.3}]
    path = draw_loss_curve(rows, tmp_path / "curve.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2000
    assert draw_loss_curve([], tmp_path / "none.png") is None and not (tmp_path / "none.png").exists()


def test_estimates_count_the_planned_tokens_and_learn_this_machines_speed(tmp_path):
    recipe = {"per_device_train_batch_size": 1, "gradient_accumulation_steps": 4, "num_train_epochs": 2.0,
              "cutoff_len": 256, "use_cpu": True, "bf16": True, "finetuning_type": "lora"}
    counts = [100] * 40
    assert planned_tokens(counts, recipe) == (20, 8000)
    assert planned_tokens(counts, {**recipe, "max_steps": 5}) == (5, 2000)
    assert planned_tokens(counts, {**recipe, "packing": True}) == (8, 8000)  # 16 blocks of 256, 2 epochs
    key = speed_key(recipe, 134_500_000)
    record_speed(tmp_path, key, 400.0, 15.0)
    known = estimate_seconds(counts, recipe, 134_500_000, tmp_path)
    assert known["basis"] == "measured here" and known["seconds"] == pytest.approx(15 + 8000 / 400)
    record_speed(tmp_path, key, 200.0, 25.0)
    assert read_speeds(tmp_path)[key]["tokens_per_s"] == 300.0
