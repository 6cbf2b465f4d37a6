"""Example repositories bundled with Goose Studio.

The folders next to this module are plain source trees used as data: the demo
reads them to generate training examples without needing network access. They
are not importable subpackages of :mod:`goose_studio`.
"""

from __future__ import annotations

import pathlib

EXAMPLES: tuple[str, ...] = ("minitask",)

_HERE = pathlib.Path(__file__).resolve().parent


def example_path(name: str = "minitask") -> pathlib.Path:
    """Return the folder of a bundled example repository.

    Args:
        name: Name of the example, one of :data:`EXAMPLES`.

    Returns:
        The absolute path of the example's root folder.

    Raises:
        FileNotFoundError: If no example with that name is shipped with this
            installation.
    """
    path = _HERE / name
    if name not in EXAMPLES or not path.is_dir():
        known = ", ".join(EXAMPLES)
        raise FileNotFoundError(
            f"bundled example {name!r} not found at {path} (known examples: {known})"
        )
    return path
