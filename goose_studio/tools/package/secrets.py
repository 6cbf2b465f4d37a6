"""Secret-looking strings in a package's text files, reported redacted, never in full.

The detection is the studio's one secret detector, :mod:`goose_studio.secrets` (well-known token formats,
the ``detect-secrets`` plugins, private keys, URL credentials, credential and high-entropy assignments);
this module keeps the packaging side's view of it: ``(kind, preview)`` pairs.
"""

from __future__ import annotations

from ...secrets import preview, scan
from ...secrets.values import is_placeholder

__all__ = ["find_secrets", "is_placeholder", "redact"]


def redact(text: str) -> str:
    """A stand-in for ``text`` in reports: its first characters and length (:func:`goose_studio.secrets.preview`)."""
    return preview(text)


def find_secrets(text: str, where: str = "") -> list[tuple[str, str]]:
    """Secret-looking strings in ``text`` as (kind, redacted preview); ``where`` is the file it comes from."""
    return [(f.kind, f.preview) for f in scan(text, where=where)]
