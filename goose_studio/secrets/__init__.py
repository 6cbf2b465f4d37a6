"""One secret detector for the whole studio.

:func:`scan` finds secrets in a piece of text and :func:`redact` replaces each with a placeholder such as
``<REDACTED:aws_access_key_id>``. Both work on in-memory text only, never on files, and report
:class:`Finding` objects (kind, line, offsets, a redacted preview), never the values themselves.
:func:`secret_values` gives the values found in a text, so that a caller can redact them again wherever
they reappear in other words (``known=``). :mod:`.files` tells files that hold credentials by their path.

Rules, in :mod:`.scanner`'s order: values the caller names, private key blocks (:mod:`.contexts`), the
studio's token formats (:mod:`.tokens`), the regular-expression plugins of ``detect-secrets``
(:mod:`.plugins`), credentials in URLs and authorization headers (:mod:`.contexts`) and credential or
high-entropy assignments (:mod:`.assignments`); placeholders and obvious examples (``your-api-key``,
``xxxx``, ``changeme``, ``<token>``) are not secrets (:mod:`.values`).

This package imports nothing else from the studio, so every part of it (packaging, the sandbox, data
preparation, SOURCE) can use it.
"""

from __future__ import annotations

from .findings import Finding, Redacted, placeholder, preview
from .scanner import redact, scan, secret_values

__all__ = ["Finding", "Redacted", "placeholder", "preview", "redact", "scan", "secret_values"]
