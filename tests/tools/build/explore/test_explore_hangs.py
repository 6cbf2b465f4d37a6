"""Pages that never finish: a script that runs for ever on load costs that page (an issue), not the crawl;
the browser is stopped by its watchdog when a call could wait for ever; explore also runs from async code."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from explore_helpers import HTML, Site, chain_site
from goose_studio.tools.build.explore import explore, find_chromium
from goose_studio.tools.build.explore.browser import chromium_context

STUCK = b"<title>Stuck</title><script>window.addEventListener('load', () => { while (true) {} });</script>"


@pytest.fixture(scope="module")
def stuck_site():
    routes = {"/": (200, HTML, b"<title>Hub</title><a href='/stuck'>stuck</a> <a href='/fine'>fine</a>"),
              "/stuck": (200, HTML, STUCK), "/fine": (200, HTML, b"<title>Fine</title><p>ok</p>")}
    site = Site(routes)
    yield site
    site.close()


def test_a_page_whose_script_never_ends_is_an_issue_and_the_crawl_goes_on(stuck_site, tmp_path: Path) -> None:
    report = explore(stuck_site.url + "/", tmp_path, nav_timeout_s=2.5, vision=None)
    assert [p.path for p in report.pages] == ["/", "/stuck", "/fine"]
    stuck = report.page("/stuck")
    assert stuck.status == 200 and stuck.error and stuck.screenshot is None
    assert [i.kind for i in stuck.issues] == ["page_error"]
    assert report.page("/fine").title == "Fine" and report.page("/fine").screenshot


def test_the_watchdog_stops_the_browser_at_its_time(tmp_path: Path) -> None:
    with chromium_context(find_chromium(), (800, 600), stop_at=time.monotonic()) as context:
        context.wait_for_event("close", timeout=15_000)
        with pytest.raises(PlaywrightError):
            context.new_page()


def test_explore_runs_from_a_thread_with_an_event_loop(tmp_path: Path) -> None:
    site = Site(chain_site(1))
    try:
        async def inside_a_loop():
            return explore(site.url + "/p1", tmp_path, max_pages=1, vision=None)

        report = asyncio.run(inside_a_loop())
    finally:
        site.close()
    assert [(p.path, p.status, p.title) for p in report.pages] == [("/p1", 200, "Page 1")]
