"""The clone tool against real git repositories built in a temp folder (no network)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import EventBus, read_events
from goose_studio.tools import source as source_mod
from goose_studio.tools.registry import REGISTRY, ToolContext, validate_args
from goose_studio.tools.source import CloneArgs, clone, normalize_source, safe_name
from goose_studio.workspace import Workspace

FAKE_TOKEN = "ghp_FAKEfakeFAKE0123456789abcdefTOKEN"


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main",
         "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )
    return proc.stdout.strip()


def make_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)


@pytest.fixture
def ctx(tmp_path) -> ToolContext:
    ws = Workspace.from_env()
    bus = EventBus("test-run", tmp_path / "events.jsonl")
    return ToolContext(workspace=ws, run_id="test-run", events=bus, tab="source")


@pytest.fixture
def repo(tmp_path) -> Path:
    return make_repo(
        tmp_path / "src" / "demo-lib",
        {"README.md": "# demo\n", "pkg/__init__.py": "", "pkg/core.py": "def add(a, b):\n    return a + b\n"},
    )


def expect_failure(kind: FailureKind, fn, *args) -> ToolFailure:
    with pytest.raises(ToolFailure) as info:
        fn(*args)
    failure = info.value
    assert failure.kind == kind, failure.to_dict()
    assert "Traceback" not in failure.message and "Traceback" not in json.dumps(failure.details)
    assert failure.hint
    return failure


# ---------------------------------------------------------------------------------------------- normalize


def test_normalize_source_kinds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert normalize_source("https://github.com/a/b.git/") == ("git", "https://github.com/a/b.git")
    assert normalize_source("git@github.com:a/b.git") == ("git", "git@github.com:a/b.git")
    assert normalize_source("ssh://git@host/a/b") == ("git", "ssh://git@host/a/b")
    assert normalize_source("file:///srv/x") == ("git", "file:///srv/x")
    assert normalize_source("octo-org/some.repo") == ("git", "https://github.com/octo-org/some.repo.git")
    assert normalize_source("github.com/a/b") == ("git", "https://github.com/a/b")
    (tmp_path / "octo" / "local").mkdir(parents=True)
    # an existing local folder wins over the owner/repo shorthand
    assert normalize_source("octo/local") == ("local", str((tmp_path / "octo" / "local").resolve()))
    assert normalize_source("./nowhere") == ("local", str((tmp_path / "nowhere").resolve()))
    with pytest.raises(ToolFailure) as info:
        normalize_source("  ")
    assert info.value.kind == FailureKind.invalid_input


def test_safe_name_slugs_and_rejects_traversal():
    assert safe_name("My Repo!") == "My-Repo"
    assert safe_name("lib.v2") == "lib.v2"
    for bad in ("..", ".", "../evil", "a/b", "a\\b", "", "!!!"):
        with pytest.raises(ToolFailure) as info:
            safe_name(bad)
        assert info.value.kind == FailureKind.invalid_input


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

    monkeypatch.setattr(source_mod.subprocess, "Popen", FakeProc)
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
    env = source_mod._git_env("https://gitlab.example.com/o/r.git", source_mod._Secrets())
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
    failure = source_mod.classify_git_failure(stderr, 128, "https://x/a.git", "dev")
    assert failure.kind == kind
    assert failure.hint
    assert failure.details["exit_code"] == 128
    assert failure.details["stderr_tail"] == [ln for ln in stderr.splitlines() if ln.strip()]


def test_missing_git_is_missing_dependency(repo, ctx, monkeypatch):
    monkeypatch.setattr(source_mod.shutil, "which", lambda name: None)
    expect_failure(FailureKind.missing_dependency, clone, CloneArgs(source=repo.as_uri()), ctx)


def test_timeout_is_reported(repo, ctx, monkeypatch):
    def slow_run(argv, **kwargs):
        raise subprocess.TimeoutExpired(argv, kwargs.get("timeout"), b"", b"Cloning into 'x'...\n")

    monkeypatch.setattr(source_mod, "_run_git", slow_run)
    failure = expect_failure(FailureKind.timeout, clone, CloneArgs(source=repo.as_uri(), timeout_s=5), ctx)
    assert failure.details["timeout_s"] == 5
    assert list(ctx.workspace.repos.iterdir()) == []


# ---------------------------------------------------------------------------------------------- local paths


def make_plain_dir(root: Path) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "main.py").write_text("print('hi')\n")
    (root / "README.md").write_text("hello\n")
    for junk in ("node_modules/left-pad/index.js", "__pycache__/main.cpython-311.pyc", ".git/HEAD",
                 ".venv/bin/python", "env/pyvenv.cfg", "env/lib/site.py"):
        p = root / junk
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("junk\n")
    return root


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


def test_names_are_sanitized(repo, ctx):
    result = clone(CloneArgs(source=str(repo), name="My Lib (v2)"), ctx)
    assert result.name == "My-Lib-v2"
    assert Path(result.repo_path).parent == ctx.workspace.repos
    expect_failure(FailureKind.invalid_input, clone, CloneArgs(source=str(repo), name="../escape"), ctx)
    assert not (ctx.workspace.root / "escape").exists()


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
