"""The ``goose-studio`` command line: learn, runs, cores, validate, serve, doctor, tools, mcp, ...

Each module of this package adds the commands of one area to the app (a new area is a new module).

Failures reach the user as a typed message (what failed, why, what to do, how to resume) and a non-zero
exit code; tracebacks go to a log file, never to the terminal.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from ..errors import internal_failure
from ..workspace import Workspace
from .common import EXIT_FAILED, EXIT_INTERRUPTED, app, err, show_failure

#: Modules of this package that hold no commands; every other module adds its commands to the app.
_HELPERS = {"common", "params", "view", "__main__"}
for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: (m.name != "runs", m.name)):
    if _module.name not in _HELPERS:
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["app", "main"]


def main() -> None:
    """Console entry: the app, with any unexpected error turned into a message (traceback to a log file)."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for the report
        import tempfile
        from pathlib import Path

        log = Path(tempfile.gettempdir()) / "goose-studio-error.log"
        try:
            log = Workspace.from_env().root / "logs" / "error.log"
        except OSError:
            pass
        show_failure(internal_failure(exc, log, "command"))
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":  # pragma: no cover
    main()
