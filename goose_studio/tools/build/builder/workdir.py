"""The build folder: a copy of the app in the workspace, so that nothing ever builds in the user's folder.

``<workspace>/builds/<name>-<hash>/`` holds ``app/`` (the copy the sandbox gets as ``/app``), ``logs/`` and
the report. The folder's path depends only on the source path and the app's sub-folder, so the sandbox's
package cache (kept per app folder) serves the next build of the same source. Each build copies the
source afresh; only the dependency folders a previous build installed (:data:`KEPT`) stay, so that a
rebuild does not download them again. Version-control folders, dependency folders and caches of the
source are not copied; symbolic links are copied as links, and one that points outside the app is left out.

``app/.goose-studio/`` holds what the studio adds: ``bin/`` (small shims: ``python`` for the chosen
interpreter) and ``serve_static.py`` (a standard-library static file server with a single-page-app
fallback, for static sites and built front ends).
"""

from __future__ import annotations

import os
import shutil
import zlib
from pathlib import Path

from ....errors import FailureKind, ToolFailure, disk_full_from_oserror
from ....workspace import Workspace, slugify

SKIPPED = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox",
                     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".next", ".nuxt", ".turbo", ".parcel-cache",
                     ".goose-studio"})
KEPT = (".venv", "node_modules", ".goose-studio/tools")
STUDIO_DIR = ".goose-studio"
MAX_FILES = 60_000
MAX_BYTES = 2 * 1024**3

STATIC_SERVER = r'''"""A static file server for the sandbox (standard library only): PORT, the folder to serve, and
index.html for unknown paths without an extension (single-page apps)."""
import functools, http.server, os, sys

root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      **{ext: kind + "; charset=utf-8" for ext, kind in (
                          (".html", "text/html"), (".htm", "text/html"), (".css", "text/css"),
                          (".js", "text/javascript"), (".mjs", "text/javascript"), (".json", "application/json"),
                          (".svg", "image/svg+xml"), (".txt", "text/plain"))}}

    def send_head(self):
        path = self.translate_path(self.path)
        last = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if not os.path.exists(path) and "." not in last and os.path.exists(os.path.join(root, "index.html")):
            self.path = "/index.html"
        return super().send_head()


port = int(os.environ.get("PORT", "8080"))
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=root))
print("serving %s on port %d" % (root, port), flush=True)
server.serve_forever()
'''


def builds_root(ws: Workspace) -> Path:
    """Where build folders live (the only folders the build sandbox may be given)."""
    return ws.root / "builds"


def build_home(ws: Workspace, source: Path, app_root: str) -> Path:
    """The stable build folder of one app: named after it, keyed by its source path and sub-folder."""
    key = zlib.crc32(f"{source.resolve()}::{app_root}".encode())
    name = slugify(source.name if app_root in ("", ".") else f"{source.name}-{app_root}", "app")[:40]
    return builds_root(ws) / f"{name}-{key:08x}"


def _clear(app: Path) -> None:
    """Remove a previous copy, keeping the dependency folders of :data:`KEPT`."""
    if not app.exists():
        return
    kept = {app / k for k in KEPT}
    for top, dirs, files in os.walk(app, topdown=True):
        here = Path(top)
        for name in list(dirs):
            path = here / name
            if path in kept:
                dirs.remove(name)
            elif path.is_symlink():
                path.unlink()
                dirs.remove(name)
            elif not any(k.is_relative_to(path) for k in kept):
                shutil.rmtree(path, ignore_errors=True)
                dirs.remove(name)
        for name in files:
            (here / name).unlink(missing_ok=True)


def _inside(link: Path, target: str, root: Path) -> bool:
    where = Path(os.path.normpath(link.parent / target)) if not os.path.isabs(target) else Path(target)
    return where.is_relative_to(root)


def copy_app(source: Path, app: Path) -> tuple[int, int]:
    """Copy ``source`` into ``app`` (see the module's rules); the file count and bytes copied."""
    source = source.resolve()
    files = size = 0
    try:
        _clear(app)
        app.mkdir(parents=True, exist_ok=True)
        for top, dirs, names in os.walk(source):
            here = Path(top)
            rel = here.relative_to(source)
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
            dest_dir = app / rel
            dest_dir.mkdir(parents=True, exist_ok=True)
            for name in [*names, *[d for d in dirs if (here / d).is_symlink()]]:
                src = here / name
                dest = dest_dir / name
                if src.is_symlink():
                    target = os.readlink(src)
                    if _inside(src, target, source) and not dest.exists():
                        os.symlink(target, dest)
                    continue
                if not src.is_file():
                    continue
                files += 1
                size += src.stat().st_size
                if files > MAX_FILES or size > MAX_BYTES:
                    raise ToolFailure(FailureKind.unsupported, f"{source} is too large to build here "
                                      f"(more than {MAX_FILES} files or {MAX_BYTES // 1024**3} GiB).",
                                      hint="Point the build at the app's own folder.",
                                      details={"files": files, "bytes": size})
                shutil.copy2(src, dest)
            dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
    except OSError as exc:
        failure = disk_full_from_oserror(exc, str(app))
        if failure:
            raise failure from exc
        raise ToolFailure(FailureKind.build_failed, f"Could not copy {source} into the build folder: {exc}",
                          hint="Check that the folder is readable.", details={"source": str(source)}) from exc
    return files, size


def studio_dir(app: Path) -> Path:
    path = app / STUDIO_DIR
    (path / "bin").mkdir(parents=True, exist_ok=True)
    return path


def write_shims(app: Path, python: str | None) -> str:
    """Shims the plans' commands expect (``python`` for the chosen interpreter); their folder inside."""
    bin_dir = studio_dir(app) / "bin"
    if python:
        shim = bin_dir / "python"
        shim.write_text(f'#!/bin/sh\nexec {python} "$@"\n')
        shim.chmod(0o755)
    return f"/app/{STUDIO_DIR}/bin"


def write_static_server(app: Path) -> str:
    """The static server's path inside the sandbox."""
    path = studio_dir(app) / "serve_static.py"
    path.write_text(STATIC_SERVER)
    return f"/app/{STUDIO_DIR}/serve_static.py"
