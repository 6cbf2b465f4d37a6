"""Which app folders a sandbox accepts, who owns them inside, and the symlinks left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.sandbox.paths import (SANDBOX_UID_BASE, check_app_dir, default_roots, escaping_links, hand_over,
                                        sandbox_identity, synth_etc_files)


def test_an_app_folder_inside_a_root_is_accepted(tmp_path):
    root = tmp_path / "repos"
    app = root / "demo"
    app.mkdir(parents=True)
    assert check_app_dir(app, [root]) == app.resolve()
    assert check_app_dir(root / "demo" / ".." / "demo", [root]) == app.resolve()


@pytest.mark.parametrize("where", ["outside", "root_itself", "dotdot"])
def test_app_folders_outside_the_roots_are_refused(tmp_path, where):
    root = tmp_path / "repos"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    app = {"outside": tmp_path / "elsewhere", "root_itself": root, "dotdot": root / ".." / "elsewhere"}[where]
    with pytest.raises(ToolFailure) as err:
        check_app_dir(app, [root])
    assert err.value.kind == FailureKind.invalid_input
    assert err.value.details["allowed_roots"] == [str(root.resolve())]


def test_a_symlinked_app_folder_is_refused_even_when_it_points_inside(tmp_path):
    root = tmp_path / "repos"
    (root / "real").mkdir(parents=True)
    (root / "link").symlink_to(root / "real")
    with pytest.raises(ToolFailure) as err:
        check_app_dir(root / "link", [root])
    assert err.value.kind == FailureKind.invalid_input


def test_a_folder_reached_through_a_symlinked_parent_must_still_resolve_inside(tmp_path):
    root = tmp_path / "repos"
    root.mkdir()
    (tmp_path / "secret" / "app").mkdir(parents=True)
    (root / "sneaky").symlink_to(tmp_path / "secret")
    with pytest.raises(ToolFailure) as err:
        check_app_dir(root / "sneaky" / "app", [root])
    assert err.value.kind == FailureKind.invalid_input


def test_a_missing_app_folder_is_not_found(tmp_path):
    with pytest.raises(ToolFailure) as err:
        check_app_dir(tmp_path / "repos" / "nope", [tmp_path / "repos"])
    assert err.value.kind == FailureKind.not_found


def test_the_default_root_is_the_workspace_repos(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(tmp_path / "ws"))
    assert default_roots() == (tmp_path / "ws" / "repos",)


def test_the_sandbox_user(tmp_path):
    uid, gid = sandbox_identity(tmp_path)
    if os.geteuid() == 0:
        assert uid == gid and SANDBOX_UID_BASE <= uid < SANDBOX_UID_BASE + 1_000_000
        assert sandbox_identity(tmp_path) == (uid, gid)
        assert sandbox_identity(tmp_path / "other") != (uid, gid)
    else:
        assert (uid, gid) == (os.getuid(), os.getgid())


def test_hand_over_gives_the_tree_to_the_sandbox_user_without_following_links(tmp_path):
    tree = tmp_path / "app"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "a.py").write_text("x = 1\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("mine\n")
    (tree / "link").symlink_to(outside)
    uid, gid = sandbox_identity(tree)
    changed = hand_over(tree, uid, gid)
    if os.geteuid() != 0:
        assert changed == 0
        return
    assert changed == 4  # app, src, a.py, the link itself
    for p in (tree, tree / "src", tree / "src" / "a.py"):
        assert (p.stat().st_uid, p.stat().st_gid) == (uid, gid)
    assert os.lstat(tree / "link").st_uid == uid
    assert outside.stat().st_uid == os.getuid()
    assert hand_over(tree, uid, gid) == 0


def test_escaping_links(tmp_path):
    app = tmp_path / "app"
    (app / "node_modules" / ".bin").mkdir(parents=True)
    (app / "node_modules" / "pkg").mkdir()
    (app / "node_modules" / ".bin" / "tool").symlink_to("../pkg")
    (app / "up").symlink_to("../../etc")
    (app / "abs").symlink_to("/etc/passwd")
    assert sorted(escaping_links(app)) == ["abs -> /etc/passwd", "up -> ../../etc"]
    assert len(escaping_links(app, limit=1)) == 1


def test_the_sandbox_sees_one_user_and_localhost():
    files = synth_etc_files(1234, 1234, "/tmp/home")
    assert "app:x:1234:1234:app:/tmp/home:/bin/sh" in files["passwd"].splitlines()
    assert "app:x:1234:" in files["group"].splitlines()
    assert files["hosts"].startswith("127.0.0.1 localhost")
    assert Path("/etc/passwd").read_text() != files["passwd"]


def test_hard_links_from_outside_are_broken_and_inside_ones_kept(tmp_path):
    tree = tmp_path / "app"
    tree.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("outside\n")
    os.link(outside, tree / "from-outside.txt")
    (tree / "a.txt").write_text("a\n")
    os.link(tree / "a.txt", tree / "b.txt")
    uid, gid = sandbox_identity(tree)
    hand_over(tree, uid, gid)
    assert os.stat(tree / "from-outside.txt").st_ino != os.stat(outside).st_ino
    assert (tree / "from-outside.txt").read_text() == "outside\n"
    assert os.stat(outside).st_nlink == 1
    assert os.stat(tree / "a.txt").st_ino == os.stat(tree / "b.txt").st_ino
