"""Recovery from the real condition: each failure is caused for real on a tiny model (an absurd learning
rate, a memory cap, a small filesystem, a stopped trainer, a learning rate too small to learn, Unsloth that cannot start, an
uncached model offline) and the train tool's answer to it is checked, then the step the repair takes."""
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from goose_studio.agents.remedies import fallbacks, matches, repairs
from goose_studio.errors import Failure, FailureKind, ToolFailure
from goose_studio.graphs.recovery import free_disk
from goose_studio.tools.train import PID_FILE, TrainArgs, read_trainer_log, train, write_control
from goose_studio.workspace import Workspace

from train_helpers import (DATASET, Recorder, calc_rows, logged_step, long_rows, shared_tiny_model, trainer_env,
                           wait_for, write_dataset)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    saved = dict(os.environ)
    os.environ.update(trainer_env(tmp_path_factory.mktemp("locks")))
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, env):
    return shared_tiny_model(tmp_path_factory.getbasetemp() / "models")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    base = tmp_path_factory.mktemp("data")
    return {"calc": write_dataset(base / "calc", calc_rows()), "long": write_dataset(base / "long", long_rows())}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    workspace = Workspace(tmp_path_factory.mktemp("ws"))
    workspace.ensure()
    return workspace


def args_for(model: Path, data: Path, out: Path, recipe_dir: Path | None = None, **kw) -> TrainArgs:
    """Train-tool arguments; the recipe (and the run's logs/ beside it) in ``recipe_dir``, else beside ``out``."""
    return TrainArgs(model_path=str(model), template="smollm2", dataset_dir=str(data), dataset=DATASET,
                     output_dir=str(out), recipe_path=str((recipe_dir or out.parent) / f"{out.name}.yaml"),
                     **{"preset": "smoke", "use_cpu": True, **kw})


def first_remedy(pool, failure: ToolFailure, options: dict) -> str | None:
    f = Failure.of(failure, "train")
    return next((r.id for r in pool() if matches(r, f, options)), None)


def in_background(fn):
    """Run ``fn`` (it watches a trainer) beside the tool call; its exception, if any, is raised by join()."""
    errors = []

    def run():
        try:
            fn()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join():
        thread.join(60)
        if errors:
            raise errors[0]
    return join


def test_a_diverged_loss_resumes_from_the_last_good_checkpoint_at_the_halved_rate(tiny, data, ws, tmp_path):
    out = tmp_path / "nan"
    base = dict(max_steps=20, save_steps=2, learning_rate=5e-4)
    # Train normally, and pause after a few steps (a checkpoint is saved, the trainer stops).
    joined = in_background(lambda: (wait_for(lambda: logged_step(out) >= 4), write_control(out, "pause")))
    with pytest.raises(ToolFailure) as paused:
        train(args_for(tiny, data["calc"], out, **base), Recorder(ws))
    joined()
    assert paused.value.kind is FailureKind.needs_user and paused.value.details["paused"]
    good = paused.value.details["checkpoint"]
    assert Path(good).is_dir() and 4 <= paused.value.details["step"] < 20
    # Resume with an absurd learning rate: the loss explodes; the checkpoints saved after it went are removed.
    with pytest.raises(ToolFailure) as exploded:
        train(args_for(tiny, data["calc"], out, **base, overrides={"learning_rate": 1000.0}), Recorder(ws))
    failure = exploded.value
    assert failure.kind is FailureKind.nan_loss and failure.details["step"] > paused.value.details["step"]
    assert failure.details["last_good_checkpoint"] == good
    assert sorted(p.name for p in out.glob("checkpoint-*"))[-1] == Path(good).name
    after = {r["current_steps"]: r["lr"] for r in read_trainer_log(out / "trainer_log.jsonl")}
    assert first_remedy(repairs, failure, {"bf16": None}) == "halve-learning-rate"
    # The repair halves the rate: training resumes from the same checkpoint at half of it.
    try:
        train(args_for(tiny, data["calc"], out, **base, overrides={"learning_rate": 500.0}), Recorder(ws))
    except ToolFailure as again:
        assert again.kind is FailureKind.nan_loss  # half of absurd is still absurd; the repair was applied
    log = (tmp_path / "logs" / "train.log").read_text()
    assert "learning rate rescaled" in log
    resumed = {r["current_steps"]: r["lr"] for r in read_trainer_log(out / "trainer_log.jsonl")}
    step = int(Path(good).name.split("-")[1]) + 2
    assert resumed[step] == pytest.approx(after[step] / 2)


def test_a_memory_cap_stops_a_batch_too_large_and_a_smaller_batch_fits(tmp_path_factory, data, ws, tmp_path, env):
    big_vocab = shared_tiny_model(tmp_path_factory.getbasetemp() / "models", vocab=65536, steps=0)
    cap = dict(max_steps=1, cutoff_len=512, gradient_accumulation_steps=1, memory_limit_mb=2000)
    with pytest.raises(ToolFailure) as oom:
        train(args_for(big_vocab, data["long"], tmp_path / "big", batch_size=8, **cap), Recorder(ws))
    assert oom.value.kind is FailureKind.oom and oom.value.details["exit_code"] == -signal.SIGKILL
    assert first_remedy(repairs, oom.value, {"batch_size": None}) == "halve-batch"
    done = train(args_for(big_vocab, data["long"], tmp_path / "small", batch_size=1, **cap), Recorder(ws))
    assert done.steps == 1 and not list(Path("/sys/fs/cgroup/memory").glob("goose-studio-trainer-*"))


@pytest.fixture
def small_output(ws):
    """The workspace's output folder on a 3 MiB filesystem of its own (tmpfs, as root)."""
    ws.output.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(ws.output)], check=True)
    yield ws.output
    subprocess.run(["umount", "-l", str(ws.output)], check=True)


def test_a_full_disk_is_typed_and_cleaning_old_checkpoints_lets_training_finish(tiny, data, ws, small_output, tmp_path):
    old = small_output / "old-run"
    (old / "checkpoint-40").mkdir(parents=True)
    (old / "adapter_model.safetensors").write_bytes(b"\0" * 1024)  # that run is finished: its checkpoints may go
    (old / "checkpoint-40" / "optimizer.pt").write_bytes(b"\0" * (2900 * 1024))
    out = small_output / "new-run"
    with pytest.raises(ToolFailure) as full:
        train(args_for(tiny, data["calc"], out, tmp_path, max_steps=4, save_steps=2), Recorder(ws))
    assert full.value.kind is FailureKind.disk_full
    assert first_remedy(repairs, full.value, {}) == "free-disk"
    removed = free_disk(ws, keep_run="new-run")  # what the repair's `clean: [disk]` does
    assert str(old / "checkpoint-40") in removed
    done = train(args_for(tiny, data["calc"], out, tmp_path, max_steps=4, save_steps=2), Recorder(ws))
    assert done.steps == 4 and (out / "adapter_model.safetensors").is_file()


def test_a_hung_trainer_is_stopped_by_the_watchdog_and_resumes_from_its_checkpoint(tiny, data, ws, tmp_path):
    out = tmp_path / "hang"
    settings = dict(max_steps=10, save_steps=2, cutoff_len=512)

    def stop_it():
        wait_for(lambda: logged_step(out) >= 3 and (out / "checkpoint-2").is_dir())
        os.killpg(int((out / PID_FILE).read_text()), signal.SIGSTOP)  # the trainer is frozen, not dead

    joined = in_background(stop_it)
    with pytest.raises(ToolFailure) as hung:
        train(args_for(tiny, data["long"], out, idle_s=3, **settings), Recorder(ws))
    joined()
    assert hung.value.kind is FailureKind.timeout and hung.value.details["hang"] and hung.value.details["idle"]
    checkpoint = hung.value.details["checkpoint"]
    assert checkpoint and Path(checkpoint).is_dir()
    assert first_remedy(repairs, hung.value, {}) == "restart-from-checkpoint"
    done = train(args_for(tiny, data["long"], out, **settings), Recorder(ws))
    assert done.resumed_from == checkpoint and done.steps == 10


def test_a_rate_too_small_to_learn_plateaus_then_training_stops_early_and_keeps_the_adapter(tiny, data, ws, tmp_path):
    out = tmp_path / "plateau"
    # The loss cannot move: nothing is learnt. Long rows make each step slow enough for the watcher to act
    # on the plateau while steps remain (it reads the trainer's log once a second).
    settings = dict(max_steps=60, save_steps=5, learning_rate=1e-9)
    ctx = Recorder(ws)
    with pytest.raises(ToolFailure) as flat:
        train(args_for(tiny, data["long"], out, **settings), ctx)
    failure = flat.value
    assert failure.kind is FailureKind.low_quality and failure.details["plateau"]
    assert Path(failure.details["checkpoint"]).is_dir() and "plateau" in ctx.stages()
    assert first_remedy(repairs, failure, {}) == "raise-learning-rate"
    assert first_remedy(fallbacks, failure, {"stop_on_plateau": False}) == "stop-on-plateau"
    done = train(args_for(tiny, data["long"], out, stop_on_plateau=True, **settings), Recorder(ws))
    assert done.stopped_early == "plateau" and done.resumed_from == failure.details["checkpoint"]
    assert done.steps < 60 and (out / "adapter_model.safetensors").is_file()


def test_unsloth_that_cannot_start_falls_back_to_standard_training(tiny, data, ws, tmp_path):
    out = tmp_path / "unsloth"
    with pytest.raises(ToolFailure) as missing:
        train(args_for(tiny, data["calc"], out, max_steps=3, use_unsloth=True), Recorder(ws))
    assert missing.value.kind is FailureKind.missing_dependency and missing.value.details["package"] == "unsloth"
    assert first_remedy(repairs, missing.value, {"use_unsloth": True}) == "no-unsloth"
    ctx = Recorder(ws)
    done = train(args_for(tiny, data["calc"], out, max_steps=3, use_unsloth=False), ctx)
    assert done.steps == 3 and not done.unsloth and done.tokens and done.tokens_per_s > 0
    assert Path(done.loss_curve).read_bytes()[:4] == b"\x89PNG"
    steps = [e for e in ctx.events if "step" in e and e.get("loss") is not None]
    assert {"lr", "tokens_per_s", "eta_sec", "epoch"} <= set(steps[-1])
    assert "starting trainer" in ctx.stages() and "trainer finished" in ctx.stages()


def test_full_fine_tuning_gives_an_adapter_extracted_from_the_change(tiny, data, ws, tmp_path):
    import json

    out = tmp_path / "full"
    done = train(args_for(tiny, data["calc"], out, max_steps=2, method="full", learning_rate=1e-3, lora_rank=4),
                 Recorder(ws))
    assert done.method == "full" and done.extracted["layers"] > 0 and done.extracted["rank"] == 4
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["r"] == 4 and config["peft_type"] == "LORA"
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(tiny)), str(out))
    assert sum(p.numel() for n, p in model.named_parameters() if "lora_" in n) > 0


def test_an_uncached_model_offline_falls_back_and_a_cached_copy_is_used(ws, tiny, tmp_path, monkeypatch):
    from goose_studio.tools.models import PrepareModelArgs, prepare_model
    from goose_studio.tools.registry import ToolContext

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    ctx = ToolContext(workspace=ws)
    with pytest.raises(ToolFailure) as offline:
        prepare_model(PrepareModelArgs(model="someone/never-downloaded-7b"), ctx)
    assert offline.value.kind is FailureKind.transient
    assert first_remedy(fallbacks, offline.value, {"model": "someone/never-downloaded-7b"}) == "smaller-model"
    # The same id in this machine's own Hugging Face cache (not the workspace's) is used as it is.
    snapshot = tmp_path / "hub" / "models--someone--cached-tiny" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    for f in tiny.iterdir():
        (snapshot / f.name).write_bytes(f.read_bytes())
    (tmp_path / "hub" / "models--someone--cached-tiny" / "refs").mkdir()
    (tmp_path / "hub" / "models--someone--cached-tiny" / "refs" / "main").write_text("0" * 40)
    got = prepare_model(PrepareModelArgs(model="someone/cached-tiny", template="smollm2"), ctx)
    assert Path(got.model_path) == snapshot and got.template == "smollm2"
