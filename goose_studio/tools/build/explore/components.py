"""Components mapped across the site: the same navigation menu, header, form or table seen on several pages
counts once, with the pages it is on.

A component is known by what identifies it to a person: a navigation menu by its label and link texts,
a form by its name and field names, a table by its caption and columns, a dialog by its label, a button
by its text; the header, footer and sidebar landmarks by their presence.
"""

from __future__ import annotations

from .model import ComponentSummary, PageReport

MAX_BUTTONS = 40


def _names(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _where(pages: list[str], total: int) -> str:
    if total > 1 and len(pages) == total:
        return "on every page"
    return f"on {len(pages)} of {total} pages" if len(pages) > 1 else f"on {pages[0]}"


def map_components(pages: list[PageReport]) -> list[ComponentSummary]:
    """The site's components, each with the pages it appears on, in the order they were first seen."""
    found: dict[tuple[str, ...], ComponentSummary] = {}
    total = sum(1 for p in pages if p.status is not None and p.status < 400) or len(pages)

    def add(key: tuple[str, ...], kind: str, name: str, path: str, detail: str) -> None:
        entry = found.get(key)
        if entry is None:
            found[key] = ComponentSummary(kind=kind, name=name, pages=[path], detail=detail)  # type: ignore[arg-type]
        elif path not in entry.pages:
            entry.pages.append(path)

    for page in pages:
        c = page.components
        for landmark, label in (("header", "Header"), ("sidebar", "Sidebar"), ("footer", "Footer")):
            if landmark in c.landmarks:
                add((landmark,), landmark, label, page.path, "")
        for nav in c.nav:
            texts = [i.text for i in nav.items if i.text]
            if texts:
                name = f"Navigation ({nav.label})" if nav.label else "Navigation"
                add(("nav", nav.label or "", *texts), "nav", name, page.path,
                    f"{len(texts)} links: {_names(texts)}")
        for form in page.forms:
            names = [f.label or f.name or f.type for f in form.fields]
            if not names:
                continue
            required = [f.label or f.name or f.type for f in form.fields if f.required]
            name = form.name or ("Fields outside a form" if form.standalone else "Form")
            detail = f"{len(names)} fields: {_names(names)}" + (f"; required: {_names(required)}" if required else "")
            add(("form", form.name or "", *names), "form", name, page.path, detail)
        for table in c.tables:
            name = f"Table ({table.caption})" if table.caption else "Table"
            add(("table", table.caption or "", *table.columns), "table", name, page.path,
                f"columns: {_names(table.columns, 8)}" if table.columns else "no header row")
        for dialog in c.dialogs:
            add(("dialog", dialog.label or ""), "dialog", f"Dialog ({dialog.label})" if dialog.label else "Dialog",
                page.path, "open when the page loads" if dialog.open else "hidden until opened")
        for button in c.buttons:
            if sum(1 for k in found if k[0] == "button") >= MAX_BUTTONS and ("button", button.text) not in found:
                continue
            add(("button", button.text), "button", f'Button "{button.text}"', page.path, "")
    out = list(found.values())
    for entry in out:
        entry.detail = "; ".join(x for x in (entry.detail, _where(entry.pages, total)) if x)
    return out
