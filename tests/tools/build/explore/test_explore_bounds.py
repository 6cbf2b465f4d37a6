"""The crawl's bounds: a page count and a time budget, through the explore_ui tool and explore itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from explore_helpers import Site, chain_site, png_size
from goose_studio.tools.build.explore import REPORT_FILE, ExplorationReport, explore
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace


@pytest.fixture(scope="module")
def chain():
    site = Site(chain_site(9))
    yield site
    site.close()


def test_the_tool_stops_at_max_pages_and_writes_into_the_workspace(chain, tmp_path: Path) -> None:
    ctx = ToolContext(workspace=Workspace(tmp_path / "home"))
    result = call_tool("explore_ui", {"base_url": chain.url + "/", "repo_name": "Chain Shop", "max_pages": 4,
                                      "vision": False}, ctx)
    assert Path(result.out_dir) == (tmp_path / "home" / "screenshots" / "chain-shop").resolve()
    assert Path(result.report_path) == Path(result.out_dir) / REPORT_FILE
    assert [p.path for p in result.pages] == ["/", "/p1", "/p2", "/p3"]
    assert result.pages_found == 4 and result.stopped_by == "max_pages"
    for page in result.pages:
        assert page.status == 200 and png_size(page.screenshot)[0] == 1280
    report = ExplorationReport.load(Path(result.report_path))
    assert report.not_visited == [f"/p{i}" for i in range(4, 10)]
    # only the visited pages were loaded; the others were asked for their status (HEAD), not crawled
    assert sorted(chain.got("GET")) == ["/", "/p1", "/p2", "/p3"]
    assert sorted(chain.got("HEAD")) == [f"/p{i}" for i in range(4, 10)]
    assert report.analysis == "DOM-only (no vision model: turned off)"
    assert result.issues_found == 0 and result.issues_by_kind == {}


def test_a_spent_time_budget_ends_the_crawl_after_the_start_page(chain, tmp_path: Path) -> None:
    report = explore(chain.url + "/", tmp_path / "shots", max_pages=50, time_budget_s=0.001, vision=None)
    assert [p.path for p in report.pages] == ["/"]
    assert report.stopped_by == "time_budget" and len(report.not_visited) == 9


def test_old_screenshots_in_the_folder_are_replaced(chain, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    out.mkdir()
    (out / "page-stale.png").write_bytes(b"old")
    (out / "notes.txt").write_text("kept")
    report = explore(chain.url + "/p1", out, max_pages=1, vision=None)
    assert sorted(p.name for p in out.iterdir()) == ["exploration-report.json", "notes.txt", "page-p1.png"]
    assert report.pages[0].path == "/p1" and report.pages[0].linked_from is None
