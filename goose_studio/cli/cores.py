"""Core commands: ``cores`` (list), ``validate`` (check a package), ``serve`` (an OpenAI-compatible endpoint)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..cores import core_infos
from ..errors import FailureKind, ToolFailure
from ..tools.registry import ToolContext, call_tool
from .common import EXIT_FAILED, EXIT_USAGE, app, command_failures, console, err, print_json, show_failure, workspace


@app.command()
def cores(as_json: bool = typer.Option(False, "--json")) -> None:
    """List packaged cores (.gcpkg) in the workspace."""
    rows = core_infos(workspace())
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("core", "base model", "score", "size", "created")
    for r in rows:
        table.add_row(Path(r.file).name, str(r.base_model or r.error or ""), str(r.quality_score or ""),
                      f"{r.size_bytes / 1e6:.1f} MB", str(r.created or ""))
    console.print(table)


@app.command()
def validate(
    path: str = typer.Argument(..., help="A .gcpkg file."),
    base_model: Optional[str] = typer.Option(None, "--base-model-path", help="Local base model folder for the load check."),
    no_load: bool = typer.Option(False, "--no-load", help="Skip loading the adapter onto the base model."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check a core package: layout, integrity, secrets, and that the adapter loads onto its base."""
    with command_failures(as_json, ok=False, path=path):
        report = call_tool("validate", {"path": path, "check_load": not no_load, "base_model_path": base_model},
                           ToolContext(workspace=workspace()))
    data = report.model_dump(mode="json")
    if as_json:
        print_json(data)
    else:
        for check in data["checks"]:
            mark = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[yellow]–[/]"}[check["ok"]]
            console.print(f"{mark} {check['name']}: {check['detail']}")
        console.print("[bold green]valid[/]" if data["ok"] else "[bold red]invalid[/]")
    if not data["ok"]:
        raise typer.Exit(EXIT_FAILED)


@app.command("serve")
def serve_core(
    core: str = typer.Argument(..., help="A core's name (see `goose-studio cores`), a .gcpkg path, or 'embedded'."),
    host: str = typer.Option("127.0.0.1", help="Address to bind; non-loopback needs GOOSE_STUDIO_SERVE_TOKEN."),
    port: int = typer.Option(8766, min=0, max=65535, help="Port (0: any free port)."),
    base_model_path: Optional[str] = typer.Option(None, "--base-model-path",
                                                  help="Local base model folder; found automatically by default."),
    allow_host: list[str] = typer.Option([], "--allow-host", help="Extra Host header value to accept."),
    no_retrieval: bool = typer.Option(False, "--no-retrieval", help="Answer without the core's retrieval index."),
) -> None:
    """Serve a core as an OpenAI-compatible chat endpoint (/v1/chat/completions, /v1/models, /health)."""
    from ..serve import serve

    def ready(model: str, base_url: str) -> None:
        err.print(f"Serving [bold]{model}[/] at {base_url} (OpenAI-compatible; model '{model}'). Ctrl-C stops.")

    try:
        serve(core, host=host, port=port, base_model_path=base_model_path, allowed_hosts=allow_host, on_ready=ready,
              retrieval=not no_retrieval)
    except ToolFailure as failure:
        show_failure(failure)
        raise typer.Exit(EXIT_USAGE if failure.kind in (FailureKind.needs_user, FailureKind.invalid_input)
                         else EXIT_FAILED)
