"""Bad input, each built for real in the sandbox: no app, a monorepo, a hang, the wrong port, printed secrets,
the network while running, and install steps that would write outside the app folder. None ends in a
traceback; each ends in a report that says what happened."""

from __future__ import annotations

import json
from pathlib import Path

from builder_helpers import FAKE_TOKEN, build, bwrap_ready, ctx, no_real_planners, server_app, write_app, ws  # noqa: F401


def test_a_folder_with_no_recognizable_app_is_code_only_with_what_was_looked_for(ctx, tmp_path):
    src = write_app(tmp_path / "notes", {"notes.txt": "just text\n", "data/table.csv": "a,b\n"})
    report = build(ctx, src)
    assert report.status == "code-only" and report.failure_kind is None
    assert report.reason.startswith("no recognizable app")
    assert report.notes and report.notes[0].startswith("looked for:")
    assert report.build_dir is None  # nothing was copied


def test_a_library_is_not_built_for_nothing(ctx, tmp_path):
    src = write_app(tmp_path / "lib", {"pyproject.toml": "[project]\nname = 'lib'\nversion = '1.0'\n",
                                       "lib/__init__.py": "def add(a, b):\n    return a + b\n"})
    report = build(ctx, src)
    assert report.status == "code-only" and report.provider == "python" and report.failure_kind is None
    assert report.reason.startswith("no runnable web app")


def test_a_monorepo_builds_one_app_and_lists_the_others(bwrap_ready, ctx, tmp_path):
    src = tmp_path / "mono"
    server_app(src / "apps" / "web")
    write_app(src / "apps" / "docs", {"index.html": "<h1>docs</h1>"})
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    chosen = [a for a in report.apps if a.chosen]
    assert [a.path for a in chosen] == ["apps/web"] and report.app_root == "apps/web"
    others = {a.path: a.reason for a in report.apps if not a.chosen}
    assert "apps/docs" in others and others["apps/docs"]


def test_an_app_that_hangs_at_start_is_stopped_at_the_time_limit_and_its_log_kept(bwrap_ready, ctx, tmp_path):
    src = write_app(tmp_path / "hang", {"main.py": "import time\nprint('warming up', flush=True)\n"
                                                   "while True:\n    time.sleep(1)\n",
                                        "Procfile": "web: python3 main.py\n"})
    report = build(ctx, src, start_timeout_s=2.0)
    assert report.status == "built" and report.failure_kind is None
    assert report.start.timed_out and not report.start.ready
    assert "did not answer HTTP" in report.reason
    assert "warming up" in Path(report.start.log_path).read_text()


def test_an_app_on_the_wrong_port_is_reached_on_the_port_it_chose(bwrap_ready, ctx, tmp_path):
    src = server_app(tmp_path / "wrongport", port="18123")
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    port = [r for r in report.repairs if r.id == "port"]
    assert len(port) == 1 and port[0].details["used"] == 18123
    assert report.start.port == 18123 and report.start.http_status == 200


def test_printed_secrets_are_redacted_in_logs_events_and_the_report(bwrap_ready, ctx, tmp_path):
    src = server_app(tmp_path / "leaky", before=f"print('GITHUB_TOKEN={FAKE_TOKEN}', flush=True)\n"
                                                f"print('using {FAKE_TOKEN} now', flush=True)")
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    log = Path(report.start.log_path).read_text()
    assert "GITHUB_TOKEN=" in log and FAKE_TOKEN not in log
    assert any("GITHUB_TOKEN=" in line for line in ctx.lines())
    assert FAKE_TOKEN not in json.dumps(ctx.events) and FAKE_TOKEN not in report.model_dump_json()


def test_an_app_that_reaches_for_the_network_is_blocked_and_it_is_reported(bwrap_ready, ctx, tmp_path):
    src = server_app(tmp_path / "online", before="""
        import urllib.request
        try:
            urllib.request.urlopen("https://example.com/", timeout=3)
            print("NETWORK OPEN", flush=True)
        except OSError as exc:
            print("fetch failed:", exc, flush=True)
    """)
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    assert report.network.outbound == "blocked"
    assert report.network.attempts and all("fetch failed" in a for a in report.network.attempts)
    assert "NETWORK OPEN" not in Path(report.start.log_path).read_text()


def test_an_install_step_that_writes_outside_the_app_folder_is_refused(bwrap_ready, ctx, tmp_path):
    planned = server_app(tmp_path / "planned", extra={
        "nixpacks.toml": '[phases.install]\ncmds = ["echo x > /etc/evil"]\n'})
    report = build(ctx, planned)
    assert report.status == "code-only" and report.reason.startswith("refused")
    assert report.phases == [] and report.failure_kind == "unsupported"
    hidden = server_app(tmp_path / "hidden", extra={
        "nixpacks.toml": '[phases.install]\ncmds = ["python3 -c \\"open(\'/usr/lib/evil\', \'w\')\\""]\n'})
    report = build(ctx, hidden)
    assert report.status == "code-only" and report.reason.startswith("refused"), report.reason
    assert report.phases[-1].write_denied and not Path("/usr/lib/evil").exists()
    assert not [r for r in report.repairs if r.id == "dockerfile"]  # a refusal is not worked around
