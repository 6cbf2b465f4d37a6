"""System commands: ``doctor``, ``tools`` and ``tool`` (the registry), ``mcp`` (the MCP server) and
``goose-config`` (the Goose extension block)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from ..errors import FailureKind, ToolFailure
from ..tools.registry import ToolContext, call_tool, specs
from .common import EXIT_FAILED, EXIT_USAGE, app, console, print_json, show_failure, workspace


@app.command()
def doctor(as_json: bool = typer.Option(False, "--json")) -> None:
    """Check this machine: Python, torch, GPU, Docker, Nixpacks, Chromium, git, the embedded model, LLM endpoint."""
    from ..doctor import run_checks, summary

    checks = run_checks()
    if as_json:
        print_json(summary(checks))
    else:
        table = Table("check", "ok", "detail", "what to do")
        for c in checks:
            ok = "[green]yes[/]" if c.ok else ("[red]NO[/]" if c.required else "[yellow]no[/]")
            table.add_row(c.name, ok, c.detail, "" if c.ok else c.fix)
        console.print(table)
    if any(c.required and not c.ok for c in checks):
        raise typer.Exit(EXIT_FAILED)


@app.command("tools")
def list_tools(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the studio's tools (the same registry the run graph and MCP server use)."""
    rows = specs()
    if as_json:
        print_json([{"name": s.name, "tab": s.tab, "description": s.description, "read_only": s.read_only,
                     "destructive": s.destructive, "idempotent": s.idempotent, "open_world": s.open_world,
                     "starts_worker": s.starts_worker, "input_schema": s.input_schema()} for s in rows])
        return
    table = Table("tool", "tab", "description")
    for spec in rows:
        table.add_row(spec.name, spec.tab or "run control", spec.description)
    console.print(table)


@app.command("tool")
def run_tool(
    name: str = typer.Argument(..., help="Tool name (see `goose-studio tools`)."),
    args: str = typer.Option("{}", "--args", help="Arguments as JSON, or @file.json."),
) -> None:
    """Run one tool with JSON arguments and print its JSON result."""
    try:
        text = Path(args[1:]).read_text() if args.startswith("@") else args
        raw = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        show_failure(ToolFailure(FailureKind.invalid_input, f"--args is not valid JSON: {exc}"))
        raise typer.Exit(EXIT_USAGE)
    try:
        result = call_tool(name, raw, ToolContext(workspace=workspace()))
    except ToolFailure as failure:
        print_json({"ok": False, "failure": failure.to_dict()})
        raise typer.Exit(EXIT_FAILED)
    print_json(result.model_dump(mode="json"))


@app.command("mcp")
def mcp_server(
    http: bool = typer.Option(False, "--http", help="Serve streamable HTTP instead of stdio."),
    host: str = typer.Option("127.0.0.1", help="HTTP address to bind; non-loopback needs GOOSE_STUDIO_MCP_TOKEN."),
    port: int = typer.Option(8765, min=1, max=65535, help="HTTP port."),
    allow_host: list[str] = typer.Option([], "--allow-host", help="Extra Host header value to accept (HTTP)."),
) -> None:
    """Serve the studio's tools over MCP: stdio for Goose, or --http on a local port."""
    if not http:
        from ..mcp_server import serve_stdio

        serve_stdio()
        return
    from ..mcp_server.http import serve_http

    try:
        serve_http(host=host, port=port, allowed_hosts=allow_host)
    except ToolFailure as failure:
        show_failure(failure)
        raise typer.Exit(EXIT_USAGE)


@app.command("goose-config")
def goose_config() -> None:
    """Print the Goose extension block for ~/.config/goose/config.yaml (and a one-session alternative)."""
    import shutil

    import yaml

    from ..workspace import default_home

    exe = Path(sys.executable).with_name("goose-studio")
    cmd = str(exe) if exe.exists() else (shutil.which("goose-studio") or "goose-studio")
    block = {"extensions": {"goose-studio": {
        "name": "goose-studio", "type": "stdio", "cmd": cmd, "args": ["mcp"],
        "envs": {"GOOSE_STUDIO_HOME": str(default_home())}, "timeout": 300, "enabled": True,
    }}}
    on_path = shutil.which("goose-studio") == cmd
    sys.stdout.write("# Add to ~/.config/goose/config.yaml:\n" + yaml.safe_dump(block, sort_keys=False)
                     + "\n# Or for one session:\n"
                     + f'goose session --with-extension "{"goose-studio" if on_path else cmd} mcp"\n')
    sys.stdout.flush()
