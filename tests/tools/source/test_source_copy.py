"""Copying local folders: plain folders with exclusions and a content hash, git working trees as on disk,
size guards, and links that leave the tree."""

from __future__ import annotations

import shutil
from pathlib import Path

from goose_studio.errors import FailureKind
from goose_studio.tools.source import CloneArgs, clone
from source_helpers import ctx, expect_failure, git, isolated_env, make_plain_dir, repo  # noqa: F401  (fixtures)


def test_local_plain_dir_copy_and_stable_hash(tmp_path, ctx):
    a = make_plain_dir(tmp_path / "plain")
    b = tmp_path / "plain-copy"
    shutil.copytree(a, b)

    ra = clone(CloneArgs(source=str(a)), ctx)
    rb = clone(CloneArgs(source=str(b)), ctx)
    assert ra.source_type == rb.source_type == "local"
    assert ra.commit.startswith("sha256:") and len(ra.commit) == len("sha256:") + 64
    assert ra.commit == rb.commit
    assert ra.files == 2 and ra.bytes == len("print('hi')\n") + len("hello\n")
    assert ra.branch is None
    copied = sorted(p.relative_to(ra.repo_path).as_posix() for p in Path(ra.repo_path).rglob("*") if p.is_file())
    assert copied == ["README.md", "app/main.py"]
    assert ra.source == str(a.resolve())

    (b / "app" / "main.py").write_text("print('changed')\n")
    assert clone(CloneArgs(source=str(b)), ctx).commit != ra.commit
    # the originals are untouched
    assert (a / "node_modules" / "left-pad" / "index.js").exists() and (a / ".git" / "HEAD").exists()


def test_local_git_repo_with_uncommitted_and_ignored_files(repo, ctx):
    head = git(repo, "rev-parse", "HEAD")
    (repo / ".gitignore").write_text("build/\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.bin").write_text("ignored\n")
    (repo / "notes.py").write_text("# not committed yet\n")
    (repo / "README.md").write_text("# demo, edited\n")

    result = clone(CloneArgs(source=str(repo), name="working"), ctx)
    path = Path(result.repo_path)
    assert result.source_type == "local-git"
    assert result.commit == head
    assert result.dirty is True
    assert result.branch == "main"
    assert (path / "notes.py").exists()
    assert (path / "README.md").read_text() == "# demo, edited\n"
    assert not (path / "build").exists()
    assert not (path / ".git").exists()
    assert result.files == 5  # README.md, pkg/__init__.py, pkg/core.py, .gitignore, notes.py
    # the source repo was not modified
    assert git(repo, "status", "--porcelain").count("\n") == 2  # ?? .gitignore, ?? notes.py, M README.md


def test_local_git_repo_clean(repo, ctx):
    result = clone(CloneArgs(source=str(repo)), ctx)
    assert result.source_type == "local-git" and result.dirty is False and result.files == 3


def test_local_git_repo_other_branch_is_invalid_input(repo, ctx):
    failure = expect_failure(FailureKind.invalid_input, clone, CloneArgs(source=str(repo), branch="dev"), ctx)
    assert "file://" in failure.hint


def test_local_path_errors(tmp_path, ctx):
    expect_failure(FailureKind.not_found, clone, CloneArgs(source=str(tmp_path / "does-not-exist")), ctx)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    expect_failure(FailureKind.invalid_input, clone, CloneArgs(source=str(a_file)), ctx)
    empty = tmp_path / "empty"
    empty.mkdir()
    expect_failure(FailureKind.insufficient_data, clone, CloneArgs(source=str(empty)), ctx)
    only_junk = tmp_path / "only-junk"
    (only_junk / "node_modules").mkdir(parents=True)
    (only_junk / "node_modules" / "x.js").write_text("x")
    expect_failure(FailureKind.insufficient_data, clone, CloneArgs(source=str(only_junk)), ctx)
    assert list(ctx.workspace.repos.iterdir()) == []


def test_local_copy_guard(tmp_path, ctx):
    src = make_plain_dir(tmp_path / "big")
    failure = expect_failure(FailureKind.invalid_input, clone, CloneArgs(source=str(src), max_files=1), ctx)
    assert failure.details["files"] == 2
    expect_failure(FailureKind.invalid_input, clone, CloneArgs(source=str(src), max_bytes=3), ctx)
    assert list(ctx.workspace.repos.iterdir()) == []


def test_links_leaving_the_tree_are_not_copied(tmp_path, ctx):
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    src = make_plain_dir(tmp_path / "linked")
    (src / "leak.txt").symlink_to(secret)
    (src / "inner.md").symlink_to("README.md")
    result = clone(CloneArgs(source=str(src)), ctx)
    path = Path(result.repo_path)
    assert not (path / "leak.txt").exists() and not (path / "leak.txt").is_symlink()
    assert (path / "inner.md").is_symlink() and (path / "inner.md").read_text() == "hello\n"
    assert result.skipped_files == 1
