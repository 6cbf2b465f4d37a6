"""The train tool's recipe, failure typing and progress following (no real training here; see test_cli)."""
import json
import sys
from pathlib import Path

import pytest
import yaml

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.evaluate import ModelScores, load_pairs, quality_score
from goose_studio.tools.train import TrainArgs, build_recipe, classify_failure, render_recipe, run_trainer


def make_args(tmp_path: Path, **kw) -> TrainArgs:
    return TrainArgs(model_path=str(tmp_path / "m"), template="smollm2", dataset_dir=str(tmp_path / "d"),
                     dataset="x_train", output_dir=str(tmp_path / "o"), recipe_path=str(tmp_path / "r.yaml"), **kw)


def test_recipe_is_a_config_llamafactory_accepts(tmp_path):
    from llamafactory.hparams.parser import _parse_train_args

    recipe = build_recipe(make_args(tmp_path, preset="quick", max_steps=7, use_cpu=True, bf16=False))
    text = render_recipe(recipe)
    assert text.startswith("# Goose Studio training recipe") and "llamafactory-cli train" in text
    model_args, data_args, training_args, finetuning_args, _ = _parse_train_args(yaml.safe_load(text))
    assert finetuning_args.finetuning_type == "lora" and finetuning_args.lora_rank == 16
    assert data_args.template == "smollm2" and data_args.cutoff_len == 256
    assert training_args.max_steps == 7 and training_args.use_cpu is True


def test_explicit_values_override_the_preset(tmp_path):
    recipe = build_recipe(make_args(tmp_path, preset="smoke", cutoff_len=64, learning_rate=1e-4,
                                    overrides={"lora_dropout": 0.0}))
    assert (recipe["cutoff_len"], recipe["learning_rate"], recipe["lora_dropout"]) == (64, 1e-4, 0.0)
    assert recipe["max_steps"] == 4 and "num_train_epochs" not in recipe


@pytest.mark.parametrize("rc,tail,kind", [
    (-9, "", FailureKind.oom),
    (1, "RuntimeError: CUDA out of memory. Tried to allocate", FailureKind.oom),
    (1, "OSError: [Errno 28] No space left on device", FailureKind.disk_full),
    (1, "importlib.metadata.PackageNotFoundError: No package metadata was found for unsloth", FailureKind.missing_dependency),
    (1, "ValueError: something else entirely", FailureKind.train_failed),
])
def test_trainer_failures_are_typed(rc, tail, kind):
    failure = classify_failure(rc, tail)
    assert failure.kind is kind and failure.hint and failure.details["exit_code"] == rc


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
    rows = [{"current_steps": i, "total_steps": 3, "loss": 2.0 - i / 2, "remaining_time": "0:00:0%d" % (3 - i)} for i in (1, 2, 3)]
    ctx = Recorder()
    rc, seen = run_trainer(fake_trainer(tmp_path, rows), tmp_path / "log.txt", tmp_path / "trainer_log.jsonl", 60, ctx, poll_s=0.05)
    assert rc == 0 and [r["current_steps"] for r in seen] == [1, 2, 3]
    assert [(e["step"], e["total"], e["loss"], e["eta_sec"]) for e in ctx.events] == [(1, 3, 1.5, 2.0), (2, 3, 1.0, 1.0), (3, 3, 0.5, 0.0)]


def test_nan_loss_stops_training_with_a_typed_failure(tmp_path):
    rows = [{"current_steps": 1, "total_steps": 5, "loss": 1.0}, {"current_steps": 2, "total_steps": 5, "loss": float("nan")}]
    with pytest.raises(ToolFailure) as exc:
        run_trainer(fake_trainer(tmp_path, rows), tmp_path / "log.txt", tmp_path / "trainer_log.jsonl", 60, None, poll_s=0.05)
    assert exc.value.kind is FailureKind.nan_loss and exc.value.details["step"] == 2


def test_quality_score_and_held_out_loading(tmp_path):
    assert quality_score(ModelScores(perplexity=10.0, rouge_l=0.1), ModelScores(perplexity=5.0, rouge_l=0.4)) == 100
    assert quality_score(ModelScores(perplexity=10.0), ModelScores(perplexity=12.0, rouge_l=0.0)) == 0
    good = tmp_path / "eval.jsonl"
    good.write_text(json.dumps({"instruction": "Q", "input": "ctx", "output": "A"}) + "\n")
    assert load_pairs(good) == [{"prompt": "Q\nctx", "answer": "A"}]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instruction": "Q"}\n')
    with pytest.raises(ToolFailure) as exc:
        load_pairs(bad)
    assert exc.value.kind is FailureKind.corrupted
    with pytest.raises(ToolFailure) as missing:
        load_pairs(tmp_path / "none.jsonl")
    assert missing.value.kind is FailureKind.not_found


def test_a_trainer_orphaned_by_a_killed_studio_is_stopped(tmp_path):
    import subprocess as sp

    from goose_studio.tools.train import PID_FILE, stop_stale_trainer

    # A stand-in whose command line looks like the real trainer's: "<python> -c ... llamafactory train".
    orphan = sp.Popen([sys.executable, "-c", "import sys, time; print('up', flush=True); time.sleep(60)",
                       "llamafactory", "train"], start_new_session=True, stdout=sp.PIPE, text=True)
    assert orphan.stdout.readline().strip() == "up"  # exec has happened: its command line is the new one
    (tmp_path / PID_FILE).write_text(f"{orphan.pid}\n")
    assert stop_stale_trainer(tmp_path) == orphan.pid
    assert orphan.wait(timeout=10) == -9
    assert not (tmp_path / PID_FILE).exists()
    # A pid file naming some other process is dropped without touching that process.
    other = sp.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    (tmp_path / PID_FILE).write_text(f"{other.pid}\n")
    assert stop_stale_trainer(tmp_path) is None and other.poll() is None
    other.kill()
    other.wait()
