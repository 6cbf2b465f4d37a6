"""The schema of ``exploration-report.json``: what the UI explorer found, page by page and across the site.

The report has the three parts of an exploration: the pages found (each with its screenshot, HTTP status,
title, visible text, forms, components and issues), the components mapped across pages (a navigation bar
present on every page, a form, a table, ...) and every issue found, with the page it was found on. Paths
are the URL's path and query (``/users?page=2``); screenshots are file names in the report's folder.
Every text in it has been through secret redaction before it was written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

REPORT_FILE = "exploration-report.json"
SCHEMA_VERSION = 1

IssueKind = Literal[
    "console_error",  # the page logged an error to the console
    "page_error",  # an uncaught JavaScript exception
    "failed_request",  # a request of the page got no answer (refused, reset, aborted)
    "http_error",  # the page itself, or a resource it loaded, answered 4xx/5xx
    "broken_link",  # a same-origin link whose target answers >= 400 (or does not answer)
    "missing_alt",  # an image without alt text (and not marked decorative)
    "phone_overflow",  # the page is wider than a phone-sized viewport (horizontal scrolling)
]
ComponentKind = Literal["nav", "header", "footer", "sidebar", "form", "table", "dialog", "button"]


class Viewport(BaseModel):
    width: int = Field(ge=200, le=7680)
    height: int = Field(ge=200, le=7680)


class Issue(BaseModel):
    kind: IssueKind
    page: str = Field(description="The path of the page it was found on.")
    severity: Literal["error", "warning"]
    message: str = Field(description="What is wrong, in plain words.")
    url: str | None = Field(default=None, description="The resource or link concerned (a path when same-origin).")
    status: int | None = Field(default=None, description="The HTTP status concerned, when there is one.")
    detail: dict[str, Any] = Field(default_factory=dict)


class FormField(BaseModel):
    tag: Literal["input", "select", "textarea"]
    type: str = Field(description="The input type (text, email, password, checkbox, radio, ...), or the tag.")
    name: str | None = None
    label: str | None = Field(default=None, description="From <label>, aria-label, aria-labelledby or title.")
    placeholder: str | None = None
    required: bool = False
    options: list[str] = Field(default_factory=list, description="A select's options, a radio group's choices.")


class Form(BaseModel):
    name: str | None = Field(default=None, description="aria-label, a heading or legend inside, its id or name.")
    action: str | None = Field(default=None, description="Where it is sent (a path when same-origin).")
    method: str = "get"
    fields: list[FormField] = Field(default_factory=list)
    submit: list[str] = Field(default_factory=list, description="The labels of its submit buttons.")
    standalone: bool = Field(default=False, description="Fields of the page that are in no <form>.")


class Link(BaseModel):
    text: str
    href: str = Field(description="A path when same-origin, else the absolute URL.")
    same_origin: bool
    in_nav: bool = False


class NavMenu(BaseModel):
    label: str | None = None
    items: list[Link] = Field(default_factory=list)


class Button(BaseModel):
    text: str
    type: str | None = None
    disabled: bool = False


class Table(BaseModel):
    caption: str | None = None
    columns: list[str] = Field(default_factory=list)
    rows: int = Field(default=0, description="Body rows, the header row not counted.")


class Dialog(BaseModel):
    label: str | None = None
    role: str = "dialog"
    open: bool = False


class Heading(BaseModel):
    level: int = Field(ge=1, le=6)
    text: str


class Image(BaseModel):
    src: str
    alt: str | None = Field(default=None, description="None when the alt attribute is missing.")
    decorative: bool = False
    width: int = 0
    height: int = 0


class PageComponents(BaseModel):
    landmarks: list[str] = Field(default_factory=list, description="header, nav, main, sidebar, footer present.")
    nav: list[NavMenu] = Field(default_factory=list)
    headings: list[Heading] = Field(default_factory=list)
    buttons: list[Button] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    dialogs: list[Dialog] = Field(default_factory=list)
    images: list[Image] = Field(default_factory=list)


class PageReport(BaseModel):
    path: str
    status: int | None = Field(description="The HTTP status of the page; None when it did not answer.")
    title: str = ""
    text: str = Field(default="", description="The start of the page's visible text, whitespace collapsed.")
    screenshot: str | None = Field(default=None, description="Full-page PNG, a file name in the report's folder.")
    phone_screenshot: str | None = Field(default=None, description="Phone-sized PNG, taken when it overflows.")
    masked: int = Field(default=0, description="Secret-looking words hidden on the page before its screenshot.")
    depth: int = Field(default=0, description="Clicks from the start page.")
    linked_from: str | None = Field(default=None, description="The page whose link led here first.")
    link_text: str | None = Field(default=None, description="The text of that link.")
    redirected_from: str | None = None
    error: str | None = Field(default=None, description="Why the page could not be loaded, when it could not.")
    load_ms: int = 0
    blocked_requests: list[str] = Field(default_factory=list, description="Requests to other origins, not let "
                                        "through (the explorer stays on the app's own origin).")
    description: str | None = Field(default=None, description="The vision model's description of the screenshot.")
    forms: list[Form] = Field(default_factory=list)
    components: PageComponents = Field(default_factory=PageComponents)
    issues: list[Issue] = Field(default_factory=list)


class ComponentSummary(BaseModel):
    kind: ComponentKind
    name: str
    pages: list[str] = Field(description="The pages it appears on, in crawl order.")
    detail: str = ""


class VisionInfo(BaseModel):
    used: bool = False
    model: str | None = None
    reason: str | None = Field(default=None, description="Why no vision model was used.")
    described: int = Field(default=0, description="Screenshots described.")


class ExplorationReport(BaseModel):
    schema_version: int = SCHEMA_VERSION
    base_url: str
    analysis: str = Field(description="'DOM-only (no vision model: <reason>)' or 'DOM + vision (<model>)'.")
    vision: VisionInfo = Field(default_factory=VisionInfo)
    max_pages: int
    time_budget_s: float
    viewport: Viewport
    phone_viewport: Viewport
    stopped_by: Literal["done", "max_pages", "time_budget"]
    elapsed_s: float
    pages_per_s: float
    pages_found: int
    pages: list[PageReport]
    not_visited: list[str] = Field(default_factory=list, description="Same-origin pages found but not visited.")
    links_checked: int = 0
    components_mapped: int
    components: list[ComponentSummary] = Field(default_factory=list)
    issues_found: int
    issues: list[Issue] = Field(default_factory=list)

    def page(self, path: str) -> PageReport | None:
        """The page report of ``path``, if it was visited."""
        return next((p for p in self.pages if p.path == path), None)

    @classmethod
    def load(cls, path: Path) -> "ExplorationReport":
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))
