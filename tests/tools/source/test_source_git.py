"""Running git: the token reaches git only through the environment and never leaks; failures get a kind."""

from __future__ import annotations

import base64
import json

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.source import CloneArgs, clone
from goose_studio.tools.source import git as git_mod
from source_helpers import FAKE_TOKEN, ctx, expect_failure, isolated_env, repo  # noqa: F401  (fixtures)


def test_token_never_leaks_from_a_failing_https_clone(ctx, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_TOKEN)
    with pytest.raises(ToolFailure) as info:
        clone(CloneArgs(source=f"https://user:{FAKE_TOKEN}@127.0.0.1:9/x/y.git"), ctx)
    dumped = json.dumps(info.value.to_dict())
    assert info.value.kind == FailureKind.transient
    assert FAKE_TOKEN not in dumped
    assert "127.0.0.1:9/x/y.git" in dumped


def test_token_goes_to_git_through_the_environment_only(ctx, monkeypatch):
    """For github.com the token reaches git as a config header in the environment, and is scrubbed from stderr."""
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_TOKEN)
    basic = base64.b64encode(f"x-access-token:{FAKE_TOKEN}".encode()).decode()
    seen = {}

    class FakeProc:
        returncode = 128
        pid = 0

        def __init__(self, argv, **kwargs):
            seen["argv"], seen["env"] = argv, kwargs["env"]
            self.args = argv

        def communicate(self, timeout=None):
            err = (f"remote: Invalid username or password ({FAKE_TOKEN}).\n"
                   f"fatal: Authentication failed for 'https://github.com/o/r.git/' header {basic}\n")
            return b"", err.encode()

    monkeypatch.setattr(git_mod.subprocess, "Popen", FakeProc)
    with pytest.raises(ToolFailure) as info:
        clone(CloneArgs(source="o/r"), ctx)
    failure = info.value
    assert failure.kind == FailureKind.auth_required
    assert "GITHUB_TOKEN" in failure.hint
    dumped = json.dumps(failure.to_dict())
    assert FAKE_TOKEN not in dumped and basic not in dumped
    assert "***" in dumped
    assert not any(FAKE_TOKEN in a or basic in a for a in seen["argv"])
    assert "https://github.com/o/r.git" in seen["argv"]
    env = seen["env"]
    assert "GITHUB_TOKEN" not in env
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    n = int(env["GIT_CONFIG_COUNT"])
    headers = {env[f"GIT_CONFIG_KEY_{i}"]: env[f"GIT_CONFIG_VALUE_{i}"] for i in range(n)}
    assert headers["http.https://github.com/.extraHeader"] == f"Authorization: Basic {basic}"


def test_token_not_sent_to_other_hosts(ctx, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_TOKEN)
    env = git_mod.git_env("https://gitlab.example.com/o/r.git", git_mod.Secrets())
    assert not any(FAKE_TOKEN in v or "Authorization" in v for v in env.values())


@pytest.mark.parametrize(
    ("stderr", "kind"),
    [
        ("fatal: unable to access 'https://x/': Could not resolve host: x", FailureKind.transient),
        ("fatal: unable to access 'https://x/': Failed to connect to x port 443: Network is unreachable",
         FailureKind.transient),
        ("fatal: unable to access 'https://x/': Operation timed out after 300000 milliseconds", FailureKind.transient),
        ("remote: Repository not found.\nfatal: repository 'https://github.com/a/b.git/' not found",
         FailureKind.not_found),
        ("fatal: unable to access 'https://x/a.git/': The requested URL returned error: 404", FailureKind.not_found),
        ("fatal: could not read Username for 'https://github.com': terminal prompts disabled",
         FailureKind.auth_required),
        ("fatal: Authentication failed for 'https://github.com/a/b.git/'", FailureKind.auth_required),
        ("fatal: unable to access 'https://x/a.git/': The requested URL returned error: 403", FailureKind.auth_required),
        ("git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.",
         FailureKind.auth_required),
        ("warning: Could not find remote branch dev to clone.\nfatal: Remote branch dev not found in upstream origin",
         FailureKind.invalid_input),
        ("error: unable to write file x: No space left on device\nfatal: unable to checkout working tree",
         FailureKind.disk_full),
    ],
)
def test_git_failure_classification(stderr, kind):
    failure = git_mod.classify_git_failure(stderr, 128, "https://x/a.git", "dev")
    assert failure.kind == kind
    assert failure.hint
    assert failure.details["exit_code"] == 128
    assert failure.details["stderr_tail"] == [ln for ln in stderr.splitlines() if ln.strip()]


def test_missing_git_is_missing_dependency(repo, ctx, monkeypatch):
    monkeypatch.setattr(git_mod.shutil, "which", lambda name: None)
    expect_failure(FailureKind.missing_dependency, clone, CloneArgs(source=repo.as_uri()), ctx)
