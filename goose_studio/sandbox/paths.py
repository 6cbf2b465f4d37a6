"""Which folders a sandbox may be given, whose they are inside it, and what a program left in them.

:func:`check_app_dir` refuses an app folder that is a symlink, is missing, or lies outside the allowed
roots (by default the workspace's ``repos/``). When the studio runs as root the sandboxed code runs as an
unprivileged uid of its own, one per app folder (:func:`sandbox_identity`), and the folders it may write
are handed to that uid (:func:`hand_over`, which also gives a file hard-linked from outside a copy of
its own, so that writing it in the sandbox cannot change the file outside). :func:`escaping_links` lists symlinks a program left in the
app folder that point outside it, so that nothing reading the folder later follows them blindly.
"""

from __future__ import annotations

import os
import shutil
import stat
import zlib
from pathlib import Path
from typing import Iterable

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.workspace import default_home

#: uids given to sandboxed code when the studio runs as root: SANDBOX_UID_BASE + a hash of the app folder.
SANDBOX_UID_BASE = 1_700_000_000
SANDBOX_UID_SPAN = 1_000_000


def default_roots() -> tuple[Path, ...]:
    """Where app folders may live unless the caller names other roots: the workspace's ``repos/``."""
    return (default_home() / "repos",)


def check_app_dir(app_dir: Path | str, roots: Iterable[Path | str]) -> Path:
    """The app folder, resolved, once it is known to be a real folder strictly inside an allowed root."""
    given = Path(app_dir).expanduser()
    if not given.is_absolute():
        given = Path.cwd() / given
    details = {"app_dir": str(given)}
    if given.is_symlink():
        raise ToolFailure(FailureKind.invalid_input, f"The app folder {given} is a symlink.",
                          hint="Give the real folder, not a link to it.", details=details)
    if not given.is_dir():
        raise ToolFailure(FailureKind.not_found, f"The app folder {given} does not exist.",
                          hint="Clone or copy the project first.", details=details)
    real = given.resolve()
    resolved_roots = [Path(r).expanduser().resolve() for r in roots]
    for root in resolved_roots:
        if real != root and real.is_relative_to(root):
            return real
    raise ToolFailure(
        FailureKind.invalid_input,
        f"The app folder {given} is outside the folders the sandbox may use.",
        hint="Sandboxed code runs only in a folder under the studio workspace's repos/ (or a root the "
             "caller allows explicitly).",
        details={**details, "resolved": str(real), "allowed_roots": [str(r) for r in resolved_roots]},
    )


def check_extra_dir(path: Path | str, what: str) -> Path:
    """A folder given for read-write use (a cache): it must exist, or be creatable, and not be a symlink."""
    p = Path(path).expanduser()
    if p.is_symlink():
        raise ToolFailure(FailureKind.invalid_input, f"The {what} folder {p} is a symlink.",
                          details={"path": str(p)})
    p.mkdir(parents=True, exist_ok=True)
    return p.resolve()


def runs_as_root() -> bool:
    return os.geteuid() == 0


def sandbox_identity(app_dir: Path) -> tuple[int, int]:
    """The uid and gid sandboxed code of ``app_dir`` runs as: its own when the studio runs as root,
    otherwise the studio's user (then an unprivileged user namespace keeps its process count apart)."""
    if not runs_as_root():
        return os.getuid(), os.getgid()
    uid = SANDBOX_UID_BASE + zlib.crc32(str(app_dir).encode()) % SANDBOX_UID_SPAN
    return uid, uid


def hand_over(path: Path, uid: int, gid: int) -> int:
    """Make ``path`` safe to bind writable into a sandbox, and give it to ``uid``; the entries changed.

    A regular file with a hard link outside ``path`` would let the sandbox write the file outside too
    (it is the same inode), so each such file is replaced by a copy of its own first. When the studio
    runs as root, every entry (links not followed) is then handed to the sandbox user; files already
    owned by it are left as they are, so a second run over a large tree costs one walk.
    """
    root = runs_as_root()
    changed = 0
    linked: dict[tuple[int, int], list[str]] = {}
    nlinks: dict[tuple[int, int], int] = {}
    for top, dirs, files in os.walk(path):
        for name in [None, *dirs, *files]:
            p = top if name is None else os.path.join(top, name)
            try:
                st = os.lstat(p)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
                key = (st.st_dev, st.st_ino)
                linked.setdefault(key, []).append(p)
                nlinks[key] = st.st_nlink
            if root and (st.st_uid != uid or st.st_gid != gid):
                os.lchown(p, uid, gid)
                changed += 1
    for key, paths in linked.items():
        if len(paths) < nlinks[key]:  # some link lives outside the tree
            for p in paths:
                tmp = f"{p}.gsx-copy"
                shutil.copy2(p, tmp)
                if root:
                    os.lchown(tmp, uid, gid)
                os.replace(tmp, p)
                changed += 1
    return changed


def escaping_links(app_dir: Path, limit: int = 20, max_entries: int = 200_000) -> list[str]:
    """Symlinks under ``app_dir`` whose targets resolve outside it (relative to the folder), at most
    ``limit`` of them; the walk stops after ``max_entries`` entries."""
    root = app_dir.resolve()
    found: list[str] = []
    seen = 0
    for top, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            seen += 1
            p = Path(top) / name
            if not p.is_symlink():
                continue
            target = os.readlink(p)
            where = Path(os.path.normpath(p.parent / target)) if not os.path.isabs(target) else Path(target)
            if where != root and not where.is_relative_to(root):
                found.append(f"{p.relative_to(root)} -> {target}")
                if len(found) >= limit:
                    return found
        if seen >= max_entries:
            break
    return found


def synth_etc_files(uid: int, gid: int, home: str) -> dict[str, str]:
    """The /etc/passwd, /etc/group and /etc/hosts a sandbox sees: its one user, its group, localhost."""
    return {
        "passwd": f"root:x:0:0:root:/nonexistent:/usr/sbin/nologin\napp:x:{uid}:{gid}:app:{home}:/bin/sh\n"
                  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "group": f"root:x:0:\napp:x:{gid}:\nnogroup:x:65534:\n",
        "hosts": "127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost\n",
    }
