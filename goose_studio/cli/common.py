"""What every command shares: the app, the consoles, exit codes, JSON output, and how a failure or a Guide
question is shown (tracebacks go to a log file, never to the terminal)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from ..errors import Failure, ToolFailure
from ..messages import failure_lines, question_lines
from ..runstore import Question
from ..workspace import Workspace

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Goose Studio: turn a repository into a tested, packaged LoRA adapter (an Intelligence Core).")
console = Console(stderr=False)
err = Console(stderr=True)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NEEDS_ANSWER = 3  # the run waits for the user's answer to a Guide question
EXIT_INTERRUPTED = 130


def print_json(data: Any) -> None:
    """Raw JSON on stdout (no wrapping or styling), for scripts and tests."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def workspace() -> Workspace:
    return Workspace.from_env()


def show_failure(failure: ToolFailure | Failure, run_id: str | None = None, step: str | None = None) -> None:
    lines = failure_lines(failure, what="the command", run_id=run_id, step=step, audience="cli")
    err.print(Panel("\n".join(f"[bold]{label}:[/] {escape(text)}" for label, text in lines),
                    title="Goose Studio stopped", border_style="red", expand=False))


def show_question(q: Question) -> None:
    """The Guide's question: what failed, what is needed, what was tried, and the choices with how to answer."""
    lines = [escape(line) for line in question_lines(q)]
    lines.append(f"[bold]Answer:[/] goose-studio resume {q.run_id} --answer <choice>")
    err.print(Panel("\n".join(lines), title="Goose Studio needs your decision", border_style="yellow", expand=False))


def fail(failure: ToolFailure, as_json: bool, code: int = EXIT_FAILED, **fields: Any) -> typer.Exit:
    """Show a command's own failure (JSON or a panel) and return the exit to raise."""
    if as_json:
        print_json({**fields, "failure": failure.to_dict()})
    else:
        show_failure(failure)
    return typer.Exit(code)


@contextmanager
def command_failures(as_json: bool, close: Any = None, **fields: Any) -> Iterator[None]:
    """Around a command: its own failure (not a run's) ends in the typed message, or JSON, and exit code 1;
    ``close`` (e.g. the live view) is called either way."""
    try:
        yield
    except ToolFailure as failure:
        raise fail(failure, as_json, **fields) from None
    finally:
        if close is not None:
            close()


def call_registered(name: str, given: dict[str, Any], ctx: Any = None) -> Any:
    """Run registry tool ``name`` on the values a command was given (checked by its args model), in the
    workspace (or ``ctx``); its failures are raised as they are, for :func:`command_failures`."""
    from ..tools.registry import REGISTRY, ToolContext, call_tool, load_all, validate_args

    load_all()
    args = validate_args(REGISTRY[name], given)
    return call_tool(name, args, ctx if ctx is not None else ToolContext(workspace=workspace()))
