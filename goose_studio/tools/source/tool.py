"""The ``clone`` tool (tab "source"): its arguments and result, and one path per kind of source.

:func:`clone` classifies the source (:mod:`.locate`) and hands it to the path for its kind: a git URL is
cloned with the real git (:mod:`.git`) into a temporary folder inside ``repos/`` and moved into place only
once the clone succeeded; a local folder is copied (:mod:`.copy`), the original only read.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Literal

from pydantic import BaseModel, Field

from ...errors import FailureKind, ToolFailure, disk_full_from_oserror
from ..registry import ToolContext, tool
from .copy import (content_hash, copy_listing, git_listing, inside, install, new_temp_dir, plain_listing,
                   prune_working_tree, tree_stats)
from .git import Secrets, classify_git_failure, git_env, git_text, run_git, stderr_tail
from ...redact import redact_url
from .locate import SourceKind, name_from_source, normalize_source, safe_name

SourceType = Literal["git", "local", "local-git"]


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


def _empty_failure(source: str, what: str) -> ToolFailure:
    return ToolFailure(
        FailureKind.insufficient_data,
        f"{what} {source} has no files to learn from.",
        hint="Pick a repository or folder that contains source code (and, for a git repository, at least "
        "one commit with files on the chosen branch).",
        details={"source": source, "files": 0},
    )


# ----------------------------------------------------------------------------------------------------------
# one path per kind of source


def os_failure(exc: OSError, where: Path, what: str, details: dict) -> ToolFailure:
    """A full disk as such; any other error writing ``where`` as an internal failure saying ``what``."""
    return disk_full_from_oserror(exc, str(where)) or ToolFailure(
        FailureKind.internal, f"{what}: {exc.strerror or exc}.", details=details)


def install_into(target: Path, final: Path, what: str) -> None:
    """Move the finished ``target`` to ``final`` (see :func:`install`), failures typed."""
    try:
        install(target, final)
    except OSError as exc:
        raise os_failure(exc, final, f"Could not move the {what} into {final}", {"path": str(final)}) from None


def _clone_url(url: str, args: CloneArgs, name: str, ctx: ToolContext, started: float) -> CloneResult:
    """Clone a git URL into repos/<name>; a previous copy is replaced only once the clone succeeded."""
    secrets = Secrets()
    env = git_env(url, secrets)
    shown = secrets.scrub(redact_url(url))
    repos = ctx.workspace.repos
    tmp = new_temp_dir(repos, name)
    target = tmp / "repo"
    argv = ["clone", "--single-branch", "--no-recurse-submodules"]
    if args.depth > 0:
        argv += ["--depth", str(args.depth)]
    if args.branch:
        argv += ["--branch", args.branch]
    argv += ["--", url, str(target)]
    try:
        try:
            proc = run_git(argv, env=env, timeout=args.timeout_s)
        except subprocess.TimeoutExpired as exc:
            err = secrets.scrub((exc.stderr or b"").decode("utf-8", "replace"))
            raise ToolFailure(
                FailureKind.timeout,
                f"Cloning {shown} did not finish within {args.timeout_s:g} s.",
                hint="Check the network and try again with a larger timeout_s, or clone it yourself and "
                "pass the local path.",
                details={"source": shown, "timeout_s": args.timeout_s, "stderr_tail": stderr_tail(err)},
            ) from None
        if proc.returncode != 0:
            err = secrets.scrub(proc.stderr.decode("utf-8", "replace"))
            raise classify_git_failure(err, proc.returncode, shown, args.branch)
        pruned = prune_working_tree(target)  # .env files, keys and links leaving the clone
        files, size = tree_stats(target)
        commit = git_text(["rev-parse", "--verify", "-q", "HEAD"], target)
        if files == 0 or not commit:
            raise _empty_failure(shown, "The repository")
        branch = git_text(["rev-parse", "--abbrev-ref", "HEAD"], target)
        if not branch or branch == "HEAD":
            branch = args.branch
        final = repos / name
        install_into(target, final, "clone")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CloneResult(
        repo_path=str(final), name=name, source=shown, source_type="git", commit=commit, branch=branch,
        dirty=False, files=files, bytes=size, skipped_files=pruned, duration_s=round(time.monotonic() - started, 3),
    )


def _copy_local(path: str, args: CloneArgs, name: str, ctx: ToolContext, started: float) -> CloneResult:
    """Copy a local folder (a git working tree or a plain folder) into repos/<name>, reading the original only."""
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
    if inside(src_real, final.resolve()):
        raise ToolFailure(
            FailureKind.invalid_input,
            f"{src} is the workspace copy that would be replaced.",
            hint="Pass the original folder, or choose another name.",
            details={"source": str(src), "repo_path": str(final)},
        )
    # never copy the studio's own workspace into itself (e.g. when the source is a home folder)
    skip = {p for p in (ctx.workspace.root.resolve(),) if inside(p, src_real)}

    inside_tree = git_text(["rev-parse", "--is-inside-work-tree"], src) == "true"
    commit = git_text(["rev-parse", "--verify", "-q", "HEAD"], src) if inside_tree else None
    listing = git_listing(src, skip) if inside_tree else None
    if not listing:
        # not a working tree, git unavailable, or a folder its enclosing repository does not track
        inside_tree, commit = False, None
        listing = plain_listing(src, skip)
    if not listing:
        raise _empty_failure(str(src), "The folder")
    if args.branch and inside_tree:
        current = git_text(["rev-parse", "--abbrev-ref", "HEAD"], src)
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

    tmp = new_temp_dir(repos, name)
    target = tmp / "repo"
    try:
        target.mkdir()
        skipped = copy_listing(
            src, target, listing, ctx, skip, max_files=args.max_files, max_bytes=args.max_bytes
        )
        files, size = tree_stats(target)
        if files == 0:
            raise _empty_failure(str(src), "The folder")
        dirty = False
        branch: str | None = None
        if inside_tree and commit:
            source_type: SourceType = "local-git"
            status = git_text(["status", "--porcelain", "--untracked-files=normal", "--", "."], src)
            dirty = bool(status)
            branch = git_text(["rev-parse", "--abbrev-ref", "HEAD"], src)
            if branch == "HEAD":
                branch = None
        else:
            source_type = "local"
            commit = content_hash(target)
        install_into(target, final, "copy")
    except OSError as exc:
        raise os_failure(exc, target, f"Copying {src} failed", {"source": str(src)}) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CloneResult(
        repo_path=str(final), name=name, source=str(src), source_type=source_type, commit=commit,
        branch=branch, dirty=dirty, files=files, bytes=size, skipped_files=skipped,
        duration_s=round(time.monotonic() - started, 3),
    )


# how each kind of source (see normalize_source) is brought into repos/
_PATHS: dict[SourceKind, Callable[[str, CloneArgs, str, ToolContext, float], CloneResult]] = {
    "git": _clone_url,
    "local": _copy_local,
}


@tool("clone", tab="source", open_world=True)
def clone(args: CloneArgs, ctx: ToolContext) -> CloneResult:
    """Bring a repository into the workspace: clone a git URL or copy a local folder into repos/<name>.

    URLs are cloned shallowly (``depth``) with git and moved into place only after success; local folders
    are copied read-only (a git working tree as it is on disk, with HEAD's SHA and a ``dirty`` flag; a
    plain folder with a content hash).
    """
    started = time.monotonic()
    kind, where = normalize_source(args.source)
    name = safe_name(args.name) if args.name is not None else safe_name(name_from_source(kind, where) or "repo")
    shown = Secrets().scrub(redact_url(where)) if kind == "git" else where
    ctx.progress(stage="cloning", status="started", source=shown, name=name)
    result = _PATHS[kind](where, args, name, ctx, started)
    ctx.progress(stage="cloning", status="done", source=result.source, name=name, commit=result.commit,
                 files=result.files, bytes=result.bytes)
    return result
