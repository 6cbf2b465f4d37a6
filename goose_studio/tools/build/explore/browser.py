"""Headless Chromium through Playwright: finding both, and launching the browser the explorer drives.

The browser is Debian's ``chromium`` (Playwright's own browser downloads are not used), started by its
executable path, headless, with a fresh profile folder of its own and the flags in :data:`CHROMIUM_ARGS`
(no sandbox of Chromium's own, no GPU, no QUIC, no first-run, background-networking, component-update
or sync traffic). A missing Playwright package or Chromium binary is a ``missing_dependency`` failure
whose hint is the line that installs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ....errors import FailureKind, ToolFailure

PLAYWRIGHT_PIN = "playwright==1.65.2"
PLAYWRIGHT_INSTALL = f".venv/bin/pip install '{PLAYWRIGHT_PIN}'"
CHROMIUM_INSTALL = "apt-get install -y chromium"
CHROMIUM_ENV = "GOOSE_STUDIO_CHROMIUM"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "/usr/bin/chromium", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def sync_playwright() -> Any:
    """Playwright's ``sync_playwright`` entry point, or a ``missing_dependency`` failure."""
    try:
        from playwright.sync_api import sync_playwright as entry
    except ImportError as exc:
        raise ToolFailure(
            FailureKind.missing_dependency,
            "Playwright's Python package is not installed, so the running app cannot be explored.",
            hint=f"Install it: {PLAYWRIGHT_INSTALL}",
            details={"package": "playwright", "install": PLAYWRIGHT_INSTALL, "error": str(exc)},
        ) from None
    return entry


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium executable: ``explicit``, ``$GOOSE_STUDIO_CHROMIUM``, or Debian's ``chromium`` on PATH."""
    wanted = explicit or os.environ.get(CHROMIUM_ENV)
    candidates = (wanted,) if wanted else CHROMIUM_CANDIDATES
    for name in candidates:
        found = shutil.which(name) if name else None
        if found:
            return found
    raise ToolFailure(
        FailureKind.missing_dependency,
        f"Chromium is not installed{f' at {wanted}' if wanted else ''}, so the running app cannot be explored.",
        hint=f"Install Debian's Chromium (as root): {CHROMIUM_INSTALL}"
        + (f", or point {CHROMIUM_ENV} at a Chromium executable." if not wanted else "."),
        details={"binary": "chromium", "install": CHROMIUM_INSTALL, "looked_for": list(candidates)},
    )


def stop_browser(profile: Path) -> int:
    """Kill the Chromium processes started on ``profile`` (found by their ``--user-data-dir``); how many."""
    marker = f"--user-data-dir={profile}".encode()
    killed = 0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker in args:
            try:
                os.kill(int(proc.name), signal.SIGKILL)
                killed += 1
            except OSError:
                pass
    return killed


@contextmanager
def chromium_context(executable: str, viewport: tuple[int, int], stop_at: float | None = None) -> Iterator[Any]:
    """A headless Chromium browser context on a fresh profile folder, closed (and the folder removed) after.

    ``stop_at`` (a ``time.monotonic()`` value) is a last resort: a page whose script never ends can leave a
    Playwright call waiting for ever, so the browser is killed if it is still open then, and the calls
    waiting on it fail.
    """
    entry = sync_playwright()
    profile = Path(tempfile.mkdtemp(prefix="goose-chromium-"))
    watchdog = None
    if stop_at is not None:
        watchdog = threading.Timer(max(0.0, stop_at - time.monotonic()), stop_browser, args=(profile,))
        watchdog.daemon = True
    try:
        with entry() as pw:
            try:
                context = pw.chromium.launch_persistent_context(
                    str(profile), executable_path=executable, headless=True, args=list(CHROMIUM_ARGS),
                    viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=False,
                    service_workers="block",
                )
            except Exception as exc:  # Playwright raises its own Error type for a browser that will not start
                raise ToolFailure(
                    FailureKind.missing_dependency,
                    f"Chromium at {executable} did not start: {str(exc).splitlines()[0] if str(exc) else exc!r}",
                    hint=f"Check that it runs (`{executable} --headless --version`), or reinstall it: "
                    f"{CHROMIUM_INSTALL}",
                    details={"binary": executable, "install": CHROMIUM_INSTALL},
                ) from None
            if watchdog is not None:
                watchdog.start()
            try:
                yield context
            finally:
                if watchdog is not None:
                    watchdog.cancel()
                try:
                    context.close()
                except Exception:  # already gone: the watchdog stopped it
                    pass
    finally:
        shutil.rmtree(profile, ignore_errors=True)
