"""``goose-studio publish CORE --to local|hub|gguf``: ship a core that passes the five gates to the local
registry and marketplace folder, the Hugging Face Hub, and as GGUF; options derived from ``publish_core``'s
arguments, ``--to`` repeated or comma-separated."""

from __future__ import annotations

import inspect
from typing import Any

import typer

from ..tools.publish import PublishArgs
from ..tools.registry import ToolContext, call_tool
from .common import EXIT_FAILED, app, command_failures, console, print_json, workspace
from .build import switches
from .params import flag, model_parameters, with_parameters


def publish(**kwargs: Any) -> None:
    as_json = kwargs.pop("as_json")
    kwargs["to"] = [d.strip() for value in kwargs.pop("to") for d in value.split(",") if d.strip()]
    with command_failures(as_json):
        result = call_tool("publish_core", kwargs, ToolContext(workspace=workspace()))
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        console.print(f"[bold]{result.name}[/] {result.version}: " + "  ".join(f"{g.id} {g.status}"
                                                                           for g in result.gates))
        for d in result.destinations:
            mark = "[green]✓[/]" if d.ok else "[red]✗[/]"
            console.print(f"{mark} {d.destination}: {d.detail}")
            if d.failure and d.failure.get("hint"):
                console.print(f"    [bold]fix:[/] {d.failure['hint']}")
    if not result.ok:
        raise typer.Exit(EXIT_FAILED)


app.command("publish")(with_parameters(publish, [
    *switches(model_parameters(PublishArgs, arguments=("core",), skip=("to",))),
    inspect.Parameter("to", inspect.Parameter.KEYWORD_ONLY, annotation=list[str],
                      default=typer.Option(["local"], "--to", help="local | hub | gguf (repeat or comma-separate).")),
    flag("as_json", "Print the result as JSON.", "--json")]))
