"""SOURCE: copy or clone the source into the workspace."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ...options import RunOptions
from ...tools.registry import ToolContext, call_tool
from ...workspace import RunPaths
from ..state import RunState
from ...tools.source import CloneArgs


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    return call_tool("clone", CloneArgs(source=opts.source, branch=opts.branch, name=opts.name), ctx)


def summary(result: Any) -> dict[str, Any]:
    return {"source_type": result.source_type, "repo": result.source, "files": result.files, "commit": result.commit}
