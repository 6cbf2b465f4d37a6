"""UI/UX pairs from a stored exploration report: what pages show, form fields and which are required, routes
between pages, issues per page and for the whole app; grounded in the report, deterministic, grouped by
page path for the held-out split, free of secrets and of the host the app ran on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.build.explore import REPORT_FILE, ExplorationReport
from goose_studio.tools.pairs.exploration import load_exploration, report_pairs
from pairs_helpers import acme, ctx, read_jsonl, run  # noqa: F401  (fixtures)

BASE = "http://127.0.0.1:40123/"
SECRET = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
NAV = {"label": "Main", "items": [
    {"text": "Home", "href": "/", "same_origin": True, "in_nav": True},
    {"text": "About", "href": "/about", "same_origin": True, "in_nav": True},
    {"text": "Sign in", "href": "/login", "same_origin": True, "in_nav": True},
    {"text": "Pricing", "href": "/wide", "same_origin": True, "in_nav": True}]}


def link(text: str, href: str, same: bool = True) -> dict:
    return {"text": text, "href": href, "same_origin": same, "in_nav": False}


def page(path: str, title: str, text: str, *, status: int = 200, depth: int = 1, links=(), nav: bool = True,
         **extra) -> dict:
    components = {"landmarks": ["header", "main"], "nav": [NAV] if nav else [],
                  "headings": [{"level": 1, "text": title}],
                  "links": (NAV["items"] if nav else []) + list(links)}
    components.update(extra.pop("components", {}))
    return {"path": path, "status": status, "title": title, "text": text,
            "screenshot": f"page-{path.strip('/') or 'home'}.png", "depth": depth, "linked_from": None if path == "/" else "/", "components": components, **extra}


def issue(kind: str, where: str, message: str, **extra) -> dict:
    return {"kind": kind, "page": where, "severity": "error", "message": message, **extra}


HOME_ISSUES = [issue("missing_alt", "/", "The image /logo.png has no alt text, so screen readers cannot say what "
                     "it shows.", url="/logo.png"),
               issue("broken_link", "/", 'The link "Status" goes to /error, which answers HTTP 500.', url="/error",
                     status=500)]
WIDE_ISSUES = [issue("phone_overflow", "/wide", "On a phone-sized screen the page is 908 px wide for 390 px of "
                     "screen, so it scrolls sideways (first element past the edge: <div.price-grid>).",
                     detail={"viewport_width": 390, "content_width": 908})]
ERROR_ISSUES = [issue("http_error", "/error", "The page itself answers HTTP 500.", url="/error", status=500)]
PAGES = [
    page("/", "Shop home", "Home About Sign in Pricing Welcome to the shop. Fresh coffee beans every week.", depth=0,
         links=[link("Status", "/error"), link("Partner", "http://partner.example/", same=False)], issues=HOME_ISSUES,
         components={"buttons": [{"text": "Subscribe"}]}),
    page("/about", "About us", "About us. We are a small roastery.", links=[link("the team", "/team")],
         description="A short text page under the shop's header."),
    page("/login", "Sign in", "Sign in", forms=[{
        "name": "Sign in", "action": "/session", "method": "post", "submit": ["Sign in"], "fields": [
            {"tag": "input", "type": "email", "name": "email", "label": "Email address", "required": True},
            {"tag": "input", "type": "password", "name": "password", "label": "Password", "required": True},
            {"tag": "input", "type": "checkbox", "name": "remember", "label": "Remember me"},
            {"tag": "select", "type": "select", "name": "country", "label": "Country",
             "options": ["Germany", "France"]}]}]),
    page("/wide", "Pricing", "Pricing Small Medium Large", issues=WIDE_ISSUES,
         components={"tables": [{"caption": "Plans", "columns": ["Plan", "Price"], "rows": 3}]}),
    page("/error", "Server error", "Something broke", status=500, nav=False, issues=ERROR_ISSUES),
    page("/team", "The team", f"Ada roasts, Bob ships. Support token {SECRET}", depth=2),
]
for p in PAGES[1:]:
    if p["path"] == "/team":
        p["linked_from"], p["link_text"] = "/about", "the team"
ALL_PAGES = ["/", "/about", "/login", "/wide", "/team"]
COMPONENTS = [{"kind": "nav", "name": "Navigation (Main)", "pages": ALL_PAGES, "detail": "4 links; on every page"},
              {"kind": "form", "name": "Sign in", "pages": ["/login"], "detail": "4 fields; on /login"}]
ISSUES = HOME_ISSUES + WIDE_ISSUES + ERROR_ISSUES


def stored_report() -> dict:
    return {"base_url": BASE, "analysis": "DOM-only (no vision model: no GPU)", "max_pages": 25,
            "time_budget_s": 120, "viewport": {"width": 1280, "height": 800},
            "phone_viewport": {"width": 390, "height": 844}, "stopped_by": "done", "elapsed_s": 4.1,
            "pages_per_s": 1.5, "pages_found": len(PAGES), "pages": PAGES, "not_visited": [],
            "components_mapped": len(COMPONENTS), "components": COMPONENTS, "issues_found": len(ISSUES),
            "issues": ISSUES}


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "screenshots" / "shop" / REPORT_FILE
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(stored_report()))
    return path


def joined(parts: list[str]) -> str:
    return "".join(parts)


def pairs_of(kind_word: str, pairs) -> list:
    return [p for p in pairs if kind_word in p.instruction]


@pytest.fixture
def made():
    return list(report_pairs(ExplorationReport.model_validate(stored_report()), "shop", joined))


def test_what_a_page_shows_comes_from_its_facts(made) -> None:
    (about,) = [p for p in made if p.group == "/about" and p.output.startswith("`/about` is")]
    assert 'page titled "About us"' in about.output and "We are a small roastery." in about.output
    assert "A short text page under the shop's header." in about.output
    assert "navigation bar" in about.output and not about.output.count("Home About")
    assert about.category == "uiux" and about.source == f"{REPORT_FILE}#/about"


def test_form_pairs_list_fields_and_which_are_required(made) -> None:
    (form,) = [p for p in made if p.group == "/login" and "Required:" in p.output]
    assert "`/login`" in form.output and "POST to `/session`" in form.output
    assert "- Email address: an email field named `email`, required" in form.output
    assert "- Remember me: a checkbox named `remember`, optional" in form.output
    assert "with the options Germany, France" in form.output
    assert "Required: Email address, Password." in form.output and '"Sign in" button' in form.output


def test_routes_follow_the_links_and_group_with_their_destination(made) -> None:
    (team,) = [p for p in made if "`/team`" in p.instruction and p.group == "/team" and "`/`" in p.instruction]
    assert team.output == 'From `/`, follow the link "About" to `/about`, then "the team" to `/team`.'
    (login,) = [p for p in made if "`/login`" in p.instruction and "`/`" in p.instruction and p.group == "/login"
                and "link" in p.output]
    assert '"Sign in" to `/login`' in login.output and "navigation bar on every page" in login.output
    assert not [p for p in made if p.group == "/error" and "follow the link" in p.output]


def test_issues_per_page_say_what_is_wrong_and_what_fixes_it(made) -> None:
    issues = {p.group: p for p in made if p.output.startswith("Exploring")}
    assert sorted(issues) == ["/", "/error", "/wide"]
    assert "2 issues" in issues["/"].output and "/logo.png has no alt text" in issues["/"].output
    assert "alt text that says what it shows" in issues["/"].output
    assert "908 px wide" in issues["/wide"].output and "flex-wrap" in issues["/wide"].output
    assert not [p for p in made if p.group == "/error" and "Something broke" in p.output]


def test_app_wide_pairs_have_no_group_and_nothing_names_the_host(made) -> None:
    site = [p for p in made if not p.group]
    assert len(site) == 3 and all(p.source == f"{REPORT_FILE}#/" for p in site)
    listing = next(p for p in site if "`/team`: The team (HTTP 200)" in p.output)
    assert "`/error`: Server error (HTTP 500)" in listing.output
    assert any("broken links: on `/`" in p.output for p in site)
    assert all("127.0.0.1" not in p.output + p.instruction and "40123" not in p.output for p in made)
    assert {p.group for p in made} <= {"", *ALL_PAGES, "/error"}


def test_pairs_are_deterministic(made) -> None:
    again = list(report_pairs(ExplorationReport.model_validate(stored_report()), "shop", joined))
    assert [(p.instruction, p.output, p.group) for p in again] == [(p.instruction, p.output, p.group) for p in made]


def test_generate_pairs_takes_the_report_and_holds_out_whole_pages(acme: Path, report_file: Path, tmp_path: Path,
                                                                    ctx) -> None:
    result = run(acme, tmp_path / "out", ctx, exploration_report=str(report_file.parent), held_out_ratio=0.3,
                 seed=3)
    train, held = read_jsonl(Path(result.train_file)), read_jsonl(Path(result.eval_file))
    pages = [r for r in train + held if r["source"].startswith(REPORT_FILE)]
    assert {r["category"] for r in pages} == {"uiux"} and len(pages) >= 15
    sides = {}
    for side, records in (("train", train), ("eval", held)):
        for r in records:
            if r["group"]:
                sides.setdefault(r["group"], set()).add(side)
    assert all(len(s) == 1 for s in sides.values())  # a page (like a file) is on one side only
    assert {r["group"] for r in pages} <= {"", "/error", *ALL_PAGES}
    assert any(r in held for r in pages)  # some pages are held out for evaluation
    assert all(r in train for r in pages if not r["group"])  # pairs about the whole app stay in train
    text = (tmp_path / "out" / "train.jsonl").read_text() + (tmp_path / "out" / "eval.jsonl").read_text()
    assert SECRET not in text and "The team" in text
    again = run(acme, tmp_path / "again", ctx, exploration_report=str(report_file), held_out_ratio=0.3, seed=3)
    assert Path(again.train_file).read_bytes() == Path(result.train_file).read_bytes()
    plain = run(acme, tmp_path / "plain", ctx)
    plain_text = Path(plain.train_file).read_text() + Path(plain.eval_file).read_text()
    assert REPORT_FILE not in plain_text


def test_a_missing_or_broken_report_is_a_typed_failure(acme: Path, tmp_path: Path, ctx) -> None:
    with pytest.raises(ToolFailure) as err:
        load_exploration(str(tmp_path / "nowhere"))
    assert err.value.kind is FailureKind.not_found
    bad = tmp_path / "bad.json"
    bad.write_text('{"pages": 3}')
    with pytest.raises(ToolFailure) as err:
        run(acme, tmp_path / "out", ctx, exploration_report=str(bad))
    assert err.value.kind is FailureKind.corrupted and err.value.details["exploration_report"] == str(bad)
