"""The bubblewrap command line itself: namespaces, what is bound and how, and what never is."""

from __future__ import annotations

from pathlib import Path

from goose_studio.sandbox.bwrap_args import (APP, CACHE, LAUNCHER, RUN, Layout, base_env, bwrap_argv, bwrap_version,
                                             etc_entries, launcher_config)


def binds(argv: list[str]) -> dict[str, tuple[str, str]]:
    """Destination -> (kind, source) of every bind in ``argv``."""
    out = {}
    for i, arg in enumerate(argv):
        if arg in ("--bind", "--ro-bind", "--ro-bind-try", "--bind-try", "--dev-bind"):
            out[argv[i + 2]] = (arg, argv[i + 1])
    return out


def layout(tmp_path: Path, root_mode: bool, **kw) -> Layout:
    return Layout(app_dir=tmp_path / "repos" / "app", run_dir=tmp_path / "run", launcher=tmp_path / "launcher.py",
                  python="/usr/bin/python3", root_mode=root_mode, uid=4242, gid=4242, **kw)


def test_the_sandbox_command_line(tmp_path):
    lay = layout(tmp_path, root_mode=True, cache_dir=tmp_path / "cache", read_only=[tmp_path / "index"])
    cfg = launcher_config(lay, ["npm", "ci"], limits={"nproc": 10}, control_fd=5, proxy_port=3128)
    argv = bwrap_argv(lay, cfg)
    for flag in ("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--die-with-parent",
                 "--new-session"):
        assert flag in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    b = binds(argv)
    assert b[APP] == ("--bind", str(tmp_path / "repos" / "app"))
    assert b[CACHE] == ("--bind", str(tmp_path / "cache"))
    assert b[RUN] == ("--bind", str(tmp_path / "run" / "io"))
    assert b[LAUNCHER][0] == "--ro-bind"
    assert b["/usr"] == ("--ro-bind", "/usr")
    assert b[str(tmp_path / "index")][0] == "--ro-bind-try"
    writable = {dest for dest, (kind, _) in b.items() if kind == "--bind"}
    assert writable == {APP, CACHE, RUN}
    assert b["/etc/passwd"] == ("--ro-bind", str(tmp_path / "run" / "etc" / "passwd"))
    # The root is remounted read-only after every mount is in place, and the launcher runs last.
    assert argv.index("--remount-ro") > max(argv.index(APP), argv.index(CACHE))
    assert argv[argv.index("--") + 1:argv.index("--") + 5] == ["/usr/bin/python3", "-I", "-S", LAUNCHER]
    # The read-only index is bound after /tmp's tmpfs (a later mount would hide it).
    assert argv.index(str(tmp_path / "index")) > argv.index("/tmp")


def test_no_secret_or_private_place_is_ever_bound(tmp_path):
    argv = bwrap_argv(layout(tmp_path, root_mode=False), launcher_config(layout(tmp_path, False), ["true"],
                                                                         limits={}, control_fd=None))
    dests = set(binds(argv))
    for private in ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh", "/root", "/home", "/run",
                    "/var/run", "/etc/resolv.conf", str(Path.home())):
        assert private not in dests
    assert "/etc/shadow" not in [f"/etc/{n}" for n in etc_entries()]
    assert not any(d.startswith("/var/run") or d.startswith("/run/") for d in dests)


def test_an_unprivileged_studio_gets_a_user_namespace(tmp_path):
    argv = bwrap_argv(layout(tmp_path, root_mode=False), launcher_config(layout(tmp_path, False), ["true"],
                                                                         limits={}, control_fd=None))
    assert "--unshare-user" in argv and "--disable-userns" in argv
    assert "--cap-add" not in argv
    assert argv[argv.index("--uid") + 1] == "4242"


def test_the_launcher_config(tmp_path):
    lay = layout(tmp_path, root_mode=True)
    cfg = launcher_config(lay, ["node", "server.js"], limits={"nproc": 5}, control_fd=7, serve_port=3000)
    assert cfg["drop"] == [4242, 4242]
    assert cfg["serve"] == {"socket": f"{RUN}/app.sock", "port": 3000}
    assert "proxy" not in cfg
    assert cfg["control_fd"] == 7 and cfg["cwd"] == APP and cfg["probe"] is True
    assert launcher_config(layout(tmp_path, False), ["x"], limits={}, control_fd=None)["drop"] is None


def test_the_base_environment_carries_nothing_of_the_studio(monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_SECRET_THING", "x")
    env = base_env()
    assert env["HOME"] == "/tmp/home" and env["PATH"].startswith("/usr/local/sbin")
    assert not any(k.startswith("GOOSE") for k in env)


def test_older_bubblewrap_gets_no_flag_it_does_not_know(tmp_path):
    lay = layout(tmp_path, root_mode=False, disable_userns=False)
    argv = bwrap_argv(lay, launcher_config(lay, ["true"], limits={}, control_fd=None))
    assert "--unshare-user" in argv and "--disable-userns" not in argv


def test_the_version_is_read_from_bwrap(tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bubblewrap 0.6.1'\n")
    fake.chmod(0o755)
    assert bwrap_version(str(fake)) == (0, 6, 1)
    assert bwrap_version(str(tmp_path / "missing")) is None
