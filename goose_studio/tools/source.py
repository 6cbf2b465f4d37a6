"""The ``clone`` tool (tab "source"): bring a repository into the workspace's ``repos/`` folder.

A source is either a git URL (``https://``, ``http://``, ``ssh://``, ``git://``, ``file://``,
``git@host:owner/repo``, or the GitHub shorthand ``owner/repo``) or a local directory. URLs are cloned
with the real ``git`` into a temporary folder inside ``repos/`` and moved into place only once the clone
succeeded, so an older copy of the same name survives a failed clone. Local directories are copied (the
original is only read): for a git working tree, the tracked and untracked-but-not-ignored files as they
are on disk, plus HEAD's SHA; for a plain directory, every file except VCS folders, dependency folders,
virtual environments and caches, plus a content hash of the copied tree.

``GITHUB_TOKEN`` (from the environment) is handed to git for ``https://github.com`` URLs through git's
environment configuration, never through the command line or the URL, and it is scrubbed from every
message, detail and log line this module produces.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from ..errors import FailureKind, ToolFailure, disk_full_from_oserror
from .registry import ToolContext, tool

SourceKind = Literal["git", "local"]
SourceType = Literal["git", "local", "local-git"]

# Folders never copied from a plain (non-git) local directory.
EXCLUDED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv",
        ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    }
)

_URL_SCHEMES = ("https://", "http://", "ssh://", "git://", "file://")
_SCP_LIKE_RE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!//)\S+$")
_SHORTHAND_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]+$")
_HOSTED_NO_SCHEME_RE = re.compile(r"^(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)/[^/\s]+/[^/\s]+/?$")
_URL_USERINFO_RE = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")


class CloneArgs(BaseModel):
    source: str = Field(
        description="A git URL (https://, ssh://, file://, git@host:owner/repo), a GitHub shorthand "
        "'owner/repo', or a local directory (a git working tree or a plain folder)."
    )
    branch: str | None = Field(default=None, description="Branch or tag to clone (URLs only).")
    depth: int = Field(default=1, ge=0, description="History depth for URL clones; 0 clones the full history.")
    name: str | None = Field(
        default=None, description="Folder name inside the workspace's repos/; derived from the source if omitted."
    )
    timeout_s: float = Field(default=600.0, gt=0, description="Time limit for a git clone, in seconds.")
    max_files: int = Field(default=200_000, ge=1, description="Refuse local copies with more files than this.")
    max_bytes: int = Field(default=4 * 1024**3, ge=1, description="Refuse local copies larger than this (bytes).")


class CloneResult(BaseModel):
    repo_path: str = Field(description="The copy inside the workspace's repos/ folder.")
    name: str
    source: str = Field(description="The normalized source (URL without credentials, or absolute path).")
    source_type: SourceType = Field(
        description="'git' for a URL clone, 'local-git' for a copied git working tree, 'local' for a "
        "copied plain folder (then commit is a content hash)."
    )
    commit: str = Field(description="Full HEAD SHA, or 'sha256:<hex>' content hash for a plain local folder.")
    branch: str | None = None
    dirty: bool = Field(default=False, description="A local git working tree had uncommitted changes.")
    files: int = Field(description="Number of files in the copy, not counting .git.")
    bytes: int = Field(description="Total size of those files.")
    skipped_files: int = Field(default=0, description="Local files left out (unreadable, or links leaving the tree).")
    duration_s: float


# ----------------------------------------------------------------------------------------------------------
# sources and names


def normalize_source(source: str) -> tuple[SourceKind, str]:
    """Classify a source string: ``("git", url)`` or ``("local", absolute_path)``.

    An existing local path wins over the ``owner/repo`` shorthand; anything that is neither a URL nor a
    shorthand is returned as a local path (which may not exist: the caller reports that).
    """
    text = (source or "").strip()
    if not text:
        raise ToolFailure(
            FailureKind.invalid_input,
            "The source is empty.",
            hint="Pass a git URL, 'owner/repo', or the path of a local directory.",
        )
    lowered = text.lower()
    if lowered.startswith(_URL_SCHEMES):
        return "git", text.rstrip("/") if not lowered.startswith("file://") else text
    if _SCP_LIKE_RE.match(text):
        return "git", text
    if _HOSTED_NO_SCHEME_RE.match(text):
        return "git", "https://" + text.rstrip("/")
    if text.startswith(("/", "./", "../", "~")) or text in (".", ".."):
        return "local", str(Path(text).expanduser().resolve())
    if Path(text).expanduser().exists():
        return "local", str(Path(text).expanduser().resolve())
    if _SHORTHAND_RE.match(text):
        owner, repo = text.split("/")
        repo = repo[:-4] if repo.endswith(".git") else repo
        return "git", f"https://github.com/{owner}/{repo}.git"
    return "local", str(Path(text).expanduser().resolve())


def redact_url(url: str) -> str:
    """The URL without any user:password@ part."""
    return _URL_USERINFO_RE.sub(lambda m: m.group("scheme"), url)


def _name_from_source(kind: SourceKind, where: str) -> str:
    if kind == "local":
        base = Path(where).name
    else:
        path = where
        if "://" in path:
            path = urlsplit(path).path
        elif _SCP_LIKE_RE.match(path):
            path = path.split(":", 1)[1]
        base = path.rstrip("/").rsplit("/", 1)[-1]
        if base.endswith(".git"):
            base = base[:-4]
    return base


def safe_name(name: str) -> str:
    """A safe single folder name: path separators and '.'/'..' are refused, the rest is slugged."""
    raw = name.strip()
    if not raw or "/" in raw or "\\" in raw or "\x00" in raw or raw in (".", ".."):
        raise ToolFailure(
            FailureKind.invalid_input,
            f"'{name}' is not a usable folder name.",
            hint="Pass a plain name such as 'my-repo' (no '/', '\\' or '..').",
            details={"name": name},
        )
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-.")
    slug = re.sub(r"\.{2,}", ".", slug)[:80].strip("-.")
    if not slug:
        raise ToolFailure(
            FailureKind.invalid_input,
            f"'{name}' is not a usable folder name.",
            hint="Use letters, digits, '-', '_' or '.'.",
            details={"name": name},
        )
    return slug


# ----------------------------------------------------------------------------------------------------------
# secrets


class _Secrets:
    """What must never leave this module in clear: a token, its Basic header, passwords in URLs."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def add(self, value: str | None) -> None:
        if value and len(value) >= 4 and value not in self.values:
            self.values.append(value)

    def scrub(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, "***")
        return _URL_USERINFO_RE.sub(lambda m: m.group("scheme") + "***@", text)


def _github_token() -> str | None:
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    return token or None


def _git_env(url: str, secrets: _Secrets) -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GCM_INTERACTIVE"] = "never"
    env["LC_ALL"] = "C"
    env["LANGUAGE"] = "C"
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=30")
    env.pop("GITHUB_TOKEN", None)  # git never needs it; it only gets the header below
    token = _github_token()
    secrets.add(token)
    parts = urlsplit(url) if "://" in url else None
    if parts is not None:
        secrets.add(parts.password)
        if parts.username and parts.password is None:
            secrets.add(parts.username)  # https://TOKEN@host/... carries the token as user name
    if token and parts is not None and parts.scheme == "https" and (parts.hostname or "").lower() == "github.com":
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        secrets.add(basic)
        index = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
        env["GIT_CONFIG_COUNT"] = str(index + 1)
        env[f"GIT_CONFIG_KEY_{index}"] = "http.https://github.com/.extraHeader"
        env[f"GIT_CONFIG_VALUE_{index}"] = f"Authorization: Basic {basic}"
    return env


# ----------------------------------------------------------------------------------------------------------
# git


def _missing_git() -> ToolFailure:
    return ToolFailure(
        FailureKind.missing_dependency,
        "git is not installed (or not on PATH).",
        hint="Install git (e.g. `apt-get install git`), or pass a local directory instead of a URL.",
    )


def _run_git(
    argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 30.0
) -> subprocess.CompletedProcess[bytes]:
    """Run git in its own process group so that a timeout also ends its helpers (remote-https, index-pack)."""
    git = shutil.which("git")
    if git is None:
        raise _missing_git()
    try:
        proc = subprocess.Popen(
            [git, *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
    except FileNotFoundError:
        raise _missing_git() from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        out, err = proc.communicate()
        raise subprocess.TimeoutExpired(proc.args, timeout, out, err) from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _git_text(argv: list[str], cwd: Path, timeout: float = 30.0) -> str | None:
    """stdout of a quick local git command, or None when it fails."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = _run_git(argv, cwd=cwd, env=env, timeout=timeout)
    except (ToolFailure, subprocess.TimeoutExpired, OSError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip()


def _stderr_tail(stderr: str, lines: int = 12) -> list[str]:
    kept = [ln.rstrip() for ln in stderr.splitlines() if ln.strip() and not ln.startswith("Cloning into ")]
    return kept[-lines:]


_NETWORK_PATTERNS = (
    "could not resolve host", "could not resolve hostname", "name or service not known",
    "temporary failure in name resolution", "network is unreachable", "no route to host",
    "timed out", "connection refused", "failed to connect", "couldn't connect", "could not connect",
    "connection reset", "connection closed", "early eof", "the remote end hung up unexpectedly",
    "rpc failed", "gnutls", "ssl_connect", "ssl connect", "tls connect", "proxy",
)
_AUTH_PATTERNS = (
    "authentication failed", "could not read username", "could not read password",
    "terminal prompts disabled", "permission denied (publickey", "host key verification failed",
    "access denied", "invalid username or password", "http basic: access denied", "bad credentials",
)
_NOT_FOUND_PATTERNS = ("repository not found", "does not appear to be a git repository", "does not exist")


def classify_git_failure(stderr: str, exit_code: int | None, source: str, branch: str | None = None) -> ToolFailure:
    """Turn a failed ``git clone``'s stderr into a typed failure with a hint (stderr must be scrubbed)."""
    low = stderr.lower()
    details = {"exit_code": exit_code, "source": source, "stderr_tail": _stderr_tail(stderr)}
    local_hint = "or clone it yourself and pass the local path."
    if "no space left on device" in low or "disk quota exceeded" in low:
        return ToolFailure(
            FailureKind.disk_full,
            f"No space left on the device while cloning {source}.",
            hint="Free some disk space (or point GOOSE_STUDIO_HOME at a larger disk), then try again.",
            details=details,
        )
    if re.search(r"remote branch .* not found", low) or "couldn't find remote ref" in low:
        shown = f"'{branch}' " if branch else ""
        return ToolFailure(
            FailureKind.invalid_input,
            f"The branch {shown}does not exist in {source}.",
            hint="Check the branch name (`git ls-remote --heads <url>` lists them), or leave it out to "
            "clone the default branch.",
            details={**details, "branch": branch},
        )
    if any(p in low for p in _NOT_FOUND_PATTERNS) or re.search(r"\b404\b", low):
        return ToolFailure(
            FailureKind.not_found,
            f"The repository {source} was not found.",
            hint="Check the URL; if the repository is private, set GITHUB_TOKEN to a token with read access.",
            details=details,
        )
    if any(p in low for p in _AUTH_PATTERNS) or re.search(r"\b40[13]\b", low):
        return ToolFailure(
            FailureKind.auth_required,
            f"The git host asked for credentials to clone {source}.",
            hint="Set GITHUB_TOKEN to a token with read access to the repository (for SSH URLs, load a key "
            "into ssh-agent), " + local_hint,
            details=details,
        )
    if any(p in low for p in _NETWORK_PATTERNS):
        return ToolFailure(
            FailureKind.transient,
            f"Could not reach the git host for {source}.",
            hint="Check the network (and any proxy settings) and try again, " + local_hint,
            details=details,
        )
    if "unable to find remote helper" in low or "unsupported protocol" in low or (
        "protocol" in low and "not allowed" in low
    ):
        return ToolFailure(
            FailureKind.invalid_input,
            f"git cannot use the protocol of {source}.",
            hint="Use an https://, ssh:// or file:// URL, " + local_hint,
            details=details,
        )
    return ToolFailure(
        FailureKind.invalid_input,
        f"git could not clone {source} (exit code {exit_code}).",
        hint="Check the URL and the git message in the details, " + local_hint,
        details=details,
    )


# ----------------------------------------------------------------------------------------------------------
# trees


def _walk_tree(root: Path):
    """(relative POSIX path, absolute path) of every non-directory entry under root, .git excluded."""
    for dirpath, dirnames, filenames in os.walk(root):
        keep = []
        for d in dirnames:
            if d == ".git":
                continue
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                filenames.append(d)  # a link to a folder counts as one entry, never followed
            else:
                keep.append(d)
        dirnames[:] = sorted(keep)
        for f in filenames:
            if f == ".git":
                continue
            full = os.path.join(dirpath, f)
            yield Path(full).relative_to(root).as_posix(), full


def tree_stats(root: Path) -> tuple[int, int]:
    """(file count, total bytes) under root, not counting .git."""
    files = size = 0
    for _, full in _walk_tree(root):
        try:
            st = os.lstat(full)
        except OSError:
            continue
        files += 1
        if stat.S_ISREG(st.st_mode):
            size += st.st_size
    return files, size


def content_hash(root: Path) -> str:
    """A deterministic hash of a tree's paths and contents (modes and times ignored), ``sha256:<hex>``."""
    digest = hashlib.sha256()
    for rel, full in sorted(_walk_tree(root)):
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        if os.path.islink(full):
            digest.update(b"L" + os.readlink(full).encode("utf-8", "surrogateescape"))
        else:
            h = hashlib.sha256()
            try:
                with open(full, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
            except OSError:
                continue
            digest.update(b"F" + h.digest())
        digest.update(b"\0")
    return "sha256:" + digest.hexdigest()


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def _plain_listing(src: Path, skip: set[Path]) -> list[str]:
    """Relative paths of the files of a plain folder, without excluded folders."""
    out = []
    for dirpath, dirnames, filenames in os.walk(src):
        keep = []
        for d in dirnames:
            full = Path(dirpath, d)
            if d in EXCLUDED_DIRS or full in skip:
                continue
            if full.is_symlink():
                filenames.append(d)
                continue
            if _is_venv(full):
                continue
            keep.append(d)
        dirnames[:] = sorted(keep)
        for f in filenames:
            if f in (".git", ".DS_Store"):
                continue
            out.append(Path(dirpath, f).relative_to(src).as_posix())
    return out


def _git_listing(src: Path, skip: set[Path]) -> list[str] | None:
    """Tracked plus untracked-not-ignored files of a working tree, as on disk; None if git cannot say."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = _run_git(["ls-files", "-co", "--exclude-standard", "-z"], cwd=src, env=env, timeout=120)
    except (ToolFailure, subprocess.TimeoutExpired, OSError):
        return None
    if proc.returncode != 0:
        return None
    out: list[str] = []
    seen: set[str] = set()
    for raw in proc.stdout.split(b"\0"):
        if not raw:
            continue
        rel = os.fsdecode(raw).rstrip("/")
        if rel in seen:
            continue
        seen.add(rel)
        full = src / rel
        if full.is_dir() and not full.is_symlink():
            # a submodule or a nested repository: its files, under the plain rules
            out.extend(f"{rel}/{sub}" for sub in _plain_listing(full, skip))
        elif full.is_symlink() or full.exists():
            out.append(rel)  # tracked files deleted from the working tree are left out
    return out


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def _copy_listing(
    src: Path, dest: Path, listing: list[str], args: CloneArgs, ctx: ToolContext, skip: set[Path]
) -> int:
    """Copy the listed files into dest (which exists); returns how many were left out."""
    src_real = src.resolve()
    entries: list[tuple[str, Path, int]] = []
    total = 0
    for rel in listing:
        full = src / rel
        if any(_inside(full, s) for s in skip):
            continue
        try:
            st = full.lstat()
        except OSError:
            continue
        size = st.st_size if stat.S_ISREG(st.st_mode) else 0
        entries.append((rel, full, size))
        total += size
    if len(entries) > args.max_files or total > args.max_bytes:
        raise ToolFailure(
            FailureKind.invalid_input,
            f"{src} is too large to copy: {len(entries)} files, {total} bytes "
            f"(limits: {args.max_files} files, {args.max_bytes} bytes).",
            hint="Point the source at the sub-folder that holds the code, or raise max_files / max_bytes.",
            details={"files": len(entries), "bytes": total, "max_files": args.max_files, "max_bytes": args.max_bytes},
        )
    free = shutil.disk_usage(dest).free
    if total > free:
        raise ToolFailure(
            FailureKind.disk_full,
            f"Copying {src} needs {total} bytes but only {free} are free in {dest.parent}.",
            hint="Free some disk space (or point GOOSE_STUDIO_HOME at a larger disk), then try again.",
            details={"bytes": total, "free": free},
        )
    skipped = 0
    step = max(1, len(entries) // 10)
    for i, (rel, full, _size) in enumerate(entries, 1):
        target = dest / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if full.is_symlink():
                link = os.readlink(full)
                resolved = (full.parent / link).resolve()
                if not _inside(resolved, src_real):
                    skipped += 1  # a link leaving the source tree would expose files outside it
                    continue
                os.symlink(link, target)
            elif full.is_file():
                shutil.copy2(full, target)
            else:
                skipped += 1  # sockets, fifos, devices
        except OSError as exc:
            failure = disk_full_from_oserror(exc, str(target))
            if failure:
                raise failure from None
            skipped += 1
        if i % step == 0:
            ctx.progress(stage="cloning", copied=i, total=len(entries))
    return skipped


# ----------------------------------------------------------------------------------------------------------
# placing the result


def _new_temp_dir(repos: Path, name: str) -> Path:
    try:
        repos.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=repos, prefix=f".tmp-{name}-"))
    except OSError as exc:
        failure = disk_full_from_oserror(exc, str(repos))
        if failure:
            raise failure from None
        raise ToolFailure(
            FailureKind.invalid_input,
            f"Cannot write into {repos}: {exc.strerror or exc}.",
            hint="Check the permissions of the workspace folder (GOOSE_STUDIO_HOME).",
            details={"path": str(repos)},
        ) from None


def _install(new: Path, final: Path) -> None:
    """Move ``new`` to ``final``; an existing ``final`` is replaced only once ``new`` is in place."""
    old: Path | None = None
    if final.exists() or final.is_symlink():
        old = final.with_name(f".old-{final.name}-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(final, old)
    try:
        os.replace(new, final)
    except OSError:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _empty_failure(source: str, what: str) -> ToolFailure:
    return ToolFailure(
        FailureKind.insufficient_data,
        f"{what} {source} has no files to learn from.",
        hint="Pick a repository or folder that contains source code (and, for a git repository, at least "
        "one commit with files on the chosen branch).",
        details={"source": source, "files": 0},
    )


# ----------------------------------------------------------------------------------------------------------
# the two paths


def _clone_url(url: str, args: CloneArgs, name: str, ctx: ToolContext, started: float) -> CloneResult:
    secrets = _Secrets()
    env = _git_env(url, secrets)
    shown = secrets.scrub(redact_url(url))
    repos = ctx.workspace.repos
    tmp = _new_temp_dir(repos, name)
    target = tmp / "repo"
    argv = ["clone", "--single-branch", "--no-recurse-submodules"]
    if args.depth > 0:
        argv += ["--depth", str(args.depth)]
    if args.branch:
        argv += ["--branch", args.branch]
    argv += ["--", url, str(target)]
    try:
        try:
            proc = _run_git(argv, env=env, timeout=args.timeout_s)
        except subprocess.TimeoutExpired as exc:
            err = secrets.scrub((exc.stderr or b"").decode("utf-8", "replace"))
            raise ToolFailure(
                FailureKind.timeout,
                f"Cloning {shown} did not finish within {args.timeout_s:g} s.",
                hint="Check the network and try again with a larger timeout_s, or clone it yourself and "
                "pass the local path.",
                details={"source": shown, "timeout_s": args.timeout_s, "stderr_tail": _stderr_tail(err)},
            ) from None
        if proc.returncode != 0:
            err = secrets.scrub(proc.stderr.decode("utf-8", "replace"))
            raise classify_git_failure(err, proc.returncode, shown, args.branch)
        files, size = tree_stats(target)
        commit = _git_text(["rev-parse", "--verify", "-q", "HEAD"], target)
        if files == 0 or not commit:
            raise _empty_failure(shown, "The repository")
        branch = _git_text(["rev-parse", "--abbrev-ref", "HEAD"], target)
        if not branch or branch == "HEAD":
            branch = args.branch
        final = repos / name
        try:
            _install(target, final)
        except OSError as exc:
            failure = disk_full_from_oserror(exc, str(final))
            if failure:
                raise failure from None
            raise ToolFailure(
                FailureKind.internal, f"Could not move the clone into {final}: {exc.strerror or exc}.",
                details={"path": str(final)},
            ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CloneResult(
        repo_path=str(final), name=name, source=shown, source_type="git", commit=commit, branch=branch,
        dirty=False, files=files, bytes=size, duration_s=round(time.monotonic() - started, 3),
    )


def _copy_local(path: str, args: CloneArgs, name: str, ctx: ToolContext, started: float) -> CloneResult:
    src = Path(path)
    if not src.exists():
        raise ToolFailure(
            FailureKind.not_found,
            f"There is no file or folder at {src}.",
            hint="Check the path (or pass a git URL / 'owner/repo').",
            details={"source": str(src)},
        )
    if not src.is_dir():
        raise ToolFailure(
            FailureKind.invalid_input,
            f"{src} is a file, not a folder.",
            hint="Pass the repository's root folder.",
            details={"source": str(src)},
        )
    repos = ctx.workspace.repos
    final = repos / name
    src_real = src.resolve()
    if _inside(src_real, final.resolve()):
        raise ToolFailure(
            FailureKind.invalid_input,
            f"{src} is the workspace copy that would be replaced.",
            hint="Pass the original folder, or choose another name.",
            details={"source": str(src), "repo_path": str(final)},
        )
    # never copy the studio's own workspace into itself (e.g. when the source is a home folder)
    skip = {p for p in (ctx.workspace.root.resolve(),) if _inside(p, src_real)}

    inside_tree = _git_text(["rev-parse", "--is-inside-work-tree"], src) == "true"
    commit = _git_text(["rev-parse", "--verify", "-q", "HEAD"], src) if inside_tree else None
    listing = _git_listing(src, skip) if inside_tree else None
    if not listing:
        # not a working tree, git unavailable, or a folder its enclosing repository does not track
        inside_tree, commit = False, None
        listing = _plain_listing(src, skip)
    if not listing:
        raise _empty_failure(str(src), "The folder")
    if args.branch and inside_tree:
        current = _git_text(["rev-parse", "--abbrev-ref", "HEAD"], src)
        if current != args.branch:
            raise ToolFailure(
                FailureKind.invalid_input,
                f"{src} has '{current}' checked out, not '{args.branch}'.",
                hint=f"Check out '{args.branch}' there, or pass file://{src_real} as the source to clone "
                "that branch's committed state.",
                details={"source": str(src), "branch": args.branch, "checked_out": current},
            )
    elif args.branch:
        raise ToolFailure(
            FailureKind.invalid_input,
            f"{src} is not a git repository, so it has no branch '{args.branch}'.",
            hint="Leave the branch out for a plain folder.",
            details={"source": str(src), "branch": args.branch},
        )

    tmp = _new_temp_dir(repos, name)
    target = tmp / "repo"
    try:
        target.mkdir()
        skipped = _copy_listing(src, target, listing, args, ctx, skip)
        files, size = tree_stats(target)
        if files == 0:
            raise _empty_failure(str(src), "The folder")
        dirty = False
        branch: str | None = None
        if inside_tree and commit:
            source_type: SourceType = "local-git"
            status = _git_text(["status", "--porcelain", "--untracked-files=normal", "--", "."], src)
            dirty = bool(status)
            branch = _git_text(["rev-parse", "--abbrev-ref", "HEAD"], src)
            if branch == "HEAD":
                branch = None
        else:
            source_type = "local"
            commit = content_hash(target)
        try:
            _install(target, final)
        except OSError as exc:
            failure = disk_full_from_oserror(exc, str(final))
            if failure:
                raise failure from None
            raise ToolFailure(
                FailureKind.internal, f"Could not move the copy into {final}: {exc.strerror or exc}.",
                details={"path": str(final)},
            ) from None
    except OSError as exc:
        failure = disk_full_from_oserror(exc, str(target))
        if failure:
            raise failure from None
        raise ToolFailure(
            FailureKind.internal, f"Copying {src} failed: {exc.strerror or exc}.",
            details={"source": str(src)},
        ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CloneResult(
        repo_path=str(final), name=name, source=str(src), source_type=source_type, commit=commit,
        branch=branch, dirty=dirty, files=files, bytes=size, skipped_files=skipped,
        duration_s=round(time.monotonic() - started, 3),
    )


@tool("clone", tab="source")
def clone(args: CloneArgs, ctx: ToolContext) -> CloneResult:
    """Bring a repository into the workspace: clone a git URL or copy a local folder into repos/<name>.

    URLs are cloned shallowly (``depth``) with git and moved into place only after success; local folders
    are copied read-only (a git working tree as it is on disk, with HEAD's SHA and a ``dirty`` flag; a
    plain folder with a content hash).
    """
    started = time.monotonic()
    kind, where = normalize_source(args.source)
    name = safe_name(args.name) if args.name is not None else safe_name(_name_from_source(kind, where) or "repo")
    shown = _Secrets().scrub(redact_url(where)) if kind == "git" else where
    ctx.progress(stage="cloning", status="started", source=shown, name=name)
    if kind == "git":
        result = _clone_url(where, args, name, ctx, started)
    else:
        result = _copy_local(where, args, name, ctx, started)
    ctx.progress(stage="cloning", status="done", source=result.source, name=name, commit=result.commit,
                 files=result.files, bytes=result.bytes)
    return result
