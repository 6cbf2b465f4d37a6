"""One secret detector for the whole studio.

:func:`scan` finds secrets in a piece of text and :func:`redact` replaces each with a placeholder such as
``<REDACTED:aws_access_key_id>``. Both work on in-memory text only, never on files, and report
:class:`Finding` objects (kind, line, offsets, a redacted preview), never the values themselves.
:func:`secret_values` gives the values found in a text, so that a caller can redact them again wherever
they reappear in other words (``known=``). :mod:`.files` tells files that hold credentials by their path.

This package imports nothing else from the studio, so every part of it (packaging, the sandbox, data
preparation) can use it.
"""

from __future__ import annotations

from .findings import Finding, Redacted, placeholder, preview
from .scanner import redact, scan, secret_values

__all__ = ["Finding", "Redacted", "placeholder", "preview", "redact", "scan", "secret_values"]
