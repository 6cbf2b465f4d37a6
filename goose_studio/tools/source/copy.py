"""Copying a local folder for the clone tool, and measuring trees.

What is copied: for a git working tree, the tracked and untracked-but-not-ignored files as they are on
disk (a submodule or nested repository under the plain rules); for a plain folder, every file except VCS
folders, dependency folders, virtual environments and caches (:data:`EXCLUDED_DIRS`). Files that hold
credentials by their nature (``.env``, keys, ``.pypirc``…: :func:`goose_studio.secrets.files.holds_secrets`)
are never listed, so never read nor copied. Symbolic links are copied as links, never followed, and a link
that points outside the source tree is left out. The copy is built in a temporary folder next to its final
place and moved there by :func:`install`. A git clone's working tree gets the same rules afterwards
(:func:`prune_working_tree`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

from ...errors import FailureKind, ToolFailure, disk_full_from_oserror
from ...secrets.files import holds_secrets
from ..registry import ToolContext
from .git import run_git

# Folders never copied from a plain (non-git) local directory.
EXCLUDED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv",
        ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    }
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


def plain_listing(src: Path, skip: set[Path]) -> list[str]:
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
            rel = Path(dirpath, f).relative_to(src).as_posix()
            if not holds_secrets(rel, Path(dirpath, f)):
                out.append(rel)
    return out


def git_listing(src: Path, skip: set[Path]) -> list[str] | None:
    """Tracked plus untracked-not-ignored files of a working tree, as on disk; None if git cannot say."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = run_git(["ls-files", "-co", "--exclude-standard", "-z"], cwd=src, env=env, timeout=120)
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
            out.extend(f"{rel}/{sub}" for sub in plain_listing(full, skip))
        elif holds_secrets(rel, full):
            continue  # .env, keys, credential stores: never read nor copied
        elif full.is_symlink() or full.exists():
            out.append(rel)  # tracked files deleted from the working tree are left out
    return out


def inside(path: Path, root: Path) -> bool:
    """Whether path is root or lies under it (paths compared as given, not resolved)."""
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def copy_listing(
    src: Path, dest: Path, listing: list[str], ctx: ToolContext, skip: set[Path], *, max_files: int, max_bytes: int
) -> int:
    """Copy the listed files into dest (which exists); returns how many were left out.

    Refuses (invalid_input) a listing over max_files files or max_bytes bytes, and (disk_full) one larger than
    the free space; reports progress about ten times along the way.
    """
    src_real = src.resolve()
    entries: list[tuple[str, Path, int]] = []
    total = 0
    for rel in listing:
        full = src / rel
        if any(inside(full, s) for s in skip):
            continue
        try:
            st = full.lstat()
        except OSError:
            continue
        size = st.st_size if stat.S_ISREG(st.st_mode) else 0
        entries.append((rel, full, size))
        total += size
    if len(entries) > max_files or total > max_bytes:
        raise ToolFailure(
            FailureKind.invalid_input,
            f"{src} is too large to copy: {len(entries)} files, {total} bytes "
            f"(limits: {max_files} files, {max_bytes} bytes).",
            hint="Point the source at the sub-folder that holds the code, or raise max_files / max_bytes.",
            details={"files": len(entries), "bytes": total, "max_files": max_files, "max_bytes": max_bytes},
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
                if not inside(resolved, src_real):
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


def prune_working_tree(root: Path) -> int:
    """Remove from a fresh clone's working tree (``.git`` aside) the files that hold credentials and the
    symbolic links that point outside it; returns how many were removed. Links are never followed."""
    root_real = root.resolve()
    removed = 0
    for rel, full in list(_walk_tree(root)):
        path = Path(full)
        if path.is_symlink():
            if inside((path.parent / os.readlink(path)).resolve(), root_real) and not holds_secrets(rel, path):
                continue
        elif not holds_secrets(rel, path):
            continue
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass
    return removed


# ----------------------------------------------------------------------------------------------------------
# placing the result


def new_temp_dir(repos: Path, name: str) -> Path:
    """A fresh temporary folder inside repos (created if needed) for building the copy called name."""
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


def install(new: Path, final: Path) -> None:
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
