"""The code index's data model (``.studio-index.json``), shared by ``index_code`` and ``generate_pairs``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

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
