"""Files that hold credentials (``.env``, keys, credential stores) never reach the workspace: a local copy
(plain folder or git working tree) never lists, opens or copies them, and a git clone's working tree loses
them right after the checkout, together with every symbolic link that points outside the clone."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from goose_studio.tools.source import CloneArgs, clone
from source_helpers import ctx, git, isolated_env, make_repo  # noqa: F401  (fixtures)

SECRET_FILES = {
    ".env": "DB_PASSWORD=hunter2-not-for-you\n",
    ".env.production": "API_KEY=prod-key-0001\n",
    "deploy/prod.env": "TOKEN=abc123abc123\n",
    ".envrc": "export AWS_SECRET_ACCESS_KEY=x\n",
    "keys/server.pem": "-----BEGIN PRIVATE KEY-----\n",
    "keys/tls.key": "key\n",
    "id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    ".ssh/id_ed25519.pub": "ssh-ed25519 AAAA\n",
    ".npmrc": "//registry.npmjs.org/:_authToken=npm_abc\n",
    ".pypirc": "[pypi]\npassword = pypi-abc\n",
    "credentials.json": "{}\n",
    "gcp/client_secret_123.apps.googleusercontent.com.json": "{}\n",
    "gcp/shop-service-account.json": "{}\n",
    ".aws/credentials": "[default]\n",
    ".streamlit/secrets.toml": "key = 'x'\n",
    "infra/terraform.tfstate": "{}\n",
}
KEPT_FILES = {
    "app/main.py": "print('hi')\n",
    "README.md": "hello\n",
    ".env.example": "DB_PASSWORD=\n",
    ".env.sample": "API_KEY=\n",
    ".env.template": "TOKEN=\n",
    "web/.npmrc": "registry=https://registry.npmjs.org/\n",
    "docs/keys.md": "About keys.\n",
}


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every path opened with ``open`` while the test runs."""
    seen: list[str] = []
    real = builtins.open

    def spy(file, *args, **kwargs):
        seen.append(str(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    return seen


def _check(result, src: Path, opened: list[str] | None = None) -> None:
    copy = Path(result.repo_path)
    present = {p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert present & set(SECRET_FILES) == set()
    assert set(KEPT_FILES) <= present
    if opened is not None:
        read = {Path(p).resolve() for p in opened}
        never = {(src / rel).resolve() for rel in SECRET_FILES if rel != ".npmrc"}
        assert read & never == set()  # never read (an .npmrc is read only to look for a token)


def test_a_plain_folder_copy_leaves_out_files_that_hold_credentials(tmp_path, ctx, opened) -> None:
    src = tmp_path / "shop"
    _write(src, {**SECRET_FILES, **KEPT_FILES})
    result = clone(CloneArgs(source=str(src)), ctx)
    assert result.source_type == "local"
    _check(result, src, opened)


def test_a_git_working_tree_copy_leaves_them_out_even_when_tracked(tmp_path, ctx, opened) -> None:
    src = make_repo(tmp_path / "shop-git", {**SECRET_FILES, **KEPT_FILES})
    result = clone(CloneArgs(source=str(src)), ctx)
    assert result.source_type == "local-git"
    _check(result, src, opened)


def test_a_git_clone_loses_them_and_every_link_that_leaves_it(tmp_path, ctx) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0\n")
    src = make_repo(tmp_path / "shop-remote", {**SECRET_FILES, **KEPT_FILES})
    (src / "abs-link").symlink_to(outside / "passwd")
    (src / "up-link").symlink_to("../outside/passwd")
    (src / "dir-link").symlink_to(outside, target_is_directory=True)
    (src / "app" / "inner-link.py").symlink_to("main.py")
    (src / ".env.local").symlink_to("README.md")  # a secret file's name, even as a link inside the tree
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "links")

    result = clone(CloneArgs(source=f"file://{src}"), ctx)
    assert result.source_type == "git"
    _check(result, src)
    copy = Path(result.repo_path)
    for name in ("abs-link", "up-link", "dir-link", ".env.local"):
        assert not (copy / name).exists() and not (copy / name).is_symlink()
    inner = copy / "app" / "inner-link.py"
    assert inner.is_symlink() and inner.read_text() == "print('hi')\n"
    assert result.skipped_files == len(SECRET_FILES) + 4
    assert not any(p.is_symlink() and not p.resolve().is_relative_to(copy.resolve())
                   for p in copy.rglob("*") if ".git" not in p.parts)
