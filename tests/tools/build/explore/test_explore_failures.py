"""What the explorer says when it cannot explore: no Playwright, no Chromium, nothing answering, a URL that
is not this machine's or not http."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import free_port
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.build.explore import PLAYWRIGHT_PIN, explore, find_chromium
from goose_studio.tools.build.explore.browser import CHROMIUM_ENV, CHROMIUM_INSTALL, PLAYWRIGHT_INSTALL
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace


def test_without_playwright_the_failure_names_the_install_line(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    with pytest.raises(ToolFailure) as err:
        explore("http://127.0.0.1:9/", tmp_path)
    assert err.value.kind is FailureKind.missing_dependency
    assert err.value.details["package"] == "playwright" and err.value.details["install"] == PLAYWRIGHT_INSTALL
    assert PLAYWRIGHT_PIN in err.value.hint


def test_without_chromium_the_failure_names_the_install_line(monkeypatch, tmp_path: Path) -> None:
    with pytest.raises(ToolFailure) as err:
        explore("http://127.0.0.1:9/", tmp_path, chromium=str(tmp_path / "no-chromium"))
    assert err.value.kind is FailureKind.missing_dependency
    assert err.value.details["binary"] == "chromium" and err.value.details["install"] == CHROMIUM_INSTALL
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "nor-here"))
    with pytest.raises(ToolFailure) as err:
        find_chromium()
    assert err.value.details["looked_for"] == [str(tmp_path / "nor-here")]
    monkeypatch.delenv(CHROMIUM_ENV)
    assert Path(find_chromium()).is_file()


def test_nothing_answering_is_not_found(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(ToolFailure) as err:
        explore(url, tmp_path / "shots", vision=None, time_budget_s=20)
    assert err.value.kind is FailureKind.not_found and err.value.details["base_url"] == url


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "not a url", "http://example.com/", "http://10.1.2.3:8080/"])
def test_only_http_urls_on_this_machine_are_explored(url: str, tmp_path: Path) -> None:
    ctx = ToolContext(workspace=Workspace(tmp_path))
    with pytest.raises(ToolFailure) as err:
        call_tool("explore_ui", {"base_url": url}, ctx)
    assert err.value.kind is FailureKind.invalid_input
    assert not (tmp_path / "screenshots").exists()
