"""The trainer process: ``python -m goose_studio.tools.train.launcher recipe.yaml``.

It runs LLaMA-Factory's own training entry (``run_exp``, what ``llamafactory-cli train recipe.yaml`` runs)
with one callback of the studio's, :class:`StudioControl`, which

- reads the run's control file after every optimizer step: ``pause`` saves a checkpoint and exits with
  :data:`PAUSED_EXIT` (the final adapter is not written, so the run is not mistaken for a finished one);
  ``stop`` ends training there (LLaMA-Factory then saves the adapter as usual);
- on a resume whose recipe asks for another learning rate than the checkpoint's (a repair halved it after
  the loss diverged), rescales the restored optimizer and scheduler to the new rate;
- stops the trainer the moment the logged loss diverges (:func:`~.progress.diverged`), before the step's
  checkpoint is saved, and exits with :data:`DIVERGED_EXIT`: the checkpoints it leaves are the good ones.

Nothing here imports the studio's tools beyond this package; the recipe stays a plain LLaMA-Factory config.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

CONTROL_ENV = "GOOSE_STUDIO_TRAIN_CONTROL"
PAUSED_EXIT = 75  # EX_TEMPFAIL: stopped on purpose, resumable
PAUSED_FILE = "paused.json"
DIVERGED_EXIT = 76
DIVERGED_FILE = "diverged.json"


def _exit_with(path: Path, marker: dict, code: int) -> None:
    path.write_text(json.dumps(marker) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # at once: neither a checkpoint nor a final adapter is written after this


def read_control(path: Path | None) -> str | None:
    """The action in a control file (``pause``, ``stop`` or ``checkpoint``), if any."""
    if path is None:
        return None
    try:
        action = json.loads(path.read_text()).get("action")
    except (OSError, ValueError, AttributeError):
        return None
    return action if action in ("pause", "stop", "checkpoint") else None


def make_callback(control_path: Path | None) -> Any:
    from transformers import TrainerCallback

    from .progress import diverged

    class StudioControl(TrainerCallback):
        """Pause, stop and learning-rate changes on resume, for the studio's train tool."""

        def __init__(self) -> None:
            self.exiting: str | None = None

        def on_train_begin(self, args, state, control, optimizer=None, lr_scheduler=None, **kwargs):
            if state.global_step <= 0 or optimizer is None or lr_scheduler is None:
                return
            base = list(getattr(lr_scheduler, "base_lrs", []) or [])
            if not base or not base[0]:
                return
            ratio = float(args.learning_rate) / float(base[0])
            if abs(ratio - 1.0) < 1e-6:
                return
            lr_scheduler.base_lrs = [b * ratio for b in base]
            for group in optimizer.param_groups:
                group["initial_lr"] = group.get("initial_lr", base[0]) * ratio
                group["lr"] = group["lr"] * ratio
            last = getattr(lr_scheduler, "_last_lr", None)
            if last:
                lr_scheduler._last_lr = [x * ratio for x in last]
            print(f"[goose-studio] learning rate rescaled by {ratio:g} on resume at step {state.global_step}",
                  flush=True)

        def on_log(self, args, state, control, logs=None, **kwargs):
            rows = [{"current_steps": h.get("step"), "loss": h.get("loss")} for h in state.log_history if "loss" in h]
            bad = diverged(rows)
            if bad is not None and args.should_save:
                _exit_with(Path(args.output_dir) / DIVERGED_FILE, bad, DIVERGED_EXIT)
            return control

        def on_step_end(self, args, state, control, **kwargs):
            action = read_control(control_path)
            if action in ("pause", "checkpoint"):
                self.exiting = action
                control.should_save = True
                control.should_training_stop = True
            elif action == "stop":
                control.should_training_stop = True
            return control

        def on_save(self, args, state, control, **kwargs):
            if self.exiting and args.should_save:
                marker = {"action": self.exiting, "step": state.global_step,
                          "checkpoint": str(Path(args.output_dir) / f"checkpoint-{state.global_step}")}
                # before LLaMA-Factory writes a final adapter for a run that is not done
                _exit_with(Path(args.output_dir) / PAUSED_FILE, marker, PAUSED_EXIT)
            return control

    return StudioControl()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m goose_studio.tools.train.launcher RECIPE.yaml", file=sys.stderr)
        return 2
    control = os.environ.get(CONTROL_ENV)
    from llamafactory.train.tuner import run_exp

    sys.argv = ["llamafactory-cli", argv[1]]
    run_exp(callbacks=[make_callback(Path(control) if control else None)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
