"""The clone tool: its registration, git URL clones into repos/ (placing, replacing, failing), and names."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import read_events
from goose_studio.tools.registry import REGISTRY, validate_args
from goose_studio.tools.source import CloneArgs, clone
from goose_studio.tools.source import tool as tool_mod
from source_helpers import ctx, expect_failure, git, isolated_env, repo  # noqa: F401  (fixtures)


def test_clone_is_registered_with_schemas():
    spec = REGISTRY["clone"]
    assert spec.tab == "source"
    assert {"source", "branch", "depth", "name"} <= set(spec.input_schema()["properties"])
    assert {"repo_path", "name", "source", "source_type", "commit", "branch", "files", "bytes", "duration_s"} <= set(
        spec.output_schema()["properties"]
    )
    with pytest.raises(ToolFailure) as info:
        validate_args(spec, {"source": "x", "depth": -1})
    assert info.value.kind == FailureKind.invalid_input


# ---------------------------------------------------------------------------------------------- git URLs


def test_clone_file_url(repo, ctx, tmp_path):
    head = git(repo, "rev-parse", "HEAD")
    result = clone(CloneArgs(source=repo.as_uri()), ctx)
    path = Path(result.repo_path)
    assert path == ctx.workspace.repos / "demo-lib"
    assert result.name == "demo-lib"
    assert result.source_type == "git"
    assert result.source == repo.as_uri()
    assert result.commit == head and len(result.commit) == 40
    assert result.branch == "main"
    assert result.files == 3
    assert result.bytes == sum(len(t) for t in ("# demo\n", "", "def add(a, b):\n    return a + b\n"))
    assert (path / "pkg" / "core.py").read_text().startswith("def add")
    assert git(path, "rev-parse", "HEAD") == head
    # shallow by default
    assert git(path, "rev-parse", "--is-shallow-repository") == "true"
    # no temp folders left behind
    assert sorted(p.name for p in ctx.workspace.repos.iterdir()) == ["demo-lib"]
    # progress was reported at start and end
    events = [e for e in read_events(tmp_path / "events.jsonl") if e.type == "step.source.progress"]
    stages = [(e.payload.get("stage"), e.payload.get("status")) for e in events]
    assert stages[0] == ("cloning", "started") and stages[-1] == ("cloning", "done")
    assert events[-1].payload["commit"] == head


def test_clone_branch_and_full_depth(repo, ctx):
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "pkg" / "extra.py").write_text("X = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature work")
    feature_head = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "main")
    main_head = git(repo, "rev-parse", "HEAD")

    result = clone(CloneArgs(source=repo.as_uri(), branch="feature", name="feat", depth=0), ctx)
    assert result.branch == "feature"
    assert result.commit == feature_head != main_head
    assert result.files == 4
    assert (Path(result.repo_path) / "pkg" / "extra.py").exists()
    assert git(Path(result.repo_path), "rev-list", "--count", "HEAD") == "2"  # depth 0 = full history

    default = clone(CloneArgs(source=repo.as_uri(), name="default"), ctx)
    assert default.commit == main_head and default.files == 3 and default.branch == "main"


def test_reclone_replaces_previous_copy(repo, ctx):
    first = clone(CloneArgs(source=repo.as_uri(), name="lib"), ctx)
    stale = Path(first.repo_path) / "stale.txt"
    stale.write_text("left from the last clone")
    (repo / "new.py").write_text("Y = 2\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")

    second = clone(CloneArgs(source=repo.as_uri(), name="lib"), ctx)
    assert second.repo_path == first.repo_path
    assert second.commit == git(repo, "rev-parse", "HEAD") != first.commit
    assert not stale.exists()
    assert (Path(second.repo_path) / "new.py").exists()
    assert sorted(p.name for p in ctx.workspace.repos.iterdir()) == ["lib"]


def test_failed_reclone_keeps_previous_copy(repo, ctx):
    first = clone(CloneArgs(source=repo.as_uri(), name="lib"), ctx)
    expect_failure(FailureKind.invalid_input, clone, CloneArgs(source=repo.as_uri(), name="lib", branch="nope"), ctx)
    assert (Path(first.repo_path) / "pkg" / "core.py").exists()
    assert git(Path(first.repo_path), "rev-parse", "HEAD") == first.commit
    assert sorted(p.name for p in ctx.workspace.repos.iterdir()) == ["lib"]


def test_unknown_branch_is_invalid_input(repo, ctx):
    failure = expect_failure(FailureKind.invalid_input, clone, CloneArgs(source=repo.as_uri(), branch="no-such"), ctx)
    assert "no-such" in failure.message
    assert failure.details["exit_code"] != 0
    assert any("no-such" in line for line in failure.details["stderr_tail"])
    assert not (ctx.workspace.repos / "demo-lib").exists()


def test_file_url_to_missing_repo(tmp_path, ctx):
    with pytest.raises(ToolFailure) as info:
        clone(CloneArgs(source=(tmp_path / "missing-repo").as_uri()), ctx)
    failure = info.value
    assert failure.kind in {FailureKind.not_found, FailureKind.invalid_input}
    assert "Traceback" not in failure.message
    assert isinstance(failure.details["exit_code"], int) and failure.details["exit_code"] != 0
    assert list(ctx.workspace.repos.iterdir()) == []


def test_empty_git_repo_is_insufficient_data(tmp_path, ctx):
    empty = tmp_path / "empty-repo"
    empty.mkdir()
    git(empty, "init", "-q")
    expect_failure(FailureKind.insufficient_data, clone, CloneArgs(source=empty.as_uri()), ctx)
    assert list(ctx.workspace.repos.iterdir()) == []


def test_unreachable_host_is_transient(ctx):
    failure = expect_failure(FailureKind.transient, clone, CloneArgs(source="https://127.0.0.1:9/x/y.git"), ctx)
    assert failure.details["exit_code"] != 0
    assert failure.details["source"] == "https://127.0.0.1:9/x/y.git"
    assert list(ctx.workspace.repos.iterdir()) == []


def test_timeout_is_reported(repo, ctx, monkeypatch):
    def slow_run(argv, **kwargs):
        raise subprocess.TimeoutExpired(argv, kwargs.get("timeout"), b"", b"Cloning into 'x'...\n")

    monkeypatch.setattr(tool_mod, "run_git", slow_run)
    failure = expect_failure(FailureKind.timeout, clone, CloneArgs(source=repo.as_uri(), timeout_s=5), ctx)
    assert failure.details["timeout_s"] == 5
    assert list(ctx.workspace.repos.iterdir()) == []


# ---------------------------------------------------------------------------------------------- names


def test_names_are_sanitized(repo, ctx):
    result = clone(CloneArgs(source=str(repo), name="My Lib (v2)"), ctx)
    assert result.name == "My-Lib-v2"
    assert Path(result.repo_path).parent == ctx.workspace.repos
    expect_failure(FailureKind.invalid_input, clone, CloneArgs(source=str(repo), name="../escape"), ctx)
    assert not (ctx.workspace.root / "escape").exists()
