"""Secret-looking strings in text: well-known token formats, private key headers and credential assignments.

This module stands alone (it imports nothing else from the studio), so any part of the studio can scan a
piece of text with :func:`find_secrets`. Matches are reported redacted, never in full.
"""

from __future__ import annotations

import re

SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws_access_key_id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("github_fine_grained_token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}")),
    ("openai_api_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}")),
    ("huggingface_token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("private_key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
)
# A credential assignment is found in two steps (keyword, then what follows it) so that long runs of word
# characters cannot make the search quadratic.
_CREDENTIAL_KEYWORD = re.compile(
    r"(?i)password|passwd|passphrase|api[_-]?key|access[_-]?token|auth[_-]?token|secret[_-]?key|"
    r"client[_-]?secret|private[_-]?key"
)
_CREDENTIAL_VALUE = re.compile(
    r"""[\w.-]{0,40}\\?["']?[ \t]{0,8}[:=][ \t]{0,8}\\?["'](?P<value>[^"'\s\\]{12,})\\?["']"""
)
_PLACEHOLDER_HINTS = ("your", "example", "changeme", "placeholder", "dummy", "redacted", "xxxx", "****", "...")


def is_placeholder(value: str) -> bool:
    """Whether an assigned value looks like a stand-in (``your-key``, ``<token>``, ``$VAR``, ``xxxx``…)."""
    low = value.lower()
    if any(h in low for h in _PLACEHOLDER_HINTS):
        return True
    if value[:1] in "<{$%" or len(set(value)) <= 2:
        return True
    return False


def redact(text: str) -> str:
    """The first four characters of ``text`` and its length, for reporting a match without revealing it."""
    return f"{text[:4]}…({len(text)} chars)"


def find_secrets(text: str) -> list[tuple[str, str]]:
    """Secret-looking strings in ``text`` as (pattern name, redacted match)."""
    found: list[tuple[str, str]] = []
    for name, pattern in SECRET_PATTERNS:
        for m in pattern.finditer(text):
            if name == "private_key":
                found.append((name, m.group(0)[:30] + "…"))
            else:
                found.append((name, redact(m.group(0))))
    for key in _CREDENTIAL_KEYWORD.finditer(text):
        m = _CREDENTIAL_VALUE.match(text, key.end())
        if m and not is_placeholder(m.group("value")):
            found.append(("credential_assignment", redact(m.group("value"))))
    return found
