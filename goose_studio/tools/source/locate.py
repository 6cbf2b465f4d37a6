"""Where a source is: classify a source string as a git URL or a local path, and derive folder names.

Recognised git sources: ``https://``, ``http://``, ``ssh://``, ``git://`` and ``file://`` URLs, scp-like
``user@host:path``, a hosted ``github.com/owner/repo`` (and GitLab, Bitbucket, Codeberg) without a scheme,
and the GitHub shorthand ``owner/repo``. Anything else is a local path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from ...errors import FailureKind, ToolFailure

SourceKind = Literal["git", "local"]

_URL_SCHEMES = ("https://", "http://", "ssh://", "git://", "file://")
_SCP_LIKE_RE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!//)\S+$")
_SHORTHAND_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]+$")
_HOSTED_NO_SCHEME_RE = re.compile(r"^(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)/[^/\s]+/[^/\s]+/?$")
# the ``user[:password]@`` part of a URL, wherever it appears in a text


def normalize_source(source: str) -> tuple[SourceKind, str]:
    """Classify a source string: ``("git", url)`` or ``("local", absolute_path)``.

    An existing local path wins over the ``owner/repo`` shorthand; anything that is neither a URL nor a
    shorthand is returned as a local path (which may not exist: the caller reports that).
    """
    text = (source or "").strip()
    if not text:
        raise ToolFailure(
            FailureKind.invalid_input,
            "The source is empty.",
            hint="Pass a git URL, 'owner/repo', or the path of a local directory.",
        )
    lowered = text.lower()
    if lowered.startswith(_URL_SCHEMES):
        return "git", text.rstrip("/") if not lowered.startswith("file://") else text
    if _SCP_LIKE_RE.match(text):
        return "git", text
    if _HOSTED_NO_SCHEME_RE.match(text):
        return "git", "https://" + text.rstrip("/")
    if text.startswith(("/", "./", "../", "~")) or text in (".", ".."):
        return "local", str(Path(text).expanduser().resolve())
    if Path(text).expanduser().exists():
        return "local", str(Path(text).expanduser().resolve())
    if _SHORTHAND_RE.match(text):
        owner, repo = text.split("/")
        repo = repo[:-4] if repo.endswith(".git") else repo
        return "git", f"https://github.com/{owner}/{repo}.git"
    return "local", str(Path(text).expanduser().resolve())


def name_from_source(kind: SourceKind, where: str) -> str:
    """The folder name a source suggests: a local folder's name, or a URL's last path part without ``.git``."""
    if kind == "local":
        base = Path(where).name
    else:
        path = where
        if "://" in path:
            path = urlsplit(path).path
        elif _SCP_LIKE_RE.match(path):
            path = path.split(":", 1)[1]
        base = path.rstrip("/").rsplit("/", 1)[-1]
        if base.endswith(".git"):
            base = base[:-4]
    return base


def safe_name(name: str) -> str:
    """A safe single folder name: path separators and '.'/'..' are refused, the rest is slugged."""
    raw = name.strip()
    if not raw or "/" in raw or "\\" in raw or "\x00" in raw or raw in (".", ".."):
        raise ToolFailure(
            FailureKind.invalid_input,
            f"'{name}' is not a usable folder name.",
            hint="Pass a plain name such as 'my-repo' (no '/', '\\' or '..').",
            details={"name": name},
        )
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-.")
    slug = re.sub(r"\.{2,}", ".", slug)[:80].strip("-.")
    if not slug:
        raise ToolFailure(
            FailureKind.invalid_input,
            f"'{name}' is not a usable folder name.",
            hint="Use letters, digits, '-', '_' or '.'.",
            details={"name": name},
        )
    return slug
