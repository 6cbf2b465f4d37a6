"""BUILD commands: ``plan`` (how an app folder would be built) and ``build`` (build, run and explore it).

Both take their options from their tool's args model (``plan``: :class:`PlanArgs`, ``build``:
:class:`BuildAppArgs`); the planner's variables are given as ``--env KEY=VALUE``, once per variable.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer
from rich.markup import escape

from ..errors import FailureKind, ToolFailure
from ..tools.build.builder import BuildAppArgs
from ..tools.build.plan import PlanArgs
from ..tools.registry import ToolContext
from .common import app, call_registered, command_failures, console, err, print_json, workspace
from .params import model_parameters, with_parameters

ENV_OPTION = inspect.Parameter("env", inspect.Parameter.KEYWORD_ONLY, annotation=list[str], default=typer.Option(
    [], "--env", "-e", metavar="KEY=VALUE", help="A variable handed to the planner (repeat for more)."))
JSON_OPTION = inspect.Parameter("as_json", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                                default=typer.Option(False, "--json", help="Print the result as JSON."))


def switches(params: list[inspect.Parameter]) -> list[inspect.Parameter]:
    """The parameters with each boolean that defaults to true as a ``--name/--no-name`` switch."""
    out = []
    for p in params:
        info = p.default
        if p.annotation is bool and getattr(info, "default", None) is True:
            flag = p.name.replace("_", "-")
            info = typer.Option(True, f"--{flag}/--no-{flag}", help=info.help)
            p = p.replace(default=info)
        out.append(p)
    return out


def env_pairs(items: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ToolFailure(FailureKind.invalid_input, f"--env {item!r} is not KEY=VALUE.",
                              hint="Write each variable as --env NAME=value.", details={"env": item})
        pairs[key.strip()] = value
    return pairs


class _Progress(ToolContext):
    """A context that shows the build's progress lines on stderr."""

    def progress(self, **payload: Any) -> None:
        text = payload.get("line") or payload.get("message")
        if text:
            err.print(f"[dim]{escape(str(payload.get('stage', '')))}[/] {escape(str(text))}", highlight=False)


def plan_command(**given: Any) -> None:
    """Plan an app folder as nixpacks or railpack would: providers, phases and the start command."""
    as_json = given.pop("as_json")
    with command_failures(as_json, app_dir=given.get("app_dir")):
        given["env"] = env_pairs(given.pop("env"))
        result = call_registered("plan", given)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    plan = result.plan
    console.print(f"[bold]{result.status}[/] by {result.engine} ({result.format}): {escape(result.note)}")
    if result.reason:
        console.print(escape(result.reason))
    if plan is not None:
        console.print(f"provider {plan.provider}  framework {plan.framework or '-'}  app {plan.app_root}")
        for phase in plan.phases:
            for command in phase.commands:
                console.print(f"  {phase.name}: {escape(command)}")
        console.print(f"  start: {escape(plan.start.command or '(none)')}")


def build_command(**given: Any) -> None:
    """Build a copy of an app folder in the sandbox, run it, explore its pages, and report."""
    as_json = given.pop("as_json")
    with command_failures(as_json, app_dir=given.get("app_dir")):
        given["env"] = env_pairs(given.pop("env"))
        report = call_registered("build_app", given, None if as_json else _Progress(workspace=workspace()))
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    colour = {"ran": "green", "built": "yellow", "code-only": "red"}[report.status]
    console.print(f"[bold {colour}]{report.status}[/]" + (f": {escape(report.reason)}" if report.reason else ""))
    for repair in report.repairs:
        console.print(f"  repair {repair.id} ({repair.outcome}): {escape(repair.change)}")
    for page in report.exploration.pages:
        console.print(f"  {page.path} {page.status} {escape(page.title)} -> {page.screenshot}")
    if report.exploration.reason:
        console.print(f"  {escape(report.exploration.reason)}")
    if report.report_path:
        console.print(f"report: {report.report_path}")


app.command("plan")(with_parameters(plan_command, [
    *model_parameters(PlanArgs, arguments=("app_dir",), skip=("env",)), ENV_OPTION, JSON_OPTION]))
app.command("build")(with_parameters(build_command, [
    *switches(model_parameters(BuildAppArgs, arguments=("app_dir",), skip=("env",))), ENV_OPTION, JSON_OPTION]))
