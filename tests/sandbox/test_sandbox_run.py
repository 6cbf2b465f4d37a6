"""Install and build commands in a real bubblewrap sandbox: exit codes, logs, the read-only system, what
the sandbox cannot see, timeouts, process and memory limits, redaction, and no network."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.sandbox.paths import sandbox_identity
from sandbox_helpers import FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY, app_dir, box, bwrap_ready, workspace, write_app  # noqa: F401


def processes_of(uid: int) -> list[int]:
    """Host pids whose real uid is ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("Uid:") and int(line.split()[1]) == uid:
                    found.append(int(entry))
    return found


def test_exit_code_and_log_come_back(box, app_dir, tmp_path):
    log = tmp_path / "logs" / "build.log"
    result = box.run("echo building; echo to-stderr >&2; exit 3", app_dir, log_path=log)
    assert result.backend == "bubblewrap"
    assert result.exit_code == 3 and not result.ok
    assert not result.timed_out and not result.killed
    assert "building" in result.log_tail and "to-stderr" in result.log_tail
    assert "building" in log.read_text()
    assert result.log_path == str(log)


def test_the_app_folder_is_writable_at_app(box, app_dir):
    result = box.run(["sh", "-c", "pwd; echo made > built.txt"], app_dir)
    assert result.exit_code == 0
    assert result.log_tail.splitlines()[-1] == "/app"
    assert (app_dir / "built.txt").read_text() == "made\n"


def test_writes_outside_the_app_folder_fail_and_are_reported(box, app_dir, workspace):
    beside = workspace / "repos" / "beside.txt"
    beside.write_text("untouched\n")
    result = box.run(f"echo x > /usr/evil.txt; echo x >> {beside}; touch /etc/evil; touch /evil", app_dir)
    assert result.exit_code != 0
    assert result.write_denied
    assert beside.read_text() == "untouched\n"
    assert not Path("/usr/evil.txt").exists()
    assert not Path("/etc/evil").exists()


def test_the_workspace_the_home_and_the_host_paths_are_not_there(box, app_dir, workspace, tmp_path):
    paths = {"workspace": str(workspace), "runs": str(workspace / "runs"), "home": str(Path.home()),
             "app_host_path": str(app_dir), "test_tmp": str(tmp_path), "shadow": "/etc/shadow"}
    cmd = write_app(app_dir, "look.py", f"""
        import json, os
        paths = {paths!r}
        print(json.dumps({{k: os.path.exists(v) for k, v in paths.items()}}))
        print(json.dumps({{"home": os.environ["HOME"], "secret_env": "GOOSE_STUDIO_HOME" in os.environ}}))
    """)
    result = box.run(cmd, app_dir)
    assert result.exit_code == 0, result.log_tail
    seen, env = (json.loads(line) for line in result.log_tail.splitlines()[-2:])
    assert seen == {k: False for k in paths}
    assert env == {"home": "/tmp/home", "secret_env": False}


def test_a_hanging_command_is_stopped_at_its_timeout_and_its_log_kept(box, app_dir, tmp_path):
    log = tmp_path / "hang.log"
    cmd = write_app(app_dir, "hang.py", """
        import time
        print("started and now hanging", flush=True)
        time.sleep(120)
    """)
    result = box.run(cmd, app_dir, timeout_s=1.5, log_path=log)
    assert result.timed_out and result.killed
    assert result.signal == 15  # SIGTERM reached it
    assert result.duration_s < 30
    assert "started and now hanging" in log.read_text()
    assert "started and now hanging" in result.log_tail


def test_a_command_that_ignores_sigterm_is_killed_after_the_grace(box, app_dir):
    uid, _ = sandbox_identity(app_dir.resolve())
    result = box.run("trap '' TERM; echo stubborn; while :; do sleep 1; done", app_dir, timeout_s=1, grace_s=0.5)
    assert result.timed_out and result.killed
    assert result.exit_code == 137 and result.signal == 9
    assert "stubborn" in result.log_tail
    if uid != os.getuid():  # the sandbox's own uid: nothing of it may be left running
        assert processes_of(uid) == []


def test_the_process_count_is_limited(box, app_dir):
    cmd = write_app(app_dir, "spawn.py", """
        import subprocess
        children = []
        error = None
        try:
            for _ in range(200):
                children.append(subprocess.Popen(["sleep", "30"]))
        except OSError as exc:
            error = type(exc).__name__
        print("started", len(children), error, flush=True)
        for child in children:
            child.kill()
    """)
    result = box.run(cmd, app_dir, pids=40, timeout_s=60)
    assert result.exit_code == 0, result.log_tail
    words = result.log_tail.splitlines()[-1].split()
    assert words[0] == "started"
    assert int(words[1]) < 40
    assert words[2] == "BlockingIOError"  # EAGAIN from fork


def test_memory_is_limited(box, app_dir):
    cmd = write_app(app_dir, "eat.py", """
        try:
            block = bytearray(600 * 1024 * 1024)
            print("allocated")
        except MemoryError:
            print("memory refused")
    """)
    result = box.run(cmd, app_dir, memory_mb=200)
    assert result.exit_code == 0
    assert result.log_tail.splitlines()[-1] == "memory refused"


def test_secrets_printed_by_the_command_are_redacted(box, app_dir, tmp_path):
    log = tmp_path / "secrets.log"
    passed = "pass-" + "Xy7" * 6
    cmd = write_app(app_dir, "leak.py", f"""
        import os
        print("token {FAKE_GITHUB_TOKEN}")
        print("OPENAI_API_KEY={FAKE_OPENAI_KEY}")
        print('db password = "hunter2hunter2"')
        print("clone https://bob:s3cr3tpassw0rd@example.com/repo.git")
        print("env", os.environ["DEPLOY_TOKEN"])
        print("-----BEGIN RSA PRIVATE KEY-----")
        print("MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw")
        print("-----END RSA PRIVATE KEY-----")
        print("done")
    """)
    result = box.run(cmd, app_dir, env={"DEPLOY_TOKEN": passed}, log_path=log)
    assert result.exit_code == 0
    text = log.read_text()
    for secret in (FAKE_GITHUB_TOKEN, FAKE_OPENAI_KEY, "hunter2hunter2", "s3cr3tpassw0rd", passed,
                   "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw"):
        assert secret not in text
        assert secret not in result.log_tail
    assert text.count("[REDACTED]") >= 6
    assert "done" in text


def test_no_network_for_a_build_step(box, app_dir):
    cmd = write_app(app_dir, "net.py", """
        import socket
        for target in (("1.1.1.1", 443), ("10.0.0.1", 80)):
            try:
                socket.create_connection(target, timeout=3).close()
                print("connected", target)
            except OSError as exc:
                print("refused", exc.errno)
        try:
            socket.getaddrinfo("pypi.org", 443)
            print("resolved")
        except OSError:
            print("no dns")
    """)
    result = box.run(cmd, app_dir, network="none")
    assert result.exit_code == 0
    assert result.probe.outbound == "blocked" and result.probe.error == "ENETUNREACH"
    lines = result.log_tail.splitlines()[-3:]
    assert lines[:2] == ["refused 101", "refused 101"]  # ENETUNREACH
    assert lines[2] == "no dns"


def test_a_missing_program_exits_127(box, app_dir):
    result = box.run(["no-such-program-here"], app_dir)
    assert result.exit_code == 127


@pytest.mark.parametrize("cmd", ["", [], [1, 2]])
def test_empty_or_malformed_commands_are_refused(box, app_dir, cmd):
    with pytest.raises(ToolFailure) as err:
        box.run(cmd, app_dir)
    assert err.value.kind == FailureKind.invalid_input


def test_an_unknown_network_policy_is_refused(box, app_dir):
    with pytest.raises(ToolFailure) as err:
        box.run("true", app_dir, network="host")
    assert err.value.kind == FailureKind.invalid_input


def test_symlinks_leading_out_of_the_app_folder_are_reported(box, app_dir):
    result = box.run("ln -s /etc/passwd stolen; ln -s README.md inside", app_dir)
    assert result.exit_code == 0
    assert result.escaping_links == ["stolen -> /etc/passwd"]


def test_a_file_hard_linked_from_outside_cannot_be_changed_through_the_app_folder(box, app_dir, workspace):
    outside = workspace / "runs" / "precious.txt"
    outside.write_text("original\n")
    os.link(outside, app_dir / "linked.txt")
    result = box.run("cat linked.txt; echo changed >> linked.txt", app_dir)
    assert result.exit_code == 0
    assert "original" in result.log_tail
    assert outside.read_text() == "original\n"
    assert (app_dir / "linked.txt").read_text() == "original\nchanged\n"


def test_a_sandbox_that_cannot_be_set_up_is_a_typed_failure(workspace, app_dir, tmp_path):
    from goose_studio.sandbox.bwrap import BubblewrapBackend

    broken = tmp_path / "bwrap"
    broken.write_text("#!/bin/sh\necho 'bwrap: Creating new namespace failed: Operation not permitted' >&2\nexit 1\n")
    broken.chmod(0o755)
    backend = BubblewrapBackend([workspace / "repos"], None, bwrap=str(broken))
    with pytest.raises(ToolFailure) as err:
        backend.run("true", app_dir)
    assert err.value.kind == FailureKind.unsupported
    assert "Creating new namespace failed" in err.value.details["log_tail"]


@pytest.mark.parametrize("limits", [{"pids": 0}, {"memory_mb": -1}, {"cpu_s": 1.5}])
def test_bad_limits_are_refused(box, app_dir, limits):
    with pytest.raises(ToolFailure) as err:
        box.run("true", app_dir, **limits)
    assert err.value.kind == FailureKind.invalid_input
