from __future__ import annotations

import json

import pytest

from minitask import __version__
from minitask.cli import EXIT_INVALID, EXIT_NOT_FOUND, EXIT_OK, EXIT_STORAGE, EXIT_USAGE, main


@pytest.fixture
def run(tmp_path, capsys):
    """Run the CLI against a task file in tmp_path; return (code, stdout, stderr)."""
    path = tmp_path / "tasks.json"

    def invoke(*args: str):
        code = main(["--file", str(path), "--today", "2025-06-11", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    invoke.path = path
    return invoke


def test_add_and_list(run):
    code, out, _ = run("add", "Write", "report", "-p", "high", "-t", "work", "-d", "fri")
    assert code == EXIT_OK
    assert out.strip() == "Added #1 Write report [high, due 2025-06-13]"
    run("add", "Buy milk", "-t", "home")
    code, out, _ = run("list", "tag:work")
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "ST", "PRI", "TITLE", "DUE", "TAGS"]
    assert "Write report" in lines[2] and "in 2 days" in lines[2]
    assert len(lines) == 3


def test_list_hides_closed_unless_asked(run):
    run("add", "Task one")
    run("add", "Task two")
    run("done", "1")
    assert "Task one" not in run("list")[1]
    assert "Task one" in run("list", "--all")[1]
    assert "Task one" in run("list", "status:done")[1]
    assert run("list", "nothing-matches")[1].strip() == "No tasks."


def test_list_markdown(run):
    run("add", "Ship it", "-p", "urgent", "-t", "release")
    code, out, _ = run("list", "--format", "markdown")
    assert code == EXIT_OK
    assert "- [ ] Ship it (urgent) `#release`" in out


def test_done_recurring_creates_next(run):
    run("add", "Pay rent", "-d", "2025-05-31", "-r", "monthly")
    code, out, _ = run("done", "1")
    assert code == EXIT_OK
    assert "next: #2 Pay rent [normal, due 2025-06-30, monthly]" in out


def test_done_reports_missing_ids(run):
    run("add", "Only task")
    code, out, err = run("done", "1", "9")
    assert code == EXIT_NOT_FOUND
    assert "Completed #1" in out
    assert "no task with id 9" in err


def test_edit(run):
    run("add", "Draft", "-t", "work")
    code, out, _ = run("edit", "1", "--title", "Final draft", "-t", "review", "--untag", "work", "-p", "low")
    assert code == EXIT_OK
    assert out.strip() == "Updated #1 Final draft [low]"
    data = json.loads(run.path.read_text())
    assert data["tasks"][0]["tags"] == ["review"]
    assert run("edit", "1")[0] == EXIT_USAGE
    code, _, err = run("edit", "1", "--untag", "missing")
    assert code == EXIT_INVALID and "has no tag 'missing'" in err
    code, _, err = run("edit", "1", "--every", "weekly")
    assert code == EXIT_INVALID and "a recurring task needs a due date" in err
    assert "cancelled" in run("edit", "1", "--cancel")[1]
    assert run("edit", "1", "--cancel")[0] == EXIT_INVALID


def test_remove(run):
    run("add", "Temporary")
    assert run("remove", "1")[0] == EXIT_OK
    assert run("remove", "1")[0] == EXIT_NOT_FOUND


def test_export_formats(run, tmp_path):
    run("add", "Report, final; v2", "-d", "2025-06-20", "-r", "weekly", "-t", "work")
    code, out, _ = run("export", "--format", "json")
    assert code == EXIT_OK and json.loads(out)["tasks"][0]["recurrence"] == "weekly"
    code, out, _ = run("export", "--format", "csv")
    assert out.splitlines()[0].startswith("id,title,status")
    target = tmp_path / "tasks.ics"
    assert run("export", "--format", "ical", "-o", str(target))[0] == EXIT_OK
    text = target.read_bytes().decode()
    assert "SUMMARY:Report\\, final\\; v2\r\n" in text
    assert "RRULE:FREQ=WEEKLY\r\n" in text


def test_invalid_input_exit_codes(run):
    code, _, err = run("add", "Bad", "-p", "extreme")
    assert code == EXIT_INVALID and "unknown priority 'extreme'" in err
    code, _, err = run("list", "priority>>high")
    assert code == EXIT_USAGE and "^" in err
    assert run("frobnicate")[0] == EXIT_USAGE


def test_corrupt_file_exit_code(run):
    run.path.write_text("{broken")
    code, _, err = run("list")
    assert code == EXIT_STORAGE and "not valid JSON" in err


def test_version(capsys):
    assert main(["--version"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == f"minitask {__version__}"
