"""Quick Recipe commands: ``recipes`` (the list) and ``recipes show NAME`` (one recipe, what it becomes on
this machine and why, and with ``--nodes``/``--gpus-per-node`` the exact launch of each node of a
multi-GPU or multi-node run on LLaMA-Factory's own engines)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import FailureKind, ToolFailure
from ..recipes.fit import plan_recipe
from ..recipes.quick import quick_recipe, quick_recipes
from ..tools.train.launch import LAUNCHERS, launch_plan
from .common import app, command_failures, console, print_json, workspace

recipes_app = typer.Typer(invoke_without_command=True, help="Quick Recipes: list them, or show one "
                                                            "(--json), with its launch for several GPUs or nodes.")
app.add_typer(recipes_app, name="recipes")


@recipes_app.callback()
def recipes(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print the list as JSON.")) -> None:
    """List the Quick Recipes (`recipes show NAME` for one)."""
    if ctx.invoked_subcommand is not None:
        return
    with command_failures(as_json):
        found = quick_recipes()
    if as_json:
        print_json([{"name": r.name, **r.studio.model_dump(include={"title", "summary", "result", "model", "method",
                                                                     "speed", "preset"}),
                     "data": r.studio.data.kind, "minutes": r.studio.estimate.minutes,
                     "vram_gb": r.studio.estimate.vram_gb} for r in found.values()])
        return
    table = Table("recipe", "what", "method", "est. (3090 Ti)", "start it with")
    for r in found.values():
        s = r.studio
        table.add_row(r.name, f"{s.title}: {s.summary}", f"{s.method}{' + Unsloth' if s.speed == 'turbo' else ''}",
                      f"~{s.estimate.minutes:g} min, {s.estimate.vram_gb:g} GB",
                      f"goose-studio learn --recipe {r.name}" + (" <URL>" if s.data.needs_source else ""))
    console.print(table)


@recipes_app.command("show")
def show(name: str = typer.Argument(..., help="The recipe's name (see `goose-studio recipes`)."),
         as_json: bool = typer.Option(False, "--json", help="Print it as JSON."),
         nodes: Optional[int] = typer.Option(None, "--nodes", min=1, help="Nodes of a scale-out run."),
         gpus_per_node: int = typer.Option(1, "--gpus-per-node", min=1, help="GPUs on each node."),
         launcher: str = typer.Option("torchrun", "--launcher", help="torchrun | deepspeed | ray."),
         out: Optional[Path] = typer.Option(None, "--out", help="Where the launch files go (default: the "
                                                                 "workspace's launch/<recipe>-<N>x<G>/)."),
         master_addr: Optional[str] = typer.Option(None, "--master-addr", help="Node 0's address.")) -> None:
    """One Quick Recipe: its LLaMA-Factory config, the studio's keys, and what it becomes on this machine."""
    with command_failures(as_json):
        if launcher not in LAUNCHERS:
            raise ToolFailure(FailureKind.invalid_input, f"Unknown launcher '{launcher}'.",
                              hint="Use " + ", ".join(LAUNCHERS) + ".")
        recipe = quick_recipe(name)
        ws = workspace()
        here = plan_recipe(name, None if not recipe.studio.data.needs_source else "<your repository>",
                           cache_dir=ws.cache / "huggingface")
        data = {"name": recipe.name, "llamafactory": recipe.llamafactory(), "studio": recipe.studio.model_dump(),
                "here": here.model_dump(mode="json")}
        if nodes is not None or gpus_per_node > 1:
            count = nodes or 1
            folder = out or ws.root / "launch" / f"{name}-{count}x{gpus_per_node}-{launcher}"
            data["launch"] = launch_plan(recipe.llamafactory(), name, count, gpus_per_node, launcher,  # type: ignore[arg-type]
                                         folder, master_addr=master_addr).model_dump(mode="json")
    if as_json:
        print_json(data)
        return
    s = recipe.studio
    console.print(f"[bold]{escape(s.title)}[/] — {escape(s.summary)}\n{escape(s.description)}")
    console.print(f"Model {escape(recipe.config.model_name_or_path)}, {s.method}"
                  f"{' + Unsloth' if s.speed == 'turbo' else ''}, preset {s.preset}; data: {s.data.kind}"
                  f" {escape(s.data.dataset or '')}")
    console.print(f"Here ({escape(here.budget)}): learns {escape(here.source)} with model {here.options['model']}")
    for note in here.substitutions:
        console.print(f"  - {escape(note.label)}")
    for node in data.get("launch", {}).get("per_node", []):
        console.print(f"[bold]node {node['node_rank']}[/] ({node['role']}):")
        for line in node["shell"]:
            console.print(f"  {escape(line)}")
