"""The issues of a page: what its tab reported while it loaded, what its DOM shows, and its links' answers.

:class:`PageEvents` listens to one browser tab: console errors, uncaught exceptions, failed requests,
4xx/5xx responses and the number of requests in flight. :func:`page_event_issues` turns them into
issues without counting one fault twice (Chromium also logs "Failed to load resource" to the console
for a 404 it already answered, and reports an aborted request for it). :func:`missing_alt_issues`,
:func:`phone_overflow_issue` and :func:`broken_link_issues` cover images without alt text, pages wider
than a phone and same-origin links whose target answers >= 400 or not at all (:func:`check_links` asks
the targets that were not visited).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .dom import local_href
from .model import Image, Issue, PageReport

MAX_EVENTS = 50  # per kind and page
_LOAD_FAILED = "Failed to load resource"


@dataclass
class PageEvents:
    """What one tab reported: console errors, exceptions, failed requests, bad responses, requests in flight."""

    console: list[tuple[str, str]] = field(default_factory=list)  # (text, url it came from)
    exceptions: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, Chromium's error text)
    bad: list[tuple[str, int]] = field(default_factory=list)  # (url, status >= 400)
    documents: dict[str, int] = field(default_factory=dict)  # main-frame document url -> status
    inflight: int = 0

    def attach(self, tab: Any) -> None:
        tab.on("console", self._console)
        tab.on("pageerror", self._exception)
        tab.on("request", self._request)
        tab.on("requestfinished", self._done)
        tab.on("requestfailed", self._failed)
        tab.on("response", self._response)

    def _console(self, msg: Any) -> None:
        if msg.type == "error" and len(self.console) < MAX_EVENTS:
            self.console.append((msg.text, (msg.location or {}).get("url") or ""))

    def _exception(self, err: Any) -> None:
        if len(self.exceptions) < MAX_EVENTS:
            self.exceptions.append(getattr(err, "message", None) or str(err))

    def _request(self, _request: Any) -> None:
        self.inflight += 1

    def _done(self, _request: Any) -> None:
        self.inflight = max(0, self.inflight - 1)

    def _failed(self, request: Any) -> None:
        self._done(request)
        if len(self.failed) < MAX_EVENTS:
            self.failed.append((request.url, request.failure or "failed"))

    def _response(self, response: Any) -> None:
        if response.request.resource_type == "document" and response.frame == response.frame.page.main_frame:
            self.documents[response.url] = response.status
        if response.status >= 400 and len(self.bad) < MAX_EVENTS:
            self.bad.append((response.url, response.status))

    def document_status(self, url: str) -> int | None:
        return self.documents.get(url)


def page_event_issues(page: PageReport, events: PageEvents, origin: str,
                      scrub: Callable[[str], str]) -> tuple[list[Issue], list[str]]:
    """The page's own status, its bad responses, failed requests, exceptions and console errors as issues;
    and the other-origin requests that were not let through."""
    issues: list[Issue] = []
    where = page.path
    if page.status is not None and page.status >= 400:
        issues.append(Issue(kind="http_error", page=where, severity="error", status=page.status, url=where,
                            message=f"The page itself answers HTTP {page.status}."))
    elif page.status is None and page.error:
        issues.append(Issue(kind="failed_request", page=where, severity="error", url=where,
                            message=f"The page could not be loaded: {page.error}"))
    elif page.error:
        issues.append(Issue(kind="page_error", page=where, severity="error",
                            message=f"The page did not finish loading or stopped responding: {page.error}"))
    answered = {url for url, _ in events.bad}
    blocked: list[str] = []
    accounted: set[str] = set(answered)
    for url, status in events.bad:
        short = scrub(local_href(url, origin)[0])
        if short == where and status == page.status:
            continue
        issues.append(Issue(kind="http_error", page=where, severity="error", url=short, status=status,
                            message=f"A resource of the page, {short}, answers HTTP {status}."))
    for url, failure in events.failed:
        accounted.add(url)
        if url in answered:
            continue
        short = scrub(local_href(url, origin)[0])
        if "BLOCKED_BY_CLIENT" in failure and not local_href(url, origin)[1]:
            if short not in blocked:
                blocked.append(short)
            continue
        if short == where and page.error:
            continue
        issues.append(Issue(kind="failed_request", page=where, severity="error", url=short,
                            message=f"A request of the page, {short}, failed ({failure}).",
                            detail={"failure": failure}))
    for text in events.exceptions:
        first = scrub(text.strip().splitlines()[0] if text.strip() else "error")
        issues.append(Issue(kind="page_error", page=where, severity="error",
                            message=f"An uncaught JavaScript error: {first[:300]}"))
    for text, url in events.console:
        if text.startswith(_LOAD_FAILED) and (url in accounted or not url):
            continue
        issues.append(Issue(kind="console_error", page=where, severity="error",
                            message=f"The console shows an error: {scrub(text)[:300]}",
                            url=scrub(local_href(url, origin)[0]) if url else None))
    return issues, blocked


def missing_alt_issues(path: str, images: list[Image]) -> list[Issue]:
    """One issue per image with no alt attribute that is not marked decorative."""
    out = []
    for img in images:
        if img.alt is None and not img.decorative:
            out.append(Issue(kind="missing_alt", page=path, severity="warning", url=img.src or None,
                             message=f"The image {img.src or '(no source)'} has no alt text, so screen readers "
                             "cannot say what it shows."))
    return out


def phone_overflow_issue(path: str, measured: dict[str, Any]) -> Issue | None:
    """An issue when the page is wider than the phone viewport it was measured in."""
    width, scroll = int(measured.get("width") or 0), int(measured.get("scroll") or 0)
    if not width or scroll <= width + 1:
        return None
    culprit = measured.get("culprit") or {}
    cause = f" (first element past the edge: <{culprit['element']}>)" if culprit.get("element") else ""
    return Issue(kind="phone_overflow", page=path, severity="warning",
                 message=f"On a phone-sized screen the page is {scroll} px wide for {width} px of screen, so it "
                 f"scrolls sideways{cause}.",
                 detail={"viewport_width": width, "content_width": scroll, **({"element": culprit["element"]}
                                                                              if culprit.get("element") else {})})


def check_links(context: Any, origin: str, targets: list[str], deadline: float,
                timeout_s: float = 5.0) -> dict[str, int | None]:
    """HTTP status of each same-origin path (HEAD, then GET when HEAD is not allowed); None: no answer.
    Paths left when the deadline passes are not asked."""
    from playwright.sync_api import Error as PlaywrightError

    out: dict[str, int | None] = {}
    for path in targets:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        timeout_ms = max(0.5, min(timeout_s, left)) * 1000
        try:
            resp = context.request.head(origin + path, timeout=timeout_ms, max_redirects=5)
            status = resp.status
            if status in (405, 501):
                resp = context.request.get(origin + path, timeout=timeout_ms, max_redirects=5)
                status = resp.status
            out[path] = status
        except PlaywrightError:
            out[path] = None
    return out


def broken_link_issues(page: PageReport, statuses: dict[str, int | None]) -> list[Issue]:
    """The page's same-origin links whose target answered >= 400 or not at all (each target once)."""
    out: list[Issue] = []
    seen: set[str] = set()
    for link in page.components.links:
        target = link.href.split("#", 1)[0] or page.path
        if not link.same_origin or target in seen or target not in statuses:
            continue
        status = statuses[target]
        if status is not None and status < 400:
            continue
        seen.add(target)
        said = f"answers HTTP {status}" if status is not None else "does not answer"
        text = f' "{link.text}"' if link.text else ""
        out.append(Issue(kind="broken_link", page=page.path, severity="error", url=target, status=status,
                         message=f"The link{text} goes to {target}, which {said}.",
                         detail={"text": link.text}))
    return out
