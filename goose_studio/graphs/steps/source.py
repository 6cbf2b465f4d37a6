"""SOURCE: every source of the run (repositories, folders, files, datasets, Quick Recipes) into one source
folder, plus the user's own pairs (``collect_sources``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ...options import RunOptions
from ...tools.registry import ToolContext, call_tool
from ...tools.source import CollectSourcesArgs
from ...workspace import RunPaths
from ..state import RunState


def source_list(opts: RunOptions) -> list[str]:
    """The run's sources: ``sources`` while its first is still ``source``; once ``source`` was changed (the
    Guide's other-source, a Quick Recipe), that one alone."""
    if opts.sources and opts.sources[0] == opts.source:
        return list(opts.sources)
    return [opts.source]


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    return call_tool("collect_sources", CollectSourcesArgs(
        sources=source_list(opts), branch=opts.branch, name=opts.name, columns=opts.columns,
        language=opts.language, max_rows=opts.max_rows, pairs_only=opts.pairs_only), ctx)


def summary(result: Any) -> dict[str, Any]:
    return {"source_type": result.source_type, "repo": result.source, "files": result.files, "commit": result.commit,
            "pairs": result.pairs, "documents": result.documents, "code_files": result.code_files,
            "inputs": result.counts,
            "skipped_examples": [f"{r.path} ({r.reason})" for r in result.inputs if r.status == "skipped"][:5]}
