"""TRAIN: LoRA fine-tuning through LLaMA-Factory, driven by a YAML recipe written into the run folder.

The recipe is a plain LLaMA-Factory config: ``llamafactory-cli train recipe.yaml`` accepts it unchanged.
The tool runs that same command in a child process, follows ``trainer_log.jsonl`` for progress (step,
loss, ETA) and turns the trainer's failures into typed ones. Re-running it on the same output folder
continues from the last saved training checkpoint.

Modules: :mod:`.recipe` (arguments, machine defaults, the config), :mod:`.process` (the trainer process),
:mod:`.failures` (typed failures from the trainer's exit and log), :mod:`.progress` (its log) and
:mod:`.tool` (the tool). Importing this package registers the tool.
"""

from .failures import classify_failure
from .process import PID_FILE, kill, run_trainer, stop_stale_trainer, trainer_command, trainer_env
from .progress import hms_to_s, read_trainer_log
from .recipe import ADAPTER_FILES, TrainArgs, build_recipe, cpu_bf16_ok, cuda_available, render_recipe
from .tool import TrainResult, clear_output, last_checkpoint, result_of, train

__all__ = [
    "ADAPTER_FILES", "PID_FILE", "TrainArgs", "TrainResult", "build_recipe", "classify_failure", "clear_output",
    "cpu_bf16_ok", "cuda_available", "hms_to_s", "kill", "last_checkpoint", "read_trainer_log", "render_recipe",
    "result_of", "run_trainer", "stop_stale_trainer", "train", "trainer_command", "trainer_env",
]
