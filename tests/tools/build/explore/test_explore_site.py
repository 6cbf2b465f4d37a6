"""The explorer on a real site in real Chromium: the pages it finds, their facts, components and issues,
the screenshots it takes, and that it stays on the site's own origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from explore_helpers import SECRET, other_site, png_size, shop  # noqa: F401  (fixtures)
from goose_studio.tools.build.explore import REPORT_FILE, ExplorationReport, explore, find_describer


@pytest.fixture(scope="module")
def explored(shop, tmp_path_factory) -> tuple[ExplorationReport, Path]:
    out = tmp_path_factory.mktemp("shop-screenshots")
    return explore(shop.url + "/", out, max_pages=20, time_budget_s=60), out


def issues_of(report: ExplorationReport, kind: str) -> list[tuple[str, str | None, int | None]]:
    return [(i.page, i.url, i.status) for i in report.issues if i.kind == kind]


def test_every_page_is_found_breadth_first_with_its_status_and_title(explored) -> None:
    report, _ = explored
    assert [p.path for p in report.pages] == ["/", "/about", "/login", "/users", "/wide", "/missing", "/error",
                                              "/team"]
    assert report.stopped_by == "done" and report.pages_found == 8 and report.not_visited == []
    status = {p.path: p.status for p in report.pages}
    assert status["/"] == 200 and status["/missing"] == 404 and status["/error"] == 500
    assert report.page("/login").title == "Sign in" and report.page("/error").title == "Server error"
    assert "Fresh coffee beans roasted every week." in report.page("/").text
    team = report.page("/team")
    assert (team.depth, team.linked_from, team.link_text) == (2, "/about", "the team")


def test_each_page_has_a_full_page_screenshot_and_the_report_is_written(explored) -> None:
    report, out = explored
    for page in report.pages:
        assert page.screenshot and png_size(out / page.screenshot)[0] == 1280
    assert len({p.screenshot for p in report.pages}) == len(report.pages)
    assert ExplorationReport.load(out / REPORT_FILE) == report
    wide = report.page("/wide")
    assert wide.phone_screenshot and png_size(out / wide.phone_screenshot) == (390, 844)


def test_form_fields_with_labels_types_and_required(explored) -> None:
    report, _ = explored
    (form,) = report.page("/login").forms
    assert (form.name, form.action, form.method, form.submit) == ("Sign in", "/session", "post", ["Sign in"])
    fields = [(f.name, f.type, f.label, f.required) for f in form.fields]
    assert fields == [("email", "email", "Email address", True), ("password", "password", "Password", True),
                      ("remember", "checkbox", "Remember me", False), ("country", "select", "Country", False)]
    assert form.fields[3].options == ["Germany", "France"]


def test_components_per_page_and_across_the_site(explored) -> None:
    report, _ = explored
    users = report.page("/users").components
    assert [(t.caption, t.columns, t.rows) for t in users.tables] == [("Staff", ["Name", "Email", "Role"], 2)]
    login = report.page("/login").components
    assert [(d.label, d.open) for d in login.dialogs] == [("Help", False)]
    home = report.page("/").components
    assert [n.label for n in home.nav] == ["Main"]
    assert [i.text for i in home.nav[0].items] == ["Home", "About", "Sign in", "Team", "Pricing"]
    assert [(h.level, h.text) for h in home.headings] == [(1, "Welcome to the shop")]
    assert [b.text for b in home.buttons] == ["Subscribe"]
    assert {"header", "nav", "main", "footer"} <= set(home.landmarks)
    partner = next(link for link in home.links if link.text == "Partner site")
    assert not partner.same_origin
    mapped = {(c.kind, c.name): c.pages for c in report.components}
    assert mapped[("nav", "Navigation (Main)")] == ["/", "/about", "/login", "/users", "/wide", "/team"]
    assert mapped[("form", "Sign in")] == ["/login"] and mapped[("table", "Table (Staff)")] == ["/users"]
    assert report.components_mapped == len(report.components)


def test_issues_found_on_each_page(explored) -> None:
    report, _ = explored
    assert [i.page for i in report.issues if i.kind == "console_error"] == ["/"]
    assert [i.page for i in report.issues if i.kind == "page_error"] == ["/users"]
    assert issues_of(report, "missing_alt") == [("/", "/logo.png", None)]
    assert issues_of(report, "broken_link") == [("/", "/missing", 404), ("/", "/error", 500)]
    assert sorted(issues_of(report, "http_error")) == [("/about", "/gone.png", 404), ("/error", "/error", 500),
                                                       ("/missing", "/missing", 404)]
    assert issues_of(report, "failed_request") == []
    (overflow,) = [i for i in report.issues if i.kind == "phone_overflow"]
    assert overflow.page == "/wide" and overflow.detail["viewport_width"] <= 390
    assert overflow.detail["content_width"] >= 900 and overflow.detail["element"] == "div.price-grid"
    assert report.issues_found == len(report.issues) == sum(len(p.issues) for p in report.pages)


def test_the_crawl_stays_on_its_origin_and_never_logs_out(explored, shop, other_site) -> None:
    report, _ = explored
    assert other_site.requests == []
    assert not any(path.startswith("/logout") for _, path in shop.requests)
    assert report.page("/").blocked_requests == [f"{other_site.url}/tracker.png"]
    assert report.page("/about").blocked_requests == ["https://cdn.invalid/analytics.js"]
    assert all(p.path.startswith("/") for p in report.pages)


def test_secrets_on_a_page_stay_out_of_the_report_and_the_screenshot(explored, shop) -> None:
    report, out = explored
    assert "[REDACTED]" in report.page("/team").text
    assert SECRET not in (out / REPORT_FILE).read_text()
    assert SECRET.encode() in shop.routes["/team"][2]  # the page itself shows it; its screenshot has it masked
    assert report.page("/team").masked == 1 and report.page("/about").masked == 0


def test_without_a_vision_model_the_report_says_dom_only_and_why(explored) -> None:
    report, _ = explored
    choice = find_describer()
    assert choice.describer is None and not report.vision.used
    assert report.analysis == f"DOM-only (no vision model: {choice.reason})"
    assert all(p.description is None for p in report.pages)
