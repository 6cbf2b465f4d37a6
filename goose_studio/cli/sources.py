"""Source commands: ``sources preview`` (what SOURCE makes of some sources, without a run), ``sources search``
(GitHub repositories) and ``sources recipes`` (the Quick Recipes). Options come from the tools' args models."""

from __future__ import annotations

import inspect
from typing import Any, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ..tools.source import CollectSourcesArgs, SearchRepositoriesArgs
from ..tools.source.recipes import recipes as quick_recipes
from .common import app, call_registered, command_failures, console, print_json
from .params import flag, model_parameters, with_parameters

sources_app = typer.Typer(no_args_is_help=True, help="Look at sources before learning them: preview, search, recipes.")
app.add_typer(sources_app, name="sources")

_JSON = flag("as_json", "Print the result as JSON.", "--json")
_PREVIEW_SKIP = ("sources", "depth", "timeout_s", "max_files", "max_bytes")
STATUS_STYLE = {"used": "green", "converted": "cyan", "skipped": "yellow"}


def preview(**given: Any) -> None:
    """Collect sources as `learn` would (into the workspace's repos/) and show what became of every input."""
    as_json = given.pop("as_json")
    given["sources"] = [s for s in given.pop("source") or [] if s]
    with command_failures(as_json):
        result = call_registered("collect_sources", given)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    table = Table("status", "input", "kind", "pairs", "reason / where")
    for r in result.inputs:
        style = STATUS_STYLE.get(r.status, "")
        why = r.reason or (f"→ {r.placed}" if r.placed else "")
        if r.fixes:
            why += ("; " if why else "") + "fixed: " + "; ".join(r.fixes)
        table.add_row(f"[{style}]{r.status}[/]", escape(r.path), f"{r.kind} ({r.format})", str(r.pairs or ""),
                      escape(why))
    console.print(table)
    console.print(f"Source folder: {result.repo_path}  ({result.files} files, {result.code_files} code, "
                  f"{result.documents} documents)")
    console.print(f"Pairs: {result.pairs}" + (f"  → {result.pairs_file}" if result.pairs_file else ""))
    for note in result.notes:
        console.print(f"- {escape(note)}")
    for pair in result.preview:
        console.print(f"[bold]Q:[/] {escape(pair['instruction'][:160])}\n[bold]A:[/] {escape(pair['output'][:160])}")


sources_app.command("preview")(with_parameters(preview, [
    inspect.Parameter("source", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[list[str]],
                      default=typer.Argument(..., metavar="SOURCE", help="Sources, as `learn` takes them.")),
    *model_parameters(CollectSourcesArgs, skip=_PREVIEW_SKIP), _JSON]))


def search(**given: Any) -> None:
    """Search GitHub for repositories to learn (needs a network and GITHUB_TOKEN)."""
    as_json = given.pop("as_json")
    with command_failures(as_json):
        result = call_registered("search_repositories", given)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    table = Table("repository", "stars", "language", "description")
    for r in result.repositories:
        table.add_row(escape(r.url), str(r.stars), r.language or "", escape((r.description or "")[:80]))
    console.print(table)
    console.print(f"{result.total} match(es); learn one with: goose-studio learn URL")


sources_app.command("search")(with_parameters(search, [
    *model_parameters(SearchRepositoriesArgs, arguments=("query",)), _JSON]))


@sources_app.command("recipes")
def recipes(as_json: bool = typer.Option(False, "--json", help="Print the recipes as JSON.")) -> None:
    """List the Quick Recipes (learn one with: goose-studio learn recipe:NAME)."""
    rows = [r.model_dump() for r in quick_recipes().values()]
    if as_json:
        print_json(rows)
        return
    table = Table("recipe", "what", "sources", "base model", "offline")
    for r in rows:
        table.add_row(f"recipe:{r['id']}", r["description"], ", ".join(r["sources"]), r["model"], r["offline"] or "")
    console.print(table)
