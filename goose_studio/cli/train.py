"""Training control: ``train pause RUN`` (checkpoint, then stop; the run waits), ``train stop RUN`` (end
training now and keep the best adapter; the run goes on) and ``train resume RUN`` (continue from the
checkpoint, in the foreground like ``resume`` unless ``--detach``). The same as the MCP tools
``pause_training``, ``stop_training`` and ``resume_training``."""

from __future__ import annotations

import typer

from ..tools.registry import ToolContext, call_tool
from ..tools.train.control import RESUME_CHOICE, paused_question
from .common import app, command_failures, console, print_json, workspace

train_app = typer.Typer(no_args_is_help=True, help="Control a run's training: pause, stop (keep the best), resume.")
app.add_typer(train_app, name="train")


def _request(tool: str, run_id: str, as_json: bool) -> None:
    with command_failures(as_json, run_id=run_id):
        result = call_tool(tool, {"run_id": run_id}, ToolContext(workspace=workspace()))
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        console.print(f"{result.action.capitalize()} requested for {run_id}. {result.next}")


@train_app.command("pause")
def pause(run_id: str = typer.Argument(..., help="The run's id."),
          as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Pause a run's training: a checkpoint is saved, then the trainer stops and the run waits."""
    _request("pause_training", run_id, as_json)


@train_app.command("stop")
def stop(run_id: str = typer.Argument(..., help="The run's id."),
         as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Stop a run's training now and keep the best adapter so far; the run goes on to TEST and PUBLISH."""
    _request("stop_training", run_id, as_json)


@train_app.command("resume")
def resume(run_id: str = typer.Argument(..., help="The run's id."),
           as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
           detach: bool = typer.Option(False, "--detach", help="Resume in a background worker and return.")) -> None:
    """Resume a paused (or stopped, interrupted) run from its last checkpoint."""
    from .runs import resume as resume_command

    with command_failures(as_json, run_id=run_id):
        answer = RESUME_CHOICE if paused_question(workspace(), run_id) else None
    resume_command(run_id=run_id, answer=answer, as_json=as_json, detach=detach)
