"""The ``explore_ui`` tool (tab "build"): explore a running app and write its exploration report."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from ....workspace import slugify
from ...registry import ToolContext, tool
from .explorer import explore
from .model import REPORT_FILE

SCREENSHOTS_DIR = "screenshots"


class ExploreArgs(BaseModel):
    base_url: str = Field(description="Where the app answers, on this machine (e.g. http://127.0.0.1:3000/).")
    repo_name: str | None = Field(default=None, description="Names the folder screenshots/<repo>/ in the "
                                  "workspace; defaults to 'app'.")
    out_dir: str | None = Field(default=None, description="Where the screenshots and exploration-report.json "
                                "go, instead of screenshots/<repo>/ in the workspace.")
    max_pages: int = Field(default=25, ge=1, le=500, description="Most pages visited.")
    time_budget_s: float = Field(default=120.0, gt=0, le=3600, description="Seconds for the whole crawl.")
    viewport_width: int = Field(default=1280, ge=320, le=3840, description="Desktop viewport width, CSS px.")
    viewport_height: int = Field(default=800, ge=240, le=2160, description="Desktop viewport height, CSS px.")
    phone_width: int = Field(default=390, ge=240, le=1024, description="Phone viewport width for the overflow check.")
    phone_height: int = Field(default=844, ge=240, le=2048, description="Phone viewport height.")
    text_chars: int = Field(default=600, ge=50, le=5000, description="Visible text kept per page, in characters.")
    vision: bool = Field(default=True, description="Describe screenshots with a local Qwen2.5-VL when one can run.")
    vision_model: str | None = Field(default=None, description="A local Qwen2.5-VL folder (else "
                                     "$GOOSE_STUDIO_VISION_MODEL or the Hugging Face cache; never downloaded).")


class ExploredPage(BaseModel):
    path: str
    status: int | None
    title: str
    text: str
    screenshot: str | None = Field(description="The screenshot's full path.")
    issues: int


class ExploreResult(BaseModel):
    report_path: str
    out_dir: str
    analysis: str = Field(description="'DOM-only (no vision model: <reason>)' or 'DOM + vision (<model>)'.")
    pages_found: int
    components_mapped: int
    issues_found: int
    issues_by_kind: dict[str, int]
    stopped_by: str
    elapsed_s: float
    pages_per_s: float
    pages: list[ExploredPage]


@tool("explore_ui", tab="build", title="Explore the running app", read_only=True, idempotent=True)
def explore_ui(args: ExploreArgs, ctx: ToolContext) -> ExploreResult:
    """Crawl a running web app in headless Chromium: a screenshot per page, its forms, components and issues.

    Same-origin pages only, breadth first, bounded by max_pages and time_budget_s. Writes
    exploration-report.json beside the screenshots (screenshots/<repo>/ in the workspace by default).
    """
    name = slugify(args.repo_name or "app", "app")
    folder = Path(args.out_dir).expanduser() if args.out_dir else ctx.workspace.root / SCREENSHOTS_DIR / name
    ctx.progress(stage="explore", message=f"exploring {args.base_url}")
    report = explore(args.base_url, folder, max_pages=args.max_pages, time_budget_s=args.time_budget_s,
                     viewport=(args.viewport_width, args.viewport_height),
                     phone_viewport=(args.phone_width, args.phone_height), text_chars=args.text_chars,
                     vision="auto" if args.vision else None, vision_model=args.vision_model)
    resolved = folder.resolve()
    ctx.progress(stage="explored", pages=report.pages_found, issues=report.issues_found)
    return ExploreResult(
        report_path=str(resolved / REPORT_FILE), out_dir=str(resolved), analysis=report.analysis,
        pages_found=report.pages_found, components_mapped=report.components_mapped,
        issues_found=report.issues_found, issues_by_kind=dict(Counter(i.kind for i in report.issues)),
        stopped_by=report.stopped_by, elapsed_s=report.elapsed_s, pages_per_s=report.pages_per_s,
        pages=[ExploredPage(path=p.path, status=p.status, title=p.title, text=p.text, issues=len(p.issues),
                            screenshot=str(resolved / p.screenshot) if p.screenshot else None)
               for p in report.pages],
    )
