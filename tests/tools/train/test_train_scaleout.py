"""Scale-out for real: the launch :func:`launch_plan` prints for two processes on this CPU (LLaMA-Factory's
``FORCE_TORCHRUN`` path, torchrun, the gloo backend) trains a tiny model for a few steps and yields one adapter."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from goose_studio.tools.train import TrainArgs
from goose_studio.tools.train.launch import launch_plan
from goose_studio.tools.train.recipe import ADAPTER_FILES, plan_training

from train_helpers import DATASET, calc_rows, shared_tiny_model, trainer_env, write_dataset


pytestmark = pytest.mark.e2e  # two trainer processes start and train: about 1.5-2.5 min here


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """Run node 0's command of a 1 node x 2 process torchrun plan; return the plan, output folder and log."""
    base = tmp_path_factory.mktemp("scaleout")
    model = shared_tiny_model(tmp_path_factory.getbasetemp() / "models")
    data = write_dataset(base / "data", calc_rows(16))
    out = base / "out"
    recipe = plan_training(TrainArgs(model_path=str(model), template="smollm2", dataset_dir=str(data),
                                     dataset=DATASET, output_dir=str(out), recipe_path=str(base / "r.yaml"),
                                     preset="smoke", use_cpu=True, num_train_epochs=1, save_steps=100)).recipe
    plan = launch_plan(recipe, "tiny", nodes=1, gpus_per_node=2, launcher="torchrun", folder=base / "launch",
                       master_port=free_port(), device="cpu")
    node = plan.per_node[0]
    env = {**os.environ, **trainer_env(base / "locks"), **node.env, "DISABLE_VERSION_CHECK": "1",
           "TOKENIZERS_PARALLELISM": "false", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    log = base / "launch.log"
    with log.open("wb") as fh:
        rc = 0
        for command in node.commands:
            rc = subprocess.run(command, env=env, stdout=fh, stderr=subprocess.STDOUT, timeout=600).returncode
            if rc:
                break
    return {"plan": plan, "out": out, "rc": rc, "log": log.read_text(errors="replace")}


def test_two_processes_train_one_adapter(launched):
    assert launched["rc"] == 0, launched["log"][-3000:]
    plan, out = launched["plan"], launched["out"]
    assert plan.world_size == 2 and plan.strategy == "ddp" and plan.per_node[0].env["FORCE_TORCHRUN"] == "1"
    for name in ADAPTER_FILES:
        assert (out / name).is_file(), name
    assert not list(out.glob("rank*")) and len(list(out.glob("adapter_model*.safetensors"))) == 1
    rows = [json.loads(line) for line in (out / "trainer_log.jsonl").read_text().splitlines()]
    assert rows[-1]["current_steps"] == rows[-1]["total_steps"]


def test_both_ranks_shared_the_epoch_over_gloo(launched):
    """16 rows, an effective batch of 4 per process: one process takes 4 steps for the epoch, two take 2."""
    rows = [json.loads(line) for line in (launched["out"] / "trainer_log.jsonl").read_text().splitlines()]
    written = yaml.safe_load(Path(launched["plan"].recipe_path).read_text())
    per_process = written["per_device_train_batch_size"] * written["gradient_accumulation_steps"]
    assert per_process == 4 and rows[-1]["total_steps"] == 16 // (per_process * launched["plan"].world_size) == 2
    assert written["ddp_backend"] == "gloo" and written["use_cpu"] is True
    assert "quantization_bit" not in written and written["use_unsloth"] is False
