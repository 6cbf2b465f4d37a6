"""Core commands: ``cores`` (list; ``cores list|show|install|remove``), ``validate`` (the five gates on a
package), ``serve`` (an OpenAI-compatible endpoint)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..cores import core_infos
from ..errors import FailureKind, ToolFailure
from ..tools.registry import ToolContext, call_tool
from .common import EXIT_FAILED, EXIT_USAGE, app, command_failures, console, err, print_json, show_failure, workspace


cores_app = typer.Typer(invoke_without_command=True,
                        help="The workspace's cores: list (the default), show, install a .gcpkg, remove.")
app.add_typer(cores_app, name="cores")


def _print_cores(as_json: bool) -> None:
    rows = core_infos(workspace())
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("core", "base model", "score", "size", "created")
    for r in rows:
        table.add_row(r.name, str(r.base_model or r.error or ""),
                      str(r.quality_score or ""), f"{r.size_bytes / 1e6:.1f} MB", str(r.created or ""))
    console.print(table)


@cores_app.callback()
def cores(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print the list as JSON.")) -> None:
    """List the installed cores (.gcpkg) in the workspace (`cores show|install|remove` for one)."""
    if ctx.invoked_subcommand is None:
        _print_cores(as_json)


@cores_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print the list as JSON.")) -> None:
    """List the installed cores."""
    _print_cores(as_json)


def _tool(name: str, raw: dict[str, Any], as_json: bool) -> Any:
    with command_failures(as_json):
        return call_tool(name, raw, ToolContext(workspace=workspace()))


@cores_app.command("show")
def show(core: str = typer.Argument(..., help="The core's name (or slug, or a .gcpkg path)."),
         as_json: bool = typer.Option(False, "--json", help="Print it as JSON.")) -> None:
    """One core: its manifest (marketplace fields), members, provenance and signature."""
    details = _tool("show_core", {"core": core}, as_json)
    if as_json:
        print_json(details.model_dump(mode="json"))
        return
    m = details.manifest
    price = m.get("price") if isinstance(m.get("price"), dict) else {}
    cost = f"{price.get('amount')} {price.get('currency', '')}" if price.get("amount") else "free"
    console.print(f"[bold]{m.get('icon', '')} {m.get('name')}[/] {m.get('version')}  ({details.name})")
    console.print(m.get("description") or "")
    console.print(f"base model: {m.get('base_model')}   method: {m.get('method')}   quality: "
                  f"{m.get('quality_score')}   tags: {', '.join(m.get('tags') or [])}   price: {cost}")
    console.print(f"signature: {details.signature} — {details.signature_detail}")
    table = Table("member", "size")
    for member in details.members:
        table.add_row(member.name, f"{member.size_bytes:,} B")
    console.print(table)


@cores_app.command("install")
def install(path: str = typer.Argument(..., help="A .gcpkg file."),
            no_load: bool = typer.Option(False, "--no-load", help="Skip the load in a fresh process (V4, V5)."),
            force: bool = typer.Option(False, "--force", help="Replace a different core of the same name."),
            base_model: Optional[str] = typer.Option(None, "--base-model-path", help="Local base model folder."),
            as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Install a core file into the workspace after it passes the five gates."""
    done = _tool("install_core", {"path": path, "check_load": not no_load, "force": force,
                                  "base_model_path": base_model}, as_json)
    if as_json:
        print_json(done.model_dump(mode="json"))
        return
    gates = "  ".join(f"{g.id} {g.status}" for g in done.gates)
    state = "already installed" if done.already_installed else "replaced" if done.replaced else "installed"
    console.print(f"[bold green]{state}:[/] {done.name}  ({gates})\nchat with it: goose-studio chat {done.name}")


@cores_app.command("remove")
def remove(core: str = typer.Argument(..., help="The installed core's name."),
           as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Delete an installed core from the workspace."""
    done = _tool("remove_core", {"core": core}, as_json)
    if as_json:
        print_json(done.model_dump(mode="json"))
    else:
        console.print(f"removed {done.name} ({done.freed_bytes / 1e6:.1f} MB)")


@app.command()
def validate(
    path: str = typer.Argument(..., help="A .gcpkg file."),
    base_model: Optional[str] = typer.Option(None, "--base-model-path", help="Local base model folder for the load check."),
    no_load: bool = typer.Option(False, "--no-load", help="Skip loading the adapter onto the base model."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Run the five gates on a core package (V1 schema ... V5 quality): each gate, its checks, and the fix for
    a failed one."""
    with command_failures(as_json, ok=False, path=path):
        report = call_tool("validate", {"path": path, "check_load": not no_load, "base_model_path": base_model},
                           ToolContext(workspace=workspace()))
    data = report.model_dump(mode="json")
    if as_json:
        print_json(data)
    else:
        marks = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[yellow]–[/]"}
        by_gate: dict[str, list[dict[str, Any]]] = {}
        for check in data["checks"]:
            by_gate.setdefault(check["gate"], []).append(check)
        for gate in data["gates"]:
            console.print(f"{marks[gate['ok']]} [bold]{gate['id']} {gate['name']}[/] {gate['status']}: {gate['title']}")
            for check in by_gate.get(gate["name"], []):
                console.print(f"    {marks[check['ok']]} {check['name']}: {escape(check['detail'])}")
            if gate["ok"] is False and gate["fix"]:
                console.print(f"    [bold]fix:[/] {escape(gate['fix'])}")
        for check in by_gate.get("", []):
            console.print(f"{marks[check['ok']]} {check['name']}: {escape(check['detail'])}")
        if data.get("signer"):
            console.print(f"signer: {data['signer']['fingerprint']}")
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
