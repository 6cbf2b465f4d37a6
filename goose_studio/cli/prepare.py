"""``goose-studio prepare SOURCE... --out data.jsonl``: SOURCE and PREPARE alone, through the ``prepare`` tool
(its options are :class:`~goose_studio.tools.prepare.PrepareArgs`'s fields). Prints the data quality
dashboard as a table, or as JSON with ``--json``."""

from __future__ import annotations

import inspect
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from ..tools.prepare import PrepareArgs, PrepareResult
from .common import app, call_registered, command_failures, console, print_json
from .params import flag, model_parameters, with_parameters

_BAR = 28


def dashboard(result: PrepareResult) -> None:
    """The data quality dashboard: pairs per category and per origin, score, tokens, training time, files."""
    stats = result.stats
    total = result.train_pairs + result.eval_pairs
    top = max(stats.per_category.values(), default=0) or 1
    table = Table(title=f"Training data ready: {total} pairs ({result.train_pairs} train, {result.eval_pairs} held out)")
    table.add_column("category")
    table.add_column("pairs", justify="right")
    table.add_column("")
    for category, n in sorted(stats.per_category.items(), key=lambda kv: -kv[1]):
        if n:
            table.add_row(category, str(n), "█" * max(1, round(_BAR * n / top)))
    console.print(table)
    origins = ", ".join(f"{k} {v}" for k, v in stats.per_origin.items())
    parts = ", ".join(f"{k} {v:.2f}" for k, v in stats.quality_parts.items())
    console.print(f"Quality score: [bold]{stats.quality_score}/100[/]  ({parts})")
    console.print(f"From: {origins}   grounded: {stats.grounded_share:.0%}   facts and docs: "
                  f"{stats.knowledge_share:.0%}   secrets redacted: {stats.secrets_redacted}")
    console.print(f"Avg tokens per pair: {stats.avg_tokens} ({stats.token_counter})   Estimated training time: "
                  f"~{stats.est_train_minutes} min ({stats.epochs:g} epochs, {stats.seconds_per_1k_tokens:g} s per 1k "
                  f"tokens, {stats.throughput})")
    if stats.user_pairs or stats.user_fixed or stats.user_skipped or stats.user_file_error:
        fixed = ", ".join(f"{k} ({v})" for k, v in stats.user_fixed.items()) or "none"
        console.print(f"Your pairs: {stats.user_pairs} used; fixed: {escape(fixed)}; skipped: {len(stats.user_skipped)}"
                      + (f"; file skipped: {stats.user_file_error}" if stats.user_file_error else ""))
    for skipped in stats.doc_skipped[:5]:
        console.print(f"Skipped {escape(skipped['path'])}: {skipped['reason']}")
    for note in result.actions:
        console.print(f"- {escape(note)}")
    console.print(f"Wrote {escape(result.out)}, {escape(result.eval_file)} and {escape(result.dataset_info_path)}")


def prepare(**given: Any) -> None:
    """Collect the sources and build their training pairs without training (SOURCE and PREPARE alone)."""
    as_json = given.pop("as_json")
    given["sources"] = [s for s in given.pop("source") or [] if s]
    with command_failures(as_json):
        result = call_registered("prepare", given)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    dashboard(result)


app.command("prepare")(with_parameters(prepare, [
    inspect.Parameter("source", inspect.Parameter.KEYWORD_ONLY, annotation=list[str],
                      default=typer.Argument(..., metavar="SOURCE", help="What to learn from, as `learn` takes it.")),
    *model_parameters(PrepareArgs, skip=("sources",), shorts={"out": "-o"}),
    flag("as_json", "Print the dashboard data as JSON.", "--json")]))
