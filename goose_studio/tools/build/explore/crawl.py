"""The breadth-first crawl: same-origin pages from the start URL, one browser tab per page, within bounds.

:meth:`Crawler.run` visits pages in the order their links are first seen (breadth first, links in document
order), at most ``max_pages`` of them and, bar the start page, none after the deadline. Each visit opens a
tab, loads the page, lets its requests settle, reads its DOM (:mod:`.dom`), masks the words that look like
secrets, takes a full-page screenshot, then narrows the tab to the phone viewport to measure horizontal
overflow (and takes a phone screenshot when it overflows). The tab's console errors, uncaught exceptions,
failed requests and 4xx/5xx responses become the page's issues (:mod:`.issues`). Requests to other origins
are not let through: they are listed per page instead. Links that would log the user out, and links to
files (images, archives, documents), are not crawled; pages that are not HTML are not kept as pages,
though their status still counts for the link check.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

from .dom import FACTS_JS, MASK_JS, OVERFLOW_JS, limits, local_href, page_facts, secret_words
from .issues import PageEvents, missing_alt_issues, page_event_issues, phone_overflow_issue
from .model import PageReport

SETTLE_S = 2.0  # longest wait for a page's own requests to finish after its load event
PROBE_MS = 3000  # a page that cannot draw one frame in this long is stuck (a script that never ends)
MAX_SHOT_HEIGHT = 8000  # full-page screenshots stop at this many CSS pixels
_FILE_EXT = re.compile(r"(?i)\.(png|jpe?g|gif|webp|svg|ico|bmp|pdf|zip|gz|tgz|tar|bz2|xz|7z|rar|mp[34]|webm|"
                       r"ogg|wav|avi|mov|woff2?|ttf|otf|eot|css|js|mjs|map|json|xml|csv|txt|docx?|xlsx?|pptx?|exe|"
                       r"dmg|apk|deb|rpm|iso|bin)$")
_LOGOUT = re.compile(r"(?i)(^|/)(log-?out|sign-?out|log-?off)(/|$|\?)")


def normalize(url: str) -> str:
    """The URL without its fragment, an empty path as ``/``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def is_logout(path: str) -> bool:
    """Whether a path looks like it logs the user out (never visited nor asked)."""
    return bool(_LOGOUT.search(path))


def crawlable(path: str) -> bool:
    """Whether a same-origin path is visited as a page (not a file, not a log-out link)."""
    return not _FILE_EXT.search(path.split("?", 1)[0]) and not is_logout(path)


def shot_name(path: str, taken: set[str], suffix: str = "") -> str:
    """A unique ``page-<slug>.png`` for a page path (``/`` is ``home``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:70] or "home"
    name, n = f"page-{slug}{suffix}.png", 2
    while name in taken:
        name, n = f"page-{slug}-{n}{suffix}.png", n + 1
    taken.add(name)
    return name


@dataclass
class Queued:
    url: str
    depth: int
    linked_from: str | None
    link_text: str | None


@dataclass
class CrawlResult:
    pages: list[PageReport]
    statuses: dict[str, int | None]  # same-origin path -> HTTP status, for every URL loaded
    not_visited: list[str]
    stopped_by: str
    shots: dict[str, Path] = field(default_factory=dict)  # page path -> its screenshot


class Crawler:
    """One crawl of one site in one browser context."""

    def __init__(self, context: Any, base_url: str, out_dir: Path, *, max_pages: int, deadline: float,
                 viewport: tuple[int, int], phone: tuple[int, int], text_chars: int, nav_timeout_s: float,
                 scrub: Callable[[str], str], allow_external: bool = False) -> None:
        self.context = context
        self.start = normalize(base_url)
        self.origin = origin_of(base_url)
        self.out_dir = out_dir
        self.max_pages = max_pages
        self.deadline = deadline
        self.viewport = viewport
        self.phone = phone
        self.text_chars = text_chars
        self.nav_timeout_s = nav_timeout_s
        self.scrub = scrub
        self.taken: set[str] = set()
        self.browser_lost = False
        if not allow_external:
            context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if origin_of(url) == self.origin or not url.startswith(("http:", "https:", "ws:", "wss:")):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def path(self, url: str) -> str:
        return local_href(url, self.origin)[0]

    def run(self) -> CrawlResult:
        from playwright.sync_api import Error as PlaywrightError

        queue: deque[Queued] = deque([Queued(self.start, 0, None, None)])
        seen = {self.start}
        pages: list[PageReport] = []
        statuses: dict[str, int | None] = {}
        shots: dict[str, Path] = {}
        stopped_by = "done"
        while queue:
            if len(pages) >= self.max_pages:
                stopped_by = "max_pages"
                break
            if pages and self.left() <= 0:
                stopped_by = "time_budget"
                break
            item = queue.popleft()
            try:
                page = self.visit(item, statuses, seen)
            except PlaywrightError:  # no new tab: the browser was stopped past the deadline
                queue.appendleft(item)
                stopped_by = "time_budget"
                self.browser_lost = True
                break
            if page is None:
                continue
            pages.append(page)
            if page.screenshot:
                shots[page.path] = self.out_dir / page.screenshot
            for link in page.components.links:
                if not link.same_origin or not crawlable(link.href):
                    continue
                url = normalize(self.origin + link.href)
                if url not in seen:
                    seen.add(url)
                    queue.append(Queued(url, page.depth + 1, page.path, link.text or None))
        not_visited = [self.path(q.url) for q in queue]
        return CrawlResult(pages, statuses, not_visited, stopped_by, shots)

    def visit(self, item: Queued, statuses: dict[str, int | None], seen: set[str]) -> PageReport | None:
        """One page: load, settle, read, screenshot, phone check. None when it is not an HTML page of the site."""
        from playwright.sync_api import Error as PlaywrightError

        path = self.path(item.url)
        tab = self.context.new_page()
        events = PageEvents()
        events.attach(tab)
        began = time.monotonic()
        report = PageReport(path=path, status=None, depth=item.depth, linked_from=item.linked_from,
                            link_text=item.link_text)
        try:
            timeout_ms = max(1.0, min(self.nav_timeout_s, self.left())) * 1000
            try:
                response = tab.goto(item.url, wait_until="load", timeout=timeout_ms)
            except PlaywrightError as exc:
                response = None
                report.error = self.scrub(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                report.status = events.document_status(item.url)
                statuses[path] = report.status
            if response is not None:
                final = normalize(response.url)
                if origin_of(final) != self.origin:
                    report.error = f"redirected to another site ({origin_of(final)})"
                    return self._finish(report, events, began)
                if final != item.url:
                    final_path = self.path(final)
                    statuses[path] = response.status  # a link to a redirect works when its target does
                    if final in seen and final_path != path:
                        return None
                    seen.add(final)
                    report.redirected_from, report.path, path = path, final_path, final_path
                report.status = response.status
                statuses[path] = response.status
                kind = (response.headers.get("content-type") or "text/html").lower()
                if "html" not in kind:
                    return None
            if report.status is None and report.error:  # no answer at all (refused, reset, timed out)
                return self._finish(report, events, began)
            self._settle(tab, events)
            raw = tab.evaluate(FACTS_JS, limits(self.text_chars))
            report.title, report.text, report.forms, report.components = page_facts(raw, self.origin, self.scrub)
            hidden = secret_words(raw, self.scrub)
            if hidden:
                report.masked = int(tab.evaluate(MASK_JS, hidden) or 0)
            report.screenshot = self._screenshot(tab, path)
            report.issues += missing_alt_issues(path, report.components.images)
            tab.set_viewport_size({"width": self.phone[0], "height": self.phone[1]})
            overflow = tab.evaluate(OVERFLOW_JS)
            issue = phone_overflow_issue(path, overflow)
            if issue is not None:
                report.issues.append(issue)
                report.phone_screenshot = shot_name(path, self.taken, "-phone")
                tab.screenshot(path=str(self.out_dir / report.phone_screenshot), timeout=self._shot_timeout())
        except PlaywrightError as exc:
            report.error = report.error or self.scrub(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        finally:
            report.load_ms = int((time.monotonic() - began) * 1000)
            try:
                tab.close()
            except PlaywrightError:
                pass  # the browser is gone (stopped by the watchdog); the crawl ends with this page
        return self._finish(report, events, began)

    def _finish(self, report: PageReport, events: PageEvents, began: float) -> PageReport:
        report.load_ms = report.load_ms or int((time.monotonic() - began) * 1000)
        issues, blocked = page_event_issues(report, events, self.origin, self.scrub)
        report.issues = issues + report.issues
        report.blocked_requests = blocked
        return report

    def _settle(self, tab: Any, events: PageEvents) -> None:
        """Wait (at most SETTLE_S, and never past the deadline) until the page has no request in flight."""
        until = time.monotonic() + max(0.0, min(SETTLE_S, self.left()))
        while events.inflight > 0 and time.monotonic() < until:
            tab.wait_for_timeout(25)
        # one animation frame, which also proves the page still runs: a script that never ends fails it
        tab.wait_for_function("() => true", polling="raf", timeout=PROBE_MS)

    def _shot_timeout(self) -> float:
        return max(1.0, min(30.0, self.left() + 5.0)) * 1000

    def _screenshot(self, tab: Any, path: str) -> str:
        name = shot_name(path, self.taken)
        height = int(tab.evaluate("() => Math.max(document.documentElement.scrollHeight, "
                                  "document.body ? document.body.scrollHeight : 0)") or 0)
        clip = None
        if height > MAX_SHOT_HEIGHT:
            clip = {"x": 0, "y": 0, "width": self.viewport[0], "height": MAX_SHOT_HEIGHT}
        tab.screenshot(path=str(self.out_dir / name), full_page=True, clip=clip, timeout=self._shot_timeout())
        return name
