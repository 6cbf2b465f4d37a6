"""``explore``: crawl a running web app in headless Chromium and write ``exploration-report.json``.

The crawl (:mod:`.crawl`) is bounded by ``max_pages`` and ``time_budget_s``, counted from the moment the
browser is up (the start page is always visited; checking the links that were not visited may take up to
:data:`LINK_CHECK_GRACE_S` more). Same-origin
links that were not visited are then asked for their status, so every page gets its broken links. When a
vision model can run here (:mod:`.vision`), each screenshot is described too, within ``vision_budget_s``;
otherwise the report says "DOM-only (no vision model: <reason>)". Components are mapped across pages
(:mod:`.components`), every text is redacted (secrets the caller names, and anything that looks like one),
and the report is written atomically into ``out_dir`` beside the screenshots. The start URL must be on
this machine (loopback) unless ``allow_remote`` is set.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Literal
from urllib.parse import urlsplit

from ....errors import FailureKind, ToolFailure, disk_full_from_oserror
from ....sandbox.redaction import redact
from ....workspace import write_json
from .browser import chromium_context, find_chromium, sync_playwright
from .components import map_components
from .crawl import Crawler, is_logout
from .issues import broken_link_issues, check_links
from .model import REPORT_FILE, ExplorationReport, PageReport, Viewport, VisionInfo
from .vision import Describer, VisionChoice, find_describer

LINK_CHECK_GRACE_S = 5.0
HANG_GRACE_S = 30.0  # past the budget, the browser is stopped (a page whose script never ends)
DEFAULT_VIEWPORT = (1280, 800)
DEFAULT_PHONE = (390, 844)


def check_base_url(base_url: str, allow_remote: bool = False) -> str:
    """The start URL if it is an http(s) URL on this machine (or anywhere, with ``allow_remote``)."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ToolFailure(FailureKind.invalid_input, f"{base_url!r} is not an http:// or https:// URL.",
                          hint="Give the URL the app answers on, e.g. http://127.0.0.1:3000/.",
                          details={"base_url": base_url})
    host = parts.hostname
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if not loopback and not allow_remote:
        raise ToolFailure(FailureKind.invalid_input, f"{host} is not this machine; the explorer only visits apps "
                          "running here.", hint="Run the app locally (the build step does) and give its "
                          "127.0.0.1 URL, or allow remote URLs explicitly.", details={"base_url": base_url})
    return base_url.strip()


def _describe(pages: list[PageReport], shots: dict[str, Path], choice: VisionChoice,
              budget_s: float) -> VisionInfo:
    """Each screenshot described by the vision model, within the budget; the first failure stops it."""
    if choice.describer is None:
        return VisionInfo(used=False, reason=choice.reason or "no vision model")
    info = VisionInfo(used=True, model=choice.describer.model)
    until = time.monotonic() + budget_s
    for page in pages:
        shot = shots.get(page.path)
        if shot is None or time.monotonic() >= until:
            continue
        facts = f"title {page.title!r}; headings: " + "; ".join(h.text for h in page.components.headings[:8])
        try:
            page.description = redact(choice.describer.describe(shot, facts).strip()) or None
        except Exception as exc:  # the model failing (out of memory, a broken image) ends vision, not the report
            info.reason = f"the vision model failed: {type(exc).__name__}: {exc}"[:300]
            break
        info.described += 1
    if not info.described:
        info.used = False
        info.reason = info.reason or "no screenshot could be described within the vision budget"
    return info


def explore(base_url: str, out_dir: str | Path, *, max_pages: int = 25, time_budget_s: float = 120.0,
            viewport: tuple[int, int] = DEFAULT_VIEWPORT, phone_viewport: tuple[int, int] = DEFAULT_PHONE,
            text_chars: int = 600, nav_timeout_s: float = 15.0, max_link_checks: int = 200,
            vision: Describer | Literal["auto"] | None = "auto", vision_model: str | None = None,
            vision_budget_s: float = 600.0, chromium: str | None = None, secrets: Iterable[str] = (),
            allow_external: bool = False, allow_remote: bool = False) -> ExplorationReport:
    """Crawl the app at ``base_url``; screenshots and ``exploration-report.json`` go into ``out_dir``.

    ``vision``: "auto" uses a local Qwen2.5-VL when one can run, None turns vision off, or a describer.
    Raises ``missing_dependency`` without Playwright or Chromium, ``not_found`` when nothing answers.
    """
    began = time.monotonic()
    url = check_base_url(base_url, allow_remote)
    if max_pages < 1 or time_budget_s <= 0:
        raise ToolFailure(FailureKind.invalid_input, "max_pages must be at least 1 and time_budget_s above 0.",
                          details={"max_pages": max_pages, "time_budget_s": time_budget_s})
    sync_playwright()
    executable = find_chromium(chromium)
    folder = Path(out_dir).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("page-*.png"):
            old.unlink()
    except OSError as exc:
        raise disk_full_from_oserror(exc, str(folder)) or ToolFailure(
            FailureKind.invalid_input, f"Cannot write screenshots to {folder}: {exc}",
            hint="Choose a folder you can write to.", details={"out_dir": str(folder)}) from None
    known = tuple(secrets)

    def run() -> ExplorationReport:
        return _explore(url, folder, began, max_pages, time_budget_s, viewport, phone_viewport, text_chars,
                        nav_timeout_s, max_link_checks, vision, vision_model, vision_budget_s, executable,
                        lambda text: redact(text, known), allow_external)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API cannot run on a thread with an event loop
        return pool.submit(run).result()


def _explore(url: str, folder: Path, began: float, max_pages: int, time_budget_s: float,
             viewport: tuple[int, int], phone: tuple[int, int], text_chars: int, nav_timeout_s: float,
             max_link_checks: int, vision: Describer | str | None, vision_model: str | None,
             vision_budget_s: float, executable: str, scrub, allow_external: bool) -> ExplorationReport:
    # the crawl's calls all have timeouts within the budget; the watchdog only catches a page that hangs one
    with chromium_context(executable, viewport, time.monotonic() + time_budget_s + HANG_GRACE_S) as context:
        deadline = time.monotonic() + time_budget_s
        crawler = Crawler(context, url, folder, max_pages=max_pages, deadline=deadline, viewport=viewport,
                          phone=phone, text_chars=text_chars, nav_timeout_s=nav_timeout_s, scrub=scrub,
                          allow_external=allow_external)
        result = crawler.run()
        if not any(p.status is not None for p in result.pages):
            first = result.pages[0] if result.pages else None
            raise ToolFailure(FailureKind.not_found, f"Nothing answers at {url}"
                              + (f": {first.error}" if first and first.error else "."),
                              hint="Start the app first and check its port, then explore again.",
                              details={"base_url": url, "error": first.error if first else None})
        targets: list[str] = []
        for page in result.pages:
            for link in page.components.links:
                target = link.href
                if link.same_origin and target not in result.statuses and target not in targets \
                        and not is_logout(target):
                    targets.append(target)
        statuses = dict(result.statuses)
        if not crawler.browser_lost:
            statuses.update(check_links(context, crawler.origin, targets[:max_link_checks],
                                        deadline + LINK_CHECK_GRACE_S))
    for page in result.pages:
        page.issues += broken_link_issues(page, statuses)
    if vision == "auto":
        choice = find_describer(vision_model)
    elif vision is None:
        choice = VisionChoice(None, "turned off")
    else:
        choice = VisionChoice(vision, None)  # type: ignore[arg-type]
    info = _describe(result.pages, result.shots, choice, vision_budget_s)
    components = map_components(result.pages)
    issues = [i for p in result.pages for i in p.issues]
    elapsed = time.monotonic() - began
    report = ExplorationReport(
        base_url=url,
        analysis=f"DOM + vision ({info.model})" if info.used else f"DOM-only (no vision model: {info.reason})",
        vision=info, max_pages=max_pages, time_budget_s=time_budget_s,
        viewport=Viewport(width=viewport[0], height=viewport[1]),
        phone_viewport=Viewport(width=phone[0], height=phone[1]),
        stopped_by=result.stopped_by,  # type: ignore[arg-type]
        elapsed_s=round(elapsed, 2), pages_per_s=round(len(result.pages) / elapsed, 2) if elapsed > 0 else 0.0,
        pages_found=len(result.pages), pages=result.pages, not_visited=result.not_visited,
        links_checked=sum(1 for t in targets if t in statuses),
        components_mapped=len(components), components=components, issues_found=len(issues), issues=issues,
    )
    write_json(folder / REPORT_FILE, report.model_dump(mode="json"))
    return report
