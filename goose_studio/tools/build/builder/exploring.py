"""Looking at a running app: the UI explorer (tool ``explore_ui``) called through the registry.

The explorer is a tool of its own; when this installation has none, or it fails, the build goes on and
the report's exploration says ``not explored: <reason>``. The explorer's pages are read into
:class:`~.report.PageEntry` items (path, status, title, a visible-text excerpt, the screenshot), their
text redacted once more (a page can show what the app printed).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ....errors import ToolFailure
from ....sandbox import redact
from ...registry import ToolContext, call_tool, load_all
from .report import Exploration, PageEntry

EXPLORER = "explore_ui"
TEXT_EXCERPT = 400


def _get(item: Any, *names: str) -> Any:
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value not in (None, ""):
            return value
    return None


def _pages(data: dict[str, Any]) -> list[PageEntry]:
    pages = []
    for page in data.get("pages") or []:
        if not isinstance(page, dict):
            continue
        path = _get(page, "path", "url") or "/"
        text = str(_get(page, "text", "text_excerpt", "visible_text") or "")
        status = _get(page, "status", "http_status")
        pages.append(PageEntry(path=str(path), status=int(status) if isinstance(status, int) else None,
                               title=redact(str(_get(page, "title") or ""))[:200],
                               text=redact(" ".join(text.split()))[:TEXT_EXCERPT],
                               screenshot=str(_get(page, "screenshot", "screenshot_path") or "") or None))
    return pages


def explorer_args(url: str, out_dir: Path, max_pages: int, timeout_s: float) -> dict[str, Any]:
    """Arguments for the explorer's args model: the ones it has of url, out_dir, page and time bounds."""
    spec = load_all().get(EXPLORER)
    fields = spec.args_model.model_fields if spec else {}
    wanted = {"base_url": url, "url": url, "out_dir": str(out_dir), "repo_name": out_dir.name,
              "max_pages": max_pages, "time_budget_s": timeout_s, "timeout_s": timeout_s}
    return {k: v for k, v in wanted.items() if k in fields}


def explore(url: str, out_dir: Path, ctx: ToolContext, *, max_pages: int = 12, timeout_s: float = 60.0) -> Exploration:
    """Explore the app at ``url``; never raises (a failure is the exploration's reason)."""
    if EXPLORER not in load_all():
        return Exploration(reason="not explored: this installation has no UI explorer (tool explore_ui)")
    started = time.monotonic()
    try:
        result = call_tool(EXPLORER, explorer_args(url, out_dir, max_pages, timeout_s), ctx)
    except ToolFailure as failure:
        return Exploration(reason=f"not explored: {failure.message}")
    except Exception as exc:  # the explorer drives a browser; whatever it raises, the build goes on
        return Exploration(reason=f"not explored: the explorer failed ({type(exc).__name__}: {str(exc)[:200]})")
    data = result.model_dump(mode="json")
    report = _get(data, "report_path", "report")
    pages = _pages(data)
    issues = _get(data, "issues_found", "issues")
    mode = _get(data, "analysis", "mode")
    return Exploration(explored=True, report_path=str(report) if isinstance(report, str) else None, pages=pages,
                       issues=len(issues) if isinstance(issues, list) else int(issues or 0),
                       mode=mode if isinstance(mode, str) else None,
                       reason=None if pages else f"explored, but no page answered ({time.monotonic() - started:.0f}s)")
