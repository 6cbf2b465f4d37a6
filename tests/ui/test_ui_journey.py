"""The studio's journey in a real browser: `goose-studio ui` serving a fresh workspace, Debian's Chromium
(headless, by its executable path) pasting a small repository, answering the Guide's card with a click, the
run going through all six tabs on the embedded model (smoke preset, a couple of steps), the loss curve drawn,
a chat with the trained core, and the core published. Every click is counted; screenshots of each tab and
the figures (first load, event-to-screen times, clicks) are left in the test artifacts folder."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

from conftest import free_port, stop_process_group, studio_cli, studio_env, write_sample_repo
from goose_studio.runstore import RunStore
from goose_studio.tools.build.explore.browser import chromium_context
from goose_studio.workspace import Workspace
from ui_helpers import artifacts_dir, chromium_path

TABS = ["source", "build", "prepare", "train", "test", "publish"]
#: Small settings for a CPU run (typed into Settings → Every option of learn).
SMALL = {"max_pairs": "60", "min_pairs": "10", "eval_samples": "0", "eval_ppl_samples": "4",
         "eval_probe_questions": "0", "eval_general_questions": "0"}
RUN_TIMEOUT_MS = 900_000


class Clicks:
    """Clicks counted by what they are for: the journey itself, the test's small settings, looking around."""

    def __init__(self) -> None:
        self.counts = {"journey": 0, "settings": 0, "review": 0}

    def __call__(self, locator, what: str = "journey") -> None:
        locator.click()
        self.counts[what] += 1


def start_ui(home, port):
    env = studio_env(home, GOOSE_STUDIO_FAULTS="source:private_repo", GOOSE_STUDIO_BRAIN="rules",
                     GOOSE_STUDIO_RETRY_BACKOFF_S="0.01")
    proc = subprocess.Popen([*studio_cli(), "ui", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"goose-studio ui exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)  # waiting for the server to listen
    stop_process_group(proc)
    pytest.fail("goose-studio ui did not answer within 60 s")


def stop_workers(home) -> None:
    """Stop a run's worker that is still going (the test failed midway)."""
    ws = Workspace(home)
    for run in RunStore(ws).list():
        if run.worker_pid:
            try:
                os.killpg(run.worker_pid, signal.SIGKILL)
            except OSError:
                pass


def state(page, tab):
    return page.evaluate(f"Studio.run.tabs.{tab}.state")


@pytest.mark.e2e
def test_the_whole_journey_in_the_browser_in_at_most_eight_clicks(tmp_path):
    home = tmp_path / "home"
    repo = write_sample_repo(tmp_path / "inventory")
    out = artifacts_dir()
    port = free_port()
    server = start_ui(home, port)
    clicks = Clicks()
    figures: dict = {}
    try:
        with chromium_context(chromium_path(), (1280, 1000)) as context:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("() => document.body.dataset.ready === '1'")
            figures["first_load_ms"] = page.evaluate("Studio.metrics.readyMs")
            figures["dom_content_loaded_ms"] = round(page.evaluate(
                "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
            locked = [t for t in TABS if page.locator(f'.step[data-tab="{t}"]').is_disabled()]
            assert locked == TABS[1:]  # each tab unlocks when the step before it is done

            # ① SOURCE: GitHub, paste the repository, Learn it.
            clicks(page.locator('#source-kinds [data-kind="github"]'))
            page.fill("#src-github", str(repo))
            clicks(page.locator("#settings > summary"), "settings")
            page.select_option("#set-preset", "smoke")
            page.fill("#set-max-steps", "2")
            clicks(page.locator(".more-settings > summary"), "settings")
            for name, value in SMALL.items():
                page.fill(f'#learn-more [name="{name}"]', value)
            page.uncheck('#learn-more [name="check_load"]')  # gates V4 and V5 are skipped: no second model load
            page.screenshot(path=str(out / "journey-0-source.png"), full_page=True)
            clicks(page.locator("#start"))

            # The Guide asks (the repository "needs credentials" once): one click answers it.
            card = page.locator('[data-card="guide"]')
            card.wait_for(timeout=120_000)
            assert card.get_attribute("data-tab") == "source"
            page.screenshot(path=str(out / "journey-1-guide-card.png"), full_page=True)
            clicks(card.locator('button[data-choice="retry"]'))
            card.wait_for(state="detached", timeout=120_000)

            # ④ TRAIN, live: the loss curve is drawn as the trainer logs it.
            page.wait_for_function("() => Number(document.querySelector('#loss-curve').dataset.points || 0) >= 1",
                                   timeout=RUN_TIMEOUT_MS)
            assert page.locator("#panel-train").is_visible()  # the view followed the run
            page.screenshot(path=str(out / "journey-2-train-live.png"), full_page=True)

            page.wait_for_function("() => Studio.run.status === 'complete'", timeout=RUN_TIMEOUT_MS)
            assert page.evaluate("() => Studio.run.options.check_load") is False  # the settings reached the run
            assert [state(page, t) for t in TABS[2:]] == ["complete"] * 4
            assert state(page, "source") == "complete" and state(page, "build") in ("complete", "skipped")
            assert page.locator("#panel-publish").is_visible()

            # ⑤ TEST: ask the core; its answer streams in with the passages it looked up.
            clicks(page.locator('.step[data-tab="test"]'))
            page.fill("#chat-input", "What does Stock.reserve do?")
            clicks(page.locator("#chat-send"))
            page.wait_for_selector('.msg[data-who="core"][data-done="1"]', timeout=300_000)
            answer = page.locator('.msg[data-who="core"] .text').last.text_content()
            passages = int(page.locator("#chat-passages").get_attribute("data-count"))
            assert answer.strip() and passages >= 1
            assert page.locator('[data-slot="test"] .scores li').count() >= 3
            page.screenshot(path=str(out / "journey-3-test.png"), full_page=True)

            # ⑥ PUBLISH: the five gates as the run passed them, then publish.
            clicks(page.locator('#panel-test [data-next="publish"]'))
            gates = page.locator("#gates li[data-gate]")
            assert gates.count() == 5 and page.locator('#gates li[data-status="failed"]').count() == 0
            assert page.locator('#gates li[data-status="passed"]').count() >= 3
            assert page.input_value("#pub-name").endswith("Expert")
            assert page.locator('[data-slot="publish"] [data-packaged]').text_content().count(".gcpkg") == 1
            clicks(page.locator("#pub-publish"))
            published = page.locator('[data-slot="publish"] [data-published]')
            published.wait_for(timeout=300_000)
            assert published.get_attribute("data-published") == "ok"
            assert page.locator('[data-destination="local"][data-ok="true"]').count() == 1
            page.screenshot(path=str(out / "journey-4-publish.png"), full_page=True)

            # Looking back: BUILD's log, PREPARE's dashboard, TRAIN's finished curve.
            clicks(page.locator('.step[data-tab="prepare"]'), "review")
            assert page.locator("#panel-prepare .bars [role=listitem]").count() >= 1
            page.screenshot(path=str(out / "journey-5-prepare.png"), full_page=True)
            clicks(page.locator('.step[data-tab="build"]'), "review")
            assert page.locator("#build-log").text_content().strip()
            page.screenshot(path=str(out / "journey-6-build.png"), full_page=True)
            clicks(page.locator('.step[data-tab="train"]'), "review")
            assert int(page.locator("#loss-curve").get_attribute("data-points")) >= 2
            page.screenshot(path=str(out / "journey-7-train-done.png"), full_page=True)

            latencies = sorted(page.evaluate("Studio.metrics.latencies"))
            figures.update(events_live=len(latencies),
                           event_to_screen_ms_median=latencies[len(latencies) // 2] if latencies else None,
                           event_to_screen_ms_p95=latencies[int(len(latencies) * 0.95)] if latencies else None,
                           event_to_screen_ms_max=latencies[-1] if latencies else None)
    finally:
        stop_process_group(server)
        stop_workers(home)
    figures["clicks"] = clicks.counts
    (out / "journey.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))
    assert clicks.counts["journey"] <= 8
    assert figures["events_live"] > 0


def test_files_chosen_in_the_browser_are_uploaded_one_request_each_and_the_refused_say_why(tmp_path):
    home = tmp_path / "home"
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"instruction": "What is a reservation?", "output": "Items held for an order."}\n')
    secret = tmp_path / ".env"
    secret.write_text("API_TOKEN=abc\n")
    port = free_port()
    server = start_ui(home, port)
    try:
        with chromium_context(chromium_path(), (1280, 900)) as context:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("() => document.body.dataset.ready === '1'")
            page.click('#source-kinds [data-kind="files"]')
            page.set_input_files("#src-files", [str(pairs), str(secret)])
            page.wait_for_selector("#upload-list li.bad", timeout=30_000)
            kept = page.locator("#upload-list li:not(.bad) b").all_text_contents()
            refused = page.locator("#upload-list li.bad b").all_text_contents()
            sources = page.evaluate("() => Studio.chosenSources()")
            page.screenshot(path=str(artifacts_dir() / "upload.png"), full_page=True)
    finally:
        stop_process_group(server)
    assert kept == ["pairs.jsonl"] and refused == [".env"]
    assert len(sources) == 1 and sources[0].startswith(str(home / "uploads"))
    assert open(sources[0], encoding="utf-8").read().startswith('{"instruction"')
