"""BUILD: the code is indexed in every case; an app is also planned, built, run and explored in the sandbox.

The index comes first (it is what PREPARE always needs). Then, while the run's ``build`` option is on,
``build_app`` looks at the source: a folder with no runnable web app costs a few file reads and the step
ends code-only at once. A build that was tried and did not get through (no sandbox here, a refused or
failed build) raises its failure kind, so that the run's cascade takes the ``code-only`` fallback (option
``build: false``, recorded in the run's history and the core's provenance); the step then runs again,
indexes, and keeps the report of the build that was tried (``build-report.json`` in the run folder).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ...errors import FailureKind, ToolFailure
from ...options import RunOptions
from ...tools.build.builder import BuildAppArgs, BuildReport
from ...tools.code_index import IndexCodeArgs
from ...tools.registry import ToolContext, call_tool
from ...workspace import RunPaths, write_json
from ..state import BuildStep, RunState

CODE_ONLY = "code-only path: the project is not built or run; its code is indexed"
REPORT_FILE = "build-report.json"


def _saved(paths: RunPaths) -> BuildReport | None:
    try:
        return BuildReport.model_validate(json.loads((paths.run_dir / REPORT_FILE).read_text()))
    except (OSError, ValueError, ValidationError):
        return None


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    repo = state["source"].repo_path
    index = call_tool("index_code", IndexCodeArgs(repo_path=repo), ctx)
    if not opts.build:
        tried = _saved(paths)
        reason = f"{CODE_ONLY} ({tried.reason})" if tried and tried.reason else CODE_ONLY
        return BuildStep(index=index, skipped=True, reason=reason, report=tried)
    report = call_tool("build_app", BuildAppArgs(app_dir=repo, screenshots_dir=str(
        ctx.workspace.root / "screenshots" / Path(repo).name)), ctx)
    write_json(paths.run_dir / REPORT_FILE, report.model_dump(mode="json"))
    if report.status == "code-only" and report.failure_kind:
        raise ToolFailure(FailureKind(report.failure_kind), f"The app could not be built and run here: "
                          f"{report.reason}", hint="The run can go on from the code alone (code-only).",
                          details={"status": report.status, "reason": report.reason,
                                   "report_path": str(paths.run_dir / REPORT_FILE),
                                   "repairs": [r.id for r in report.repairs]})
    skipped = report.status == "code-only"
    reason = f"code-only: {report.reason}" if skipped else report.reason
    return BuildStep(index=index, skipped=skipped, reason=reason, report=report)


def exploration_report(result: BuildStep | None) -> str | None:
    """The explorer's report of the app, when BUILD explored it (PREPARE's UI/UX pairs read it)."""
    report = result.report if result is not None else None
    return report.exploration.report_path if report is not None and report.exploration.explored else None


def build_engine(result: BuildStep | None) -> str:
    """How the app was built, as the core's provenance says it."""
    report = result.report if result is not None else None
    if report is None or report.status == "code-only":
        return "none (code-only)"
    sandbox = f", {report.sandbox} sandbox" if report.sandbox else ""
    return f"{report.engine or 'goose-studio'} {report.format} plan{sandbox} ({report.status})"


def build_repairs(result: BuildStep | None) -> list[dict[str, Any]]:
    """The app-level repairs BUILD tried, in the shape of the run's agent actions."""
    report = result.report if result is not None else None
    return [r.as_agent_action() for r in report.repairs] if report is not None else []


def summary(result: Any) -> dict[str, Any]:
    index = result.index
    report = result.report
    out = {"success": not result.skipped, "skipped": result.skipped, "reason": result.reason,
           "files_indexed": index.files, "symbols": index.symbols, "skipped_files": index.skipped_total,
           "skipped_examples": [f"{s.path} ({s.reason})" for s in index.skipped[:5]]}
    if report is not None:
        out.update(build_status=report.status, engine=report.engine, provider=report.provider,
                   framework=report.framework, sandbox=report.sandbox, repairs=[r.id for r in report.repairs],
                   pages=len(report.exploration.pages), exploration_report=exploration_report(result),
                   build_s=report.timings.get("total"))
    return out
