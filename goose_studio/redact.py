"""Credentials out of what the studio shows or logs: a URL's ``user:password@`` part."""

from __future__ import annotations

import re

URL_USERINFO_RE = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")


def redact_url(url: str) -> str:
    """The URL without any user:password@ part."""
    return URL_USERINFO_RE.sub(lambda m: m.group("scheme"), url)
