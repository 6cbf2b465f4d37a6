"""TRAIN: fine-tuning through LLaMA-Factory, driven by a YAML recipe written into the run folder.

The recipe is a plain LLaMA-Factory config: ``llamafactory-cli train recipe.yaml`` accepts it unchanged.
The tool runs the trainer in a child process that waits for the device in a queue, follows
``trainer_log.jsonl`` for progress (step, loss, learning rate, tokens/s, ETA), watches for a hang, a
diverged loss and a plateau, and turns the trainer's failures into typed ones. Re-running it on the same
output folder continues from the last saved training checkpoint.

Modules: :mod:`.recipe` (arguments, machine defaults, the config), :mod:`.methods` (QLoRA, LoRA, full,
Unsloth, precision: what can run here), :mod:`.launcher` (the trainer process's entry and its control
callback), :mod:`.process` (running and watching the trainer), :mod:`.limits` (its memory cap),
:mod:`.queue` (one trainer per device), :mod:`.failures` (typed failures from its exit and log),
:mod:`.progress` (its log, progress events, divergence and plateau), :mod:`.curve` (the loss-curve PNG),
:mod:`.estimate` (training time), :mod:`.extract` (a LoRA from a full fine-tune), :mod:`.launch` (multi-GPU
and multi-node launch plans), :mod:`.tool` (the tool) and :mod:`.control` (pause, stop, resume tools).
Importing this package registers the tools.
"""

from .control import pause_training, paused_question, resume_training, stop_training
from .failures import classify_failure
from .methods import Substitution, choose_method, choose_unsloth
from .process import PID_FILE, Watch, kill, llamafactory_command, run_trainer, stop_stale_trainer, trainer_command, \
    trainer_env, write_control
from .progress import diverged, hms_to_s, plateau, read_trainer_log
from .queue import queue_state, trainer_slot
from .recipe import ADAPTER_FILES, TrainArgs, TrainingPlan, build_recipe, cpu_bf16_ok, cuda_available, \
    plan_training, render_recipe
from .tool import LOSS_CURVE, TrainResult, clear_output, last_checkpoint, result_of, train

__all__ = [
    "ADAPTER_FILES", "LOSS_CURVE", "PID_FILE", "Substitution", "TrainArgs", "TrainResult", "TrainingPlan", "Watch",
    "build_recipe", "choose_method", "choose_unsloth", "classify_failure", "clear_output", "cpu_bf16_ok",
    "cuda_available", "diverged", "hms_to_s", "kill", "last_checkpoint", "llamafactory_command", "pause_training",
    "paused_question", "plan_training", "plateau", "queue_state", "read_trainer_log", "render_recipe",
    "result_of", "resume_training", "run_trainer", "stop_stale_trainer", "stop_training", "train",
    "trainer_command", "trainer_env", "trainer_slot", "write_control",
]
