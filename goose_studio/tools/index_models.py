"""The code index's data model (``.studio-index.json``) and its one loader, shared by ``index_code`` and
``generate_pairs``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ..errors import FailureKind, ToolFailure

INDEX_FILENAME = ".studio-index.json"
INDEX_SCHEMA_VERSION = 1

SymbolKind = Literal["module", "class", "function", "method"]


class Symbol(BaseModel):
    kind: SymbolKind
    name: str  # bare name, e.g. "parse"
    qualname: str  # dotted within the file, e.g. "Parser.parse"
    signature: str = ""  # the definition line(s) up to the body, e.g. "def parse(self, text: str) -> Tree:"
    docstring: str = ""  # cleaned docstring / leading doc comment ("" if none)
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    parent: str | None = None  # qualname of the enclosing class, if any
    decorators: list[str] = Field(default_factory=list)
    calls: list[str] = Field(default_factory=list)  # names called in the body (deduplicated, in order)
    is_test: bool = False  # a test function / test class


class FileIndex(BaseModel):
    path: str  # POSIX path relative to the repo root
    language: str  # tree-sitter language name: python, javascript, typescript, tsx, ...
    sha256: str  # of the file bytes; unchanged files are not re-parsed
    size: int
    lines: int
    module_docstring: str = ""
    imports: list[str] = Field(default_factory=list)  # imported module names / specifiers, in order
    symbols: list[Symbol] = Field(default_factory=list)
    is_test: bool = False  # test file by path/name convention
    parse_errors: int = 0  # count of ERROR nodes tree-sitter produced
    # modification time seen when the file was last hashed (0: not trusted). It lets a re-index skip
    # reading unchanged files; it depends on the checkout, not the content, so nothing built from the
    # index should read it.
    mtime_ns: int = 0


class SkippedFile(BaseModel):
    path: str
    reason: Literal["too_large", "binary", "unsupported_language", "unreadable"]
    size: int = 0


class CodeIndex(BaseModel):
    schema_version: int = INDEX_SCHEMA_VERSION
    repo_root: str
    files: list[FileIndex] = Field(default_factory=list)  # sorted by path
    skipped: list[SkippedFile] = Field(default_factory=list)  # sorted by path
    languages: dict[str, int] = Field(default_factory=dict)  # language -> file count
    skipped_total: int = 0  # all skipped files; ``skipped`` lists at most the first 500
    extractor_version: int = 0  # version of the extraction code that wrote the index (cache key)


def load_index(path: str | os.PathLike[str]) -> CodeIndex:
    """Read a code index: the index file itself, or a repository directory holding one.

    Raises ``ToolFailure``: ``not_found`` when there is no index, ``invalid_input`` when it cannot be read
    (permissions), ``corrupted`` when it is not a valid index or has another schema version.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        p = p / INDEX_FILENAME
    rebuild = "Rebuild it with the index_code tool (force=true)."
    details = {"path": str(p), "index_path": str(p)}
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ToolFailure(FailureKind.not_found, f"There is no code index at {p}.",
                          hint="Build it first with the index_code tool; it writes " + INDEX_FILENAME + ".",
                          details=details) from None
    except OSError as exc:
        raise ToolFailure(FailureKind.invalid_input, f"Could not read the code index {p}: {exc.strerror or exc}.",
                          hint="Check the file's permissions, or " + rebuild[0].lower() + rebuild[1:],
                          details=details) from None
    try:
        index = CodeIndex.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": str(exc)}
        where = ".".join(str(part) for part in first.get("loc", ())) or "(root)"
        raise ToolFailure(FailureKind.corrupted, f"The code index {p} is broken ({where}: {first['msg']}).",
                          hint=rebuild, details={**details, "errors": exc.error_count()}) from None
    except ValueError as exc:
        raise ToolFailure(FailureKind.corrupted, f"The code index {p} is not a valid index ({type(exc).__name__}).",
                          hint=rebuild, details=details) from None
    if index.schema_version != INDEX_SCHEMA_VERSION:
        raise ToolFailure(FailureKind.corrupted,
                          f"The code index {p} has schema version {index.schema_version}; this studio reads "
                          f"version {INDEX_SCHEMA_VERSION}.", hint=rebuild,
                          details={**details, "schema_version": index.schema_version})
    return index
