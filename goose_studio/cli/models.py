"""``goose-studio models``: the base models this machine can train (the ``list_models`` tool), as tables or JSON."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ..tools.catalog import ListModelsArgs
from ..tools.registry import ToolContext, call_tool
from .common import app, command_failures, console, print_json, workspace
from .params import flag, model_parameters, with_parameters


def _table(title: str, rows: list[dict[str, Any]], hidden: bool = False) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("model", "params", "memory", "context", "licence", "why" if hidden else "notes"):
        table.add_column(column)
    for row in rows:
        params = f"{row['params_b']:g}B" if row.get("params_b") else "?"
        if row.get("active_params_b"):
            params += f" ({row['active_params_b']:g}B active)"
        memory = f"~{row['memory_gib']:g} GiB" if row.get("memory_gib") is not None else "?"
        if row.get("cpu_minutes") is not None:
            memory += f", ~{row['cpu_minutes']:g} min"
        text = row["reason"] if hidden else " ".join(
            x for x in (row.get("blurb") or "", "(tight fit)" if row["fit"] == "tight" else "",
                        "[gated]" if row.get("gated") else "", "" if row.get("cached") else "(download)") if x)
        table.add_row(row["name"] + (" *" if row["source"] == "hub" else ""), params, memory,
                      str(row.get("context_length") or "?"), row.get("license") or "?", text)
    return table


def models(**given: Any) -> None:
    """List the base models that fit this machine (or --gpu-memory), recommend one, and show what is hidden."""
    as_json = given.pop("as_json")
    with command_failures(as_json):
        result = call_tool("list_models", given, ToolContext(workspace=workspace()))
    data = result.model_dump(mode="json")
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]Planning for:[/] {data['budget']['source']}")
    console.print(f"[bold]Recommended:[/] {data['recommendation']}")
    if data["models"]:
        console.print(_table("Fits", data["models"]))
    if data["hidden"]:
        console.print(_table("Hidden (won't fit)", data["hidden"], hidden=True))
    for note in data["notes"]:
        console.print(f"[dim]{note}[/]")
    if any(row["source"] == "hub" for row in data["models"] + data["hidden"]):
        console.print("[dim]* from the Hub search[/]")


app.command("models")(with_parameters(models, [
    *model_parameters(ListModelsArgs, metavars={"gpu_memory": "GiB", "search": "TEXT"}),
    flag("as_json", "Print the result as JSON.", "--json"),
]))
