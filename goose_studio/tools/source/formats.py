"""What a file is (by name, then by its first bytes) and reading its text whatever its encoding.

:func:`classify` puts every file in one of these families: ``table`` (JSON, JSON Lines, CSV, TSV, Parquet:
read as records, used as pairs when they look like pairs), ``document`` (plain text, Markdown,
reStructuredText, AsciiDoc, HTML, PDF, DOCX), ``code`` (source files: every language the indexer reads
and other common ones), ``archive`` (ZIP), or ``other`` (skipped, with the reason). Files that hold
credentials by their nature (``.env``, keys, credential stores: the studio's one rule,
:func:`goose_studio.secrets.files.is_secret_file`) are ``other`` from their name alone, never read.

:func:`decode_text` reads bytes as UTF-8 (a byte-order mark removed), then UTF-16 when it starts with a
UTF-16 mark, then cp1252 and Latin-1, saying which fix it made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ...secrets.files import is_secret_file  # the studio's one rule for credential files
from ..code_index.languages import EXTENSIONS as INDEXED_EXTENSIONS

Family = Literal["table", "document", "code", "archive", "other"]

TABLE_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
                 ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet"}
TEXT_DOCUMENTS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".mdx": "markdown",
                  ".rst": "rst", ".adoc": "asciidoc", ".asciidoc": "asciidoc", ".org": "org"}
BINARY_DOCUMENTS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}
# Code the indexer does not parse, still worth placing beside the rest for PREPARE and for people.
OTHER_CODE = {".cs": "csharp", ".kt": "kotlin", ".kts": "kotlin", ".swift": "swift", ".php": "php",
              ".scala": "scala", ".lua": "lua", ".sh": "shell", ".bash": "shell", ".zsh": "shell",
              ".ps1": "powershell", ".sql": "sql", ".r": "r", ".jl": "julia", ".dart": "dart", ".ex": "elixir",
              ".exs": "elixir", ".erl": "erlang", ".hs": "haskell", ".ml": "ocaml", ".clj": "clojure",
              ".vue": "vue", ".svelte": "svelte", ".css": "css", ".scss": "scss", ".toml": "toml",
              ".yaml": "yaml", ".yml": "yaml", ".ini": "ini", ".cfg": "ini", ".xml": "xml", ".gradle": "gradle",
              ".tf": "terraform", ".proto": "protobuf", ".graphql": "graphql", ".zig": "zig", ".nim": "nim",
              ".m": "objc", ".mm": "objc", ".pl": "perl", ".pm": "perl", ".groovy": "groovy", ".vb": "vbnet",
              ".fs": "fsharp", ".cmake": "cmake", ".mk": "make"}
CODE_NAMES = {"Makefile": "make", "Dockerfile": "dockerfile", "CMakeLists.txt": "cmake", "Gemfile": "ruby",
              "Rakefile": "ruby", "Procfile": "procfile", "Justfile": "just"}
ARCHIVES = {".zip": "zip"}
# Formats people upload that the studio cannot read, with what to do instead.
KNOWN_UNSUPPORTED = {
    ".doc": "legacy Word .doc: save it as .docx", ".xls": "legacy Excel .xls: save it as .csv",
    ".xlsx": "Excel workbook: save the sheet as .csv", ".ppt": "PowerPoint: save it as .pdf",
    ".pptx": "PowerPoint: save it as .pdf", ".odt": "OpenDocument text: save it as .docx",
    ".rtf": "RTF: save it as .docx or .txt", ".epub": "e-book: convert it to .pdf or .txt",
    ".tar": "tar archive: pack it as .zip", ".gz": "gzip file: unpack it or pack it as .zip",
    ".tgz": "tar archive: pack it as .zip", ".7z": "7-Zip archive: pack it as .zip",
    ".rar": "RAR archive: pack it as .zip", ".bz2": "bzip2 file: unpack it first", ".xz": "xz file: unpack it first",
}
MEDIA = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg", ".ico", ".tif", ".tiff", ".mp3", ".wav",
         ".ogg", ".flac", ".mp4", ".mov", ".avi", ".mkv", ".webm", ".ttf", ".otf", ".woff", ".woff2", ".eot"}
BINARY_PROBE = 8192


@dataclass(frozen=True)
class FileType:
    family: Family
    format: str
    reason: str | None = None  # for "other": why it is skipped


def classify(path: Path, head: bytes = b"") -> FileType:
    """The family and format of ``path``; ``head`` (its first bytes) settles files without a known suffix."""
    name = path.name
    suffix = path.suffix.lower()
    if is_secret_file(path.as_posix()):
        return FileType("other", "secret", "a file that holds credentials (.env, keys): never read")
    if name in CODE_NAMES:
        return FileType("code", CODE_NAMES[name])
    if suffix in TABLE_FORMATS:
        return FileType("table", TABLE_FORMATS[suffix])
    if suffix in TEXT_DOCUMENTS:
        return FileType("document", TEXT_DOCUMENTS[suffix])
    if suffix in BINARY_DOCUMENTS:
        return FileType("document", BINARY_DOCUMENTS[suffix])
    if suffix in INDEXED_EXTENSIONS:
        return FileType("code", INDEXED_EXTENSIONS[suffix])
    if suffix in OTHER_CODE:
        return FileType("code", OTHER_CODE[suffix])
    if suffix in ARCHIVES:
        return FileType("archive", ARCHIVES[suffix])
    if suffix in KNOWN_UNSUPPORTED:
        return FileType("other", suffix.lstrip("."), f"unsupported format ({KNOWN_UNSUPPORTED[suffix]})")
    if suffix in MEDIA:
        return FileType("other", suffix.lstrip("."), "an image, sound, video or font: nothing to learn from as text")
    return _by_content(name, suffix, head)


def refused_by_name(name: str) -> str | None:
    """Why a file is left out from its name alone (credentials, media, formats the studio cannot read)."""
    suffix = Path(name).suffix.lower()
    if is_secret_file(name):  # name: a relative path
        return "a file that holds credentials (.env, keys): never read"
    if suffix in KNOWN_UNSUPPORTED:
        return f"unsupported format ({KNOWN_UNSUPPORTED[suffix]})"
    if suffix in MEDIA:
        return "an image, sound, video or font: nothing to learn from as text"
    return None


def _by_content(name: str, suffix: str, head: bytes) -> FileType:
    if head.startswith(b"%PDF-"):
        return FileType("document", "pdf")
    if head.startswith(b"PK\x03\x04"):
        return FileType("archive", "zip")
    if head.startswith(b"PAR1"):
        return FileType("table", "parquet")
    if head.startswith(b"#!"):
        return FileType("code", "script")
    if not head:
        return FileType("other", suffix.lstrip(".") or "empty", "empty file")
    if looks_binary(head):
        return FileType("other", suffix.lstrip(".") or "binary", "a binary file of unknown format")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return FileType("table", "json")
    if not suffix or name.upper().startswith(("README", "LICENSE", "CHANGELOG", "NOTICE", "CONTRIBUTING")):
        return FileType("document", "text")
    return FileType("other", suffix.lstrip("."), f"unknown format ({suffix})")


def looks_binary(head: bytes) -> bool:
    """NUL bytes (outside a UTF-16 text) or mostly control characters."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\0" in head:
        return True
    controls = sum(1 for b in head[:2048] if b < 9 or 13 < b < 32)
    return controls > max(8, len(head[:2048]) // 20)


def read_head(path: Path, size: int = BINARY_PROBE) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Text from bytes, and the fixes that took (a byte-order mark removed, another encoding used)."""
    fixes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), ["decoded as UTF-16"]
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        fixes.append("removed a byte-order mark")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
            fixes.append("not UTF-8: decoded as Windows-1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            fixes.append("not UTF-8: decoded as Latin-1")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
        fixes.append("removed NUL characters")
    return text, fixes


class Unreadable(Exception):
    """A file that cannot be used; the message is the reason shown for it (no traceback, no path)."""


class NotRecords(Unreadable):
    """A readable data file (JSON, a table) that holds neither records nor a conversation."""


def read_limited(path: Path, max_bytes: int) -> bytes:
    """A file's bytes; :class:`Unreadable` when it is larger than ``max_bytes`` or cannot be read."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise Unreadable(f"too large to read whole ({size} bytes; the limit is {max_bytes})")
        return path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"cannot be read ({exc.strerror or exc})") from None
