"""The ``build_app`` tool (tab "build"): plan, build, run and explore one app folder in the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ....errors import FailureKind, ToolFailure, internal_failure
from ...registry import ToolContext, tool
from .pipeline import Build, BuildOptions
from .report import BuildReport
from .workdir import builds_root


class BuildAppArgs(BaseModel):
    app_dir: str = Field(description="The app folder (a cloned repository or a folder of one); it is copied, "
                         "never built in place.")
    format: Literal["nixpacks", "railpack"] = Field(default="nixpacks", description="Whose rules plan the build.")
    env: dict[str, str] = Field(default_factory=dict, description="Variables handed to the planner, e.g. "
                                "NIXPACKS_START_CMD='npm run serve'.")
    explore: bool = Field(default=True, description="Explore the running app's pages (screenshots, forms, issues).")
    max_pages: int = Field(default=12, ge=1, le=200, description="Most pages the explorer visits.")
    explore_timeout_s: float = Field(default=60.0, gt=0, le=1800, description="Seconds for the exploration.")
    start_timeout_s: float = Field(default=60.0, gt=0, le=900,
                                   description="Seconds the app has to answer HTTP once started.")
    install_timeout_s: float = Field(default=600.0, gt=0, le=7200,
                                     description="Seconds each install or build command may take.")
    install_system_packages: bool = Field(default=False, description="Install a missing system library with "
                                          "apt-get on this machine (root only); otherwise its package is named.")
    screenshots_dir: str | None = Field(default=None, description="Where the explorer's screenshots and report "
                                        "go (default: screenshots/<repo>/ in the workspace).")


def options_of(args: BuildAppArgs, ctx: ToolContext) -> BuildOptions:
    log_dir = ctx.workspace.run_paths(ctx.run_id).logs / "build" if ctx.run_id else None
    return BuildOptions(format=args.format, env=dict(args.env), install_timeout_s=args.install_timeout_s,
                        start_timeout_s=args.start_timeout_s, explore=args.explore, max_pages=args.max_pages,
                        explore_timeout_s=args.explore_timeout_s,
                        install_system_packages=args.install_system_packages, log_dir=log_dir,
                        screenshots_dir=Path(args.screenshots_dir).expanduser() if args.screenshots_dir else None)


@tool("build_app", tab="build", title="Build, run and explore the app", open_world=True)
def build_app_tool(args: BuildAppArgs, ctx: ToolContext) -> BuildReport:
    """Plan an app folder, build a copy of it in the sandbox, start it, explore its pages and stop it.

    Status 'ran' (it answered HTTP), 'built' (built but did not answer) or 'code-only' (not built), with the
    reason, the repairs tried, one entry per explored page, logs and timings. Never runs the app's code
    outside the sandbox; with no sandbox here, the report says code-only and why.
    """
    folder = Path(args.app_dir).expanduser()
    if not folder.exists():
        raise ToolFailure(FailureKind.not_found, f"There is no folder {args.app_dir}.",
                          hint="Give the path of a cloned repository (the clone tool's repo_path).",
                          details={"app_dir": args.app_dir})
    if not folder.is_dir():
        raise ToolFailure(FailureKind.invalid_input, f"{args.app_dir} is a file, not a folder.",
                          hint="Give the folder that holds the app.", details={"app_dir": args.app_dir})
    build = Build(ctx.workspace, folder, options_of(args, ctx), ctx)
    try:
        return build.run()
    except ToolFailure as failure:
        if failure.kind is FailureKind.disk_full:
            raise
        build.report.failure_kind = failure.kind.value
        return build.finish("code-only", failure.message)
    except Exception as exc:  # a bug here must not end the run: the code-only path still works
        failure = internal_failure(exc, builds_root(ctx.workspace) / "error.log", "build_app")
        build.report.failure_kind = FailureKind.build_failed.value
        return build.finish("code-only", f"the build stopped on an unexpected error: {failure.message} "
                                         f"({failure.hint})")
