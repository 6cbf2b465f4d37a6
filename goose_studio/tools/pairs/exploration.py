"""UI/UX pairs from the BUILD tab's exploration of the running app (``exploration-report.json``).

Per page that answered: what it shows (title, headings, the start of its text, forms, tables, buttons,
and the vision model's description when there is one), which fields each form has and which of them are
required, the columns of each table, the problems found on it (with what usually fixes each), and how to
get to it from the start page and from a few other pages (the links to follow, by their text; from other
pages only to pages that the navigation bar on every page does not already lead to). For the
whole app: its pages, the components the pages share, and the problems found, in total. Every answer
cites page paths (never the host or port the app ran on) and states only what the report records.

A page's pairs have the page's path as their split group, so a page is held out whole; a route is grouped
with the page it leads to; pairs about the whole app have no group and stay in train. The pairs carry the
``uiux`` category and come after the code's UI component pairs (:func:`with_pages`). The report reaches the
generator through ``Repo.exploration``, which ``generate_pairs`` sets from its ``exploration_report``
argument (:func:`load_exploration`); the tool redacts secrets in these pairs as in every other.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Callable, Iterable

from pydantic import ValidationError

from ...errors import FailureKind, ToolFailure
from ..build.explore.model import REPORT_FILE, ExplorationReport, Form, Issue, PageReport
from .repo import Pair, Repo
from .text import name_list, pick, pluralize, stable_hash

CATEGORY = "uiux"
ROUTES_PER_PAGE = 2  # routes asked from each page other than the start page
Compose = Callable[[list[str]], str]

FIXES = {
    "console_error": "find the script that logs it (the browser console shows where) and handle the failure there",
    "page_error": "fix the script that throws it, or guard the code it calls",
    "failed_request": "check that the resource exists and that the server answers for it",
    "http_error": "check the route or the resource path on the server",
    "broken_link": "point the link at a page that exists, or remove it",
    "missing_alt": 'give the image an alt text that says what it shows (alt="" when it is only decoration)',
    "phone_overflow": "let the wide element shrink or wrap on small screens (max-width: 100%, flex-wrap, or a "
                      "scrolling wrapper)",
}
KIND_WORDS = {
    "console_error": "console errors", "page_error": "JavaScript errors", "failed_request": "failed requests",
    "http_error": "HTTP errors", "broken_link": "broken links", "missing_alt": "images without alt text",
    "phone_overflow": "pages wider than a phone screen",
}


def load_exploration(path: str) -> ExplorationReport:
    """The exploration report at ``path`` (a report file, or the folder that holds one)."""
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / REPORT_FILE
    try:
        return ExplorationReport.load(target)
    except FileNotFoundError:
        raise ToolFailure(FailureKind.not_found, f"There is no exploration report at {target}.",
                          hint="Explore the running app first (explore_ui), or leave exploration_report out.",
                          details={"exploration_report": str(target)}) from None
    except (ValidationError, ValueError, UnicodeDecodeError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"The exploration report {target} is not one the studio wrote.",
                          hint="Explore the app again to write a fresh report.",
                          details={"exploration_report": str(target), "error": str(exc)[:300]}) from None
    except OSError as exc:
        raise ToolFailure(FailureKind.invalid_input, f"Cannot read the exploration report {target}: {exc}",
                          details={"exploration_report": str(target)}) from None


def with_pages(code_pairs: Callable[[Repo, set[str]], Iterable[Pair]]) -> Callable[[Repo, set[str]], Iterable[Pair]]:
    """A generator that yields ``code_pairs``' pairs, then the exploration's pairs when the repository has one."""

    def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
        yield from code_pairs(repo, categories)
        report = getattr(repo, "exploration", None)
        if isinstance(report, ExplorationReport):
            yield from report_pairs(report, repo.name, repo.compose)

    pairs.__doc__ = f"{(code_pairs.__doc__ or '').strip()} Then the pages of the app's UI exploration."
    return pairs


def _source(path: str) -> str:
    return f"{REPORT_FILE}#{path}"


def _q(text: str) -> str:
    return f'"{text}"'


def _answered(page: PageReport) -> bool:
    return page.status is not None and page.status < 400


def _page_text(page: PageReport) -> str:
    """The page's text without its navigation bar's link texts at the start."""
    text = page.text
    for nav in page.components.nav:
        joined = " ".join(i.text for i in nav.items if i.text)
        if joined and text.startswith(joined):
            text = text[len(joined):].strip()
    return text


def _form_name(form: Form) -> str:
    if form.name:
        return f"{_q(form.name)} form"
    return "fields outside a form" if form.standalone else "form"


def _field_line(field) -> str:
    label = field.label or field.placeholder or field.name or field.type
    kind = {"select": "a drop-down", "textarea": "a text area", "checkbox": "a checkbox", "radio": "a choice"}.get(
        field.type, f"{'an' if field.type[:1] in 'aeiou' else 'a'} {field.type} field")
    bits = [f"{label}: {kind}"]
    if field.name:
        bits.append(f"named `{field.name}`")
    if field.options:
        bits.append("with the options " + ", ".join(field.options[:8]) + (" ..." if len(field.options) > 8 else ""))
    return "- " + " ".join(bits) + (", required" if field.required else ", optional")


def _page_pair(page: PageReport, app: str, shared_nav: bool, compose: Compose) -> Pair | None:
    c = page.components
    text = _page_text(page)
    if not (page.title or c.headings or text or page.description):
        return None
    parts = [f"`{page.path}` is the {app} page " + (f"titled {_q(page.title)}." if page.title else "with no title.")]
    if c.headings:
        main = [h.text for h in c.headings if h.level == min(x.level for x in c.headings)]
        parts.append(f" Its main heading is {_q(main[0])}." if len(main) == 1 else
                     f" Its main headings are {', '.join(_q(h) for h in main[:5])}.")
    if text and text not in (page.title, *(h.text for h in c.headings)):
        parts.append(f" Its text begins: {_q(text[:240] + ('...' if len(text) > 240 else ''))}.")
    for form in page.forms[:3]:
        labels = [f.label or f.name or f.type for f in form.fields]
        if labels:
            parts.append(f" It has a {_form_name(form)} with the fields {', '.join(labels[:8])}.")
    for table in c.tables[:3]:
        caption = f" {_q(table.caption)}" if table.caption else ""
        if table.columns:
            parts.append(f" It shows a table{caption} with the columns {', '.join(table.columns[:8])}.")
    buttons = [b.text for b in c.buttons if b.text and not any(b.text in f.submit for f in page.forms)]
    if buttons:
        parts.append(f" Buttons: {', '.join(_q(b) for b in buttons[:8])}.")
    if c.dialogs:
        parts.append(f" It has {pluralize(len(c.dialogs), 'dialog')} "
                     f"({', '.join(_q(d.label) if d.label else 'unnamed' for d in c.dialogs[:4])}).")
    if shared_nav and c.nav:
        parts.append(" Like every page, it has the site's navigation bar.")
    if page.description:
        parts.append(f" Its screenshot shows: {page.description}")
    options = [
        f"What does the `{page.path}` page of {app} show?",
        f"What is on the page `{page.path}`" + (f" ({_q(page.title)})" if page.title else "") + f" in {app}?",
        f"Describe the `{page.path}` screen of the {app} web app.",
    ]
    return Pair(CATEGORY, pick(options, "ui-page", page.path), compose(["".join(parts)]), _source(page.path),
                page.path)


def _form_pairs(page: PageReport, app: str, compose: Compose) -> Iterable[Pair]:
    for n, form in enumerate(page.forms):
        if not form.fields:
            continue
        name = _form_name(form)
        sent = f", sent by {form.method.upper()} to `{form.action}`," if form.action else ""
        lines = [f"The {name} on `{page.path}`{sent} has {pluralize(len(form.fields), 'field')}:"]
        lines += [_field_line(f) for f in form.fields]
        required = [f.label or f.name or f.type for f in form.fields if f.required]
        lines.append(f"Required: {', '.join(required)}." if required else "None of them is required.")
        if form.submit:
            lines.append(f"It is sent with the {_q(form.submit[0])} button.")
        options = [
            f"Which fields does the {name} on `{page.path}` have, and which are required?",
            f"What do I have to fill in on the {name} of {app} (`{page.path}`)?",
            f"List the inputs of the {name} on `{page.path}` and say which ones are mandatory.",
        ]
        yield Pair(CATEGORY, pick(options, "ui-form", page.path, n), compose(["\n".join(lines)]),
                   _source(page.path), page.path)


def _table_pairs(page: PageReport, app: str, compose: Compose) -> Iterable[Pair]:
    for n, table in enumerate(page.components.tables):
        if not table.columns:
            continue
        caption = f" {_q(table.caption)}" if table.caption else ""
        out = (f"The table{caption} on `{page.path}` has the columns {', '.join(table.columns)}; it showed "
               f"{pluralize(table.rows, 'row')} when the app was explored.")
        options = [
            f"What columns does the{caption} table on `{page.path}` have?",
            f"Which data does the table on the `{page.path}` page of {app} list?",
        ]
        yield Pair(CATEGORY, pick(options, "ui-table", page.path, n), compose([out]), _source(page.path), page.path)


def _issue_line(issue: Issue) -> str:
    return f"- {issue.message} To fix it: {FIXES.get(issue.kind, 'look at the page in a browser')}."


def _issue_pair(page: PageReport, app: str, compose: Compose) -> Pair | None:
    if not page.issues:
        return None
    lines = [f"Exploring `{page.path}` found {pluralize(len(page.issues), 'issue')}:"]
    lines += [_issue_line(i) for i in page.issues[:8]]
    if len(page.issues) > 8:
        lines.append(f"- and {len(page.issues) - 8} more")
    options = [
        f"What problems were found on the `{page.path}` page of {app}?",
        f"Are there bugs or accessibility issues on `{page.path}`?",
        f"What is wrong with the page `{page.path}`" + (f" ({_q(page.title)})" if page.title else "") + "?",
    ]
    return Pair(CATEGORY, pick(options, "ui-issues", page.path), compose(["\n".join(lines)]), _source(page.path),
                page.path)


def _links(report: ExplorationReport) -> dict[str, list[tuple[str, str]]]:
    """Per visited page that answered, its links to other such pages: (target, link text), first text wins."""
    visited = {p.path for p in report.pages if _answered(p)}
    graph: dict[str, list[tuple[str, str]]] = {}
    for page in report.pages:
        if page.path not in visited:
            continue
        out: list[tuple[str, str]] = []
        for link in page.components.links:
            if link.same_origin and link.href in visited and link.href != page.path and link.text \
                    and all(t != link.href for t, _ in out):
                out.append((link.href, link.text))
        graph[page.path] = out
    return graph


def _route(graph: dict[str, list[tuple[str, str]]], start: str, goal: str) -> list[tuple[str, str]] | None:
    """The fewest links from ``start`` to ``goal`` (breadth first, links in page order): (text, target) steps."""
    back: dict[str, tuple[str, str] | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            steps: list[tuple[str, str]] = []
            while back[here] is not None:
                prev, text = back[here]  # type: ignore[misc]
                steps.append((text, here))
                here = prev
            return steps[::-1]
        for target, text in graph.get(here, []):
            if target not in back:
                back[target] = (here, text)
                queue.append(target)
    return None


def _route_pairs(report: ExplorationReport, app: str, nav_everywhere: dict[str, str],
                 compose: Compose) -> Iterable[Pair]:
    graph = _links(report)
    if not report.pages or report.pages[0].path not in graph:
        return
    start = report.pages[0].path
    asked: list[tuple[str, str]] = [(start, p) for p in graph if p != start]
    for origin in graph:  # from the other pages: routes to pages the navigation bar does not lead to
        if origin == start:
            continue
        targets = sorted((p for p in graph if p not in (origin, start) and p not in nav_everywhere),
                         key=lambda p: stable_hash("route", origin, p))
        asked += [(origin, t) for t in targets[:ROUTES_PER_PAGE]]
    for a, b in asked:
        steps = _route(graph, a, b)
        if not steps:
            continue
        hops = [f"{_q(text)} to `{target}`" for text, target in steps]
        if len(hops) == 1:
            out = f"On `{a}`, follow the link {hops[0]}."
        else:
            out = f"From `{a}`, follow the link {hops[0]}, then " + ", then ".join(hops[1:]) + "."
        if b in nav_everywhere:
            out += f" `{b}` is also in the navigation bar on every page ({_q(nav_everywhere[b])})."
        options = [
            f"How do I get from `{a}` to `{b}` in {app}?",
            f"In {app}, which links lead from the `{a}` page to `{b}`?",
            f"Starting on `{a}`, how do I reach the `{b}` page of {app}?",
        ]
        yield Pair(CATEGORY, pick(options, "ui-route", a, b), compose([out]), _source(b), b)


def _site_pairs(report: ExplorationReport, app: str, compose: Compose) -> Iterable[Pair]:
    rows = [f"- `{p.path}`" + (f": {p.title}" if p.title else "") + (f" (HTTP {p.status})" if p.status else
                                                                        " (no answer)") for p in report.pages]
    out = f"The UI exploration of {app} visited {pluralize(len(report.pages), 'page')}:\n" + "\n".join(rows[:30])
    if report.not_visited:
        out += f"\nIt also found links to {name_list(report.not_visited, 6)}, which it did not visit."
    options = [f"Which pages does the {app} web app have?", f"List the screens of {app} and their titles."]
    yield Pair(CATEGORY, pick(options, "ui-site", app), compose([out]), _source("/"), "")
    shared = [c for c in report.components if len(c.pages) > 1 and c.kind != "button"] or \
        [c for c in report.components if c.kind != "button"]
    if shared:
        lines = [f"- {c.name}: {c.detail}" for c in shared[:12]]
        options = [f"Which UI components do the pages of {app} share?",
                   f"What are the main UI components of the {app} web app?"]
        yield Pair(CATEGORY, pick(options, "ui-components", app), compose([f"Components of {app}'s pages:\n"
                                                                           + "\n".join(lines)]), _source("/"), "")
    if report.issues:
        by_kind: dict[str, list[str]] = {}
        for issue in report.issues:
            pages = by_kind.setdefault(issue.kind, [])
            if issue.page not in pages:
                pages.append(issue.page)
        lines = [f"- {KIND_WORDS.get(k, k)}: on {name_list(v, 6)}" for k, v in by_kind.items()]
        options = [f"What issues did exploring the {app} UI find?", f"Which pages of {app} have UI problems?"]
        out = f"{pluralize(len(report.issues), 'issue')} in all:\n" + "\n".join(lines)
        yield Pair(CATEGORY, pick(options, "ui-all-issues", app), compose([out]), _source("/"), "")


def report_pairs(report: ExplorationReport, app: str, compose: Compose) -> Iterable[Pair]:
    """The UI/UX pairs of one exploration report, in page order, then those about the whole app."""
    answered = [p for p in report.pages if _answered(p)]
    nav_everywhere: dict[str, str] = {}
    shared_nav = False
    for comp in report.components:
        if comp.kind == "nav" and len(answered) > 1 and len(comp.pages) == len(answered):
            shared_nav = True
    if shared_nav and answered[0].components.nav:
        for item in answered[0].components.nav[0].items:
            if item.same_origin and item.text:
                nav_everywhere.setdefault(item.href, item.text)
    for page in report.pages:
        if _answered(page):
            made = _page_pair(page, app, shared_nav, compose)
            if made:
                yield made
            yield from _form_pairs(page, app, compose)
            yield from _table_pairs(page, app, compose)
        made = _issue_pair(page, app, compose)
        if made:
            yield made
    yield from _route_pairs(report, app, nav_everywhere, compose)
    yield from _site_pairs(report, app, compose)
