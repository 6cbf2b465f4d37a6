"""Run commands: ``learn`` (its options are :class:`~goose_studio.tools.runs.LearnArgs`'s fields), ``resume``
(:class:`~goose_studio.tools.runs.ResumeArgs`'s) and ``runs``."""

from __future__ import annotations

import inspect
import sys
from typing import Any, Optional

import typer
from rich.panel import Panel
from rich.table import Table

from ..errors import FailureKind, ToolFailure
from ..runner import RunOutcome, execute, resume_run
from ..runstore import RunStatus, RunStore, effective_status
from ..tools.registry import REGISTRY, validate_args
from ..tools.runs import LearnArgs, ResumeArgs, create_run
from ..worker import spawn_run
from ..workspace import Workspace
from .common import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_NEEDS_ANSWER, app, command_failures, console, err,
                     print_json, show_failure, show_question, workspace)
from .params import flag, model_parameters, with_parameters
from .view import LiveView


def finish(ws: Workspace, outcome: RunOutcome, as_json: bool) -> None:
    """Print a run's outcome and exit with its code (0 complete, 3 waiting, 130 interrupted, 1 failed)."""
    if as_json:
        print_json({"run_id": outcome.run_id, "status": outcome.status.value, "core": outcome.core_path,
                    "failure": outcome.failure.model_dump(mode="json") if outcome.failure else None,
                    "question": outcome.question.model_dump(mode="json") if outcome.question else None})
    if outcome.status is RunStatus.complete:
        test = outcome.state.get("test")
        if not as_json and test is not None:
            scores = test.scores
            console.print(Panel(
                f"[bold green]Core ready:[/] {outcome.core_path}\n"
                f"Held-out perplexity: base {scores.base.perplexity} → LoRA {scores.lora.perplexity}   "
                f"quality score {scores.quality_score}\nRun folder: {ws.run_dir(outcome.run_id)}",
                border_style="green", expand=False))
        return
    if outcome.status is RunStatus.interrupted:
        err.print(f"Interrupted. Resume with: goose-studio resume {outcome.run_id}")
        raise typer.Exit(EXIT_INTERRUPTED)
    if outcome.status is RunStatus.waiting:
        if not as_json and outcome.question is not None:
            show_question(outcome.question)
        raise typer.Exit(EXIT_NEEDS_ANSWER)
    if not as_json and outcome.failure is not None:
        show_failure(outcome.failure, outcome.run_id, outcome.failed_step)
    raise typer.Exit(EXIT_FAILED)


def detached(ws: Workspace, run_id: str, as_json: bool, resume: bool = False, answer: str | None = None) -> None:
    """Hand the run to a background worker and print its id (the run outlives this command)."""
    pid = spawn_run(ws, run_id, resume=resume, answer=answer)
    if as_json:
        print_json({"run_id": run_id, "status": "starting", "worker_pid": pid, "run_dir": str(ws.run_dir(run_id))})
    else:
        sys.stdout.write(run_id + "\n")
        sys.stdout.flush()
        err.print(f"Running in the background (pid {pid}); follow it with `goose-studio runs`, "
                  f"logs in {ws.run_dir(run_id) / 'logs'}.")


_RUN_FLAGS = [flag("as_json", "Print the outcome as JSON.", "--json"),
              flag("detach", "Run in a background worker; print the run id and return.")]


def learn(**given: Any) -> None:
    """Learn a repository (or files, datasets, several sources): collect, index, generate pairs, train a LoRA,
    evaluate it, package a .gcpkg."""
    as_json, detach, resume = given.pop("as_json"), given.pop("detach"), given.pop("resume")
    several = [s for s in given.pop("source") or [] if s]  # every positional source: the first is `source`
    given["source"], given["sources"] = (several[0] if several else None), (several[1:] or None)
    ws = workspace()
    view = LiveView(console) if not as_json and not detach else None
    with command_failures(as_json, view.close if view else None, run_id=resume, status="failed", core=None):
        if resume:
            if given.get("source") or given.get("example"):
                raise ToolFailure(FailureKind.invalid_input, "Give either a source or --resume RUN_ID, not both.")
            if detach:
                return detached(ws, resume, as_json, resume=True)
            outcome = resume_run(ws, resume, [view] if view else [])  # the same as `goose-studio resume RUN_ID`
        else:
            if not given.get("source") and not given.get("example") and not given.get("recipe"):
                raise ToolFailure(FailureKind.invalid_input, "No source given.",
                                  hint="Pass a git URL or a folder, or --example for the embedded example.")
            run_id = create_run(ws, validate_args(REGISTRY["learn"], given))
            if detach:
                return detached(ws, run_id, as_json)
            if not as_json:
                console.print(f"Run [bold]{run_id}[/]  ({ws.run_dir(run_id)})")
            outcome = execute(ws, run_id, [view] if view else [])
    finish(ws, outcome, as_json)


app.command("learn")(with_parameters(learn, [
    inspect.Parameter("source", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[list[str]], default=typer.Argument(
        None, metavar="SOURCE", help="What to learn, one or more: git URL or owner/repo (URL#REF for a branch "
        "or tag), folder, file (pairs, chat export, document, code, ZIP), hf:OWNER/NAME, recipe:NAME.")),
    *model_parameters(LearnArgs, skip=("source", "sources")),
    inspect.Parameter("resume", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[str],
                      default=typer.Option(None, "--resume", metavar="RUN_ID", help="Continue a stopped run.")),
    *_RUN_FLAGS]))


def resume(**given: Any) -> None:
    """Continue a stopped run, or answer the question it waits on (--answer <choice>)."""
    as_json, detach = given.pop("as_json"), given.pop("detach")
    ws = workspace()
    view = LiveView(console) if not as_json and not detach else None
    with command_failures(as_json, view.close if view else None, run_id=given.get("run_id"), status="failed",
                          core=None):
        args = validate_args(REGISTRY["resume_run"], given)
        if detach:  # a bad answer is refused at once, before a worker starts
            return detached(ws, args.run_id, as_json, resume=True, answer=args.answer)
        outcome = resume_run(ws, args.run_id, [view] if view else [], answer=args.answer)
    finish(ws, outcome, as_json)


app.command("resume")(with_parameters(resume, [
    *model_parameters(ResumeArgs, arguments=("run_id",), shorts={"answer": "-a"}, metavars={"answer": "CHOICE"}),
    *_RUN_FLAGS]))


@app.command()
def runs(as_json: bool = typer.Option(False, "--json")) -> None:
    """List runs with their status (a run whose process died shows as interrupted)."""
    rows = [{**r.model_dump(mode="json"), "status": effective_status(r).value} for r in RunStore(workspace()).list()]
    if as_json:
        print_json(rows)
        return
    table = Table("run id", "status", "step", "source", "created")
    for r in rows:
        table.add_row(r["run_id"], r["status"], str(r.get("failed_step") or r.get("step") or ""),
                      str(r.get("source") or ""), str(r.get("created") or ""))
    console.print(table)
