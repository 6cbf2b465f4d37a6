"""BUILD: the code-only path — the app is not built or run; its code is indexed with tree-sitter."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ...options import RunOptions
from ...tools.registry import ToolContext, call_tool
from ...workspace import RunPaths
from ..state import RunState
from ...tools.code_index import IndexCodeArgs
from ..state import BuildStep

CODE_ONLY = "code-only path: the project is not built or run; its code is indexed"


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    index = call_tool("index_code", IndexCodeArgs(repo_path=state["source"].repo_path), ctx)
    return BuildStep(index=index, skipped=True, reason=CODE_ONLY)


def summary(result: Any) -> dict[str, Any]:
    index = result.index
    return {"success": not result.skipped, "skipped": result.skipped, "reason": result.reason,
            "files_indexed": index.files, "symbols": index.symbols, "skipped_files": index.skipped_total,
            "skipped_examples": [f"{s.path} ({s.reason})" for s in index.skipped[:5]]}
