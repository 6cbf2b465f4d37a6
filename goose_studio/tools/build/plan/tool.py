"""The ``plan`` tool (tab "build"): how to install, build and start an app folder, in a real tool's JSON shape."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ....errors import FailureKind, ToolFailure
from ...registry import ToolContext, tool
from .config import ConfigError
from .model import PlanResult
from .planner import make_plan


class PlanArgs(BaseModel):
    app_dir: str = Field(description="The app folder to plan (a cloned repository or a sub-folder of one).")
    format: Literal["nixpacks", "railpack"] = Field(
        default="nixpacks", description="Whose rules and JSON shape: 'nixpacks' (nixpacks plan) or 'railpack' "
        "(railpack info --format json).")
    env: dict[str, str] = Field(default_factory=dict, description="Variables handed to the planner, e.g. "
                                "NIXPACKS_NODE_VERSION=20 or RAILPACK_START_CMD='npm run serve'.")


@tool("plan", tab="build", title="Plan the build", read_only=True, idempotent=True)
def plan_tool(args: PlanArgs, ctx: ToolContext) -> PlanResult:
    """Decide how to install, build and start an app folder, printed as nixpacks or railpack print it.

    Uses the real nixpacks/railpack binary when it is on PATH, else goose-studio's own rules for that tool.
    A folder with no recognizable app returns status 'no-app' with the reason and what was looked for.
    """
    folder = Path(args.app_dir).expanduser()
    if not folder.exists():
        raise ToolFailure(FailureKind.not_found, f"There is no folder {args.app_dir}.",
                          hint="Give the path of a cloned repository (the clone tool's repo_path).",
                          details={"app_dir": args.app_dir})
    if not folder.is_dir():
        raise ToolFailure(FailureKind.invalid_input, f"{args.app_dir} is a file, not a folder.",
                          hint="Give the folder that holds the app, not one of its files.",
                          details={"app_dir": args.app_dir})
    ctx.progress(message=f"planning {folder} ({args.format})")
    try:
        return make_plan(folder, args.format, args.env)
    except ConfigError as exc:
        raise ToolFailure(FailureKind.invalid_input, f"The {args.format} config in {args.app_dir} is unusable: "
                          f"{exc}.", hint="Fix or remove the config file (or the CONFIG_FILE variable).",
                          details={"app_dir": args.app_dir, "format": args.format}) from None
