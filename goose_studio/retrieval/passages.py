"""The passages a core can look up: its code cut by symbol (from the code index) and its documents cut by
section.

Code: one passage per function, method and class (a class passage holds its header, docstring and
attributes up to its first method; each method has its own) and one per module (docstring, imports and
the names it defines). Documents: README and the other Markdown, reStructuredText, AsciiDoc and text
files, one passage per section (split at headings, long sections at paragraphs). Every passage says
where it comes from (path and lines). A line holding a secret-looking string is left out of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from ..tools.index_models import CodeIndex, FileIndex, Symbol

PassageKind = Literal["function", "method", "class", "module", "doc"]

MAX_LINES = 40  # longest code passage, in lines
MAX_CHARS = 1600  # longest passage text, in characters
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".txt")
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "vendor", "venv", ".venv", "__pycache__", "dist",
                       "build", "site-packages", ".tox", ".mypy_cache", ".pytest_cache", "target"})
SKIP_DOCS = re.compile(r"^(license|licence|copying|notice|authors|contributors|changelog|changes|history|requirements.*)"
                       r"(\.\w+)?$", re.IGNORECASE)
MAX_DOC_FILES = 2000
MAX_DOC_BYTES = 512 * 1024
SECRET_LINE = "<line left out: it holds a secret-looking value>"


class Passage(BaseModel):
    """One piece of the repository: its text, where it is, and what it is."""

    id: int
    kind: PassageKind
    path: str
    start_line: int
    end_line: int
    title: str  # the symbol's qualified name, or the document section's heading
    text: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}"


def _clean(lines: list[str]) -> tuple[list[str], int]:
    """The lines with each secret-looking one replaced by a note, and how many were replaced."""
    from ..tools.package.secrets import find_secrets  # the package's scanner (a module that imports nothing)

    out, hidden = [], 0
    for line in lines:
        if find_secrets(line):
            out.append(SECRET_LINE)
            hidden += 1
        else:
            out.append(line)
    return out, hidden


def _cap(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"


def _read_lines(root: Path, rel: str) -> list[str] | None:
    try:
        return (root / rel).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None


def _symbol_span(sym: Symbol, methods: list[Symbol]) -> tuple[int, int]:
    """The lines a symbol's passage covers: a class stops before its first method."""
    start, end = sym.start_line, sym.end_line
    if sym.kind == "class":
        inner = [m.start_line for m in methods if m.parent == sym.qualname and m.start_line > start]
        if inner:
            end = min(inner) - 1
    return start, min(end, start + MAX_LINES - 1)


_ASSIGNMENT = re.compile(r"^(export\s+)?(const\s+|let\s+|var\s+|static\s+|final\s+|pub\s+)*"
                         r"[A-Za-z_][\w.]*\s*(:[^=]{1,60})?=[^=]")


def top_level_lines(file: FileIndex, lines: list[str], limit: int = 20) -> list[str]:
    """Module-level assignments (constants, settings) outside every symbol: facts a question may ask for."""
    covered = set()
    for sym in file.symbols:
        if sym.kind != "module":
            covered.update(range(sym.start_line, sym.end_line + 1))
    out = []
    for n, line in enumerate(lines, 1):
        if n not in covered and line[:1] not in (" ", "\t") and _ASSIGNMENT.match(line):
            out.append(line.rstrip())
            if len(out) >= limit:
                break
    return out


def code_passages(file: FileIndex, lines: list[str]) -> Iterator[tuple[str, str, int, int, str, list[str]]]:
    """(kind, title, start, end, header, body lines) for one indexed file."""
    methods = [s for s in file.symbols if s.kind == "method"]
    names = [s.qualname for s in file.symbols if s.kind != "module" and not s.parent]
    top = top_level_lines(file, lines)
    if file.module_docstring or names or top:
        body = [file.module_docstring] if file.module_docstring else []
        if file.imports:
            body.append("imports: " + ", ".join(file.imports[:30]))
        if names:
            body.append("defines: " + ", ".join(names[:60]))
        body += top
        yield "module", file.path, 1, max(1, file.lines), f"module {file.path}", body
    for sym in file.symbols:
        if sym.kind == "module":
            continue
        start, end = _symbol_span(sym, methods)
        if start < 1 or start > len(lines):
            continue
        chunk = lines[start - 1:end]
        if end < sym.end_line and sym.kind != "class":
            chunk.append("    …")
        yield sym.kind, sym.qualname, start, min(end, len(lines)), f"{sym.kind} {sym.qualname}", chunk


def _sections(lines: list[str], suffix: str) -> Iterator[tuple[str, int, int]]:
    """(heading, first line, last line) of each section of a document (1-based lines)."""
    heads: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if suffix in (".md", ".markdown") and re.match(r"^#{1,6}\s+\S", line):
            heads.append((i, line.lstrip("#").strip()))
        elif suffix in (".adoc", ".asciidoc") and re.match(r"^={1,6}\s+\S", line):
            heads.append((i, line.lstrip("=").strip()))
        elif (suffix == ".rst" and i > 0 and lines[i - 1].strip() and len(line.strip()) >= 3
              and re.fullmatch(r"([=\-~^\"'`#*+])\1+", line.strip())):
            heads.append((i - 1, lines[i - 1].strip()))
    starts = [0] + [h for h, _ in heads if h > 0]
    titles = dict(heads)
    for n, start in enumerate(starts):
        end = (starts[n + 1] if n + 1 < len(starts) else len(lines)) - 1
        yield titles.get(start, ""), start + 1, end + 1


def _paragraph_chunks(lines: list[str], first: int) -> Iterator[tuple[int, int]]:
    """Cut a long section at blank lines into chunks of at most MAX_CHARS (1-based line numbers)."""
    start, size = 0, 0
    for i, line in enumerate(lines):
        size += len(line) + 1
        if size >= MAX_CHARS and not line.strip() and i > start:
            yield first + start, first + i
            start, size = i + 1, 0
    if start < len(lines):
        yield first + start, first + len(lines) - 1


def doc_files(root: Path) -> list[Path]:
    """The repository's document files (README, docs), in path order, at most MAX_DOC_FILES."""
    found: list[Path] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            continue
        if (path.suffix.lower() in DOC_SUFFIXES or path.name.lower().startswith("readme")) and not SKIP_DOCS.match(
                path.name) and path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_DOC_BYTES:
            found.append(path)
            if len(found) >= MAX_DOC_FILES:
                break
    return found


def doc_passages(root: Path, path: Path) -> Iterator[tuple[str, int, int, list[str]]]:
    """(title, start, end, lines) of each section of one document."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    name = path.relative_to(root).as_posix()
    for heading, start, end in _sections(lines, path.suffix.lower()):
        section = lines[start - 1:end]
        if not "".join(section).strip():
            continue
        for a, b in _paragraph_chunks(section, start):
            chunk = lines[a - 1:b]
            if "".join(chunk).strip():
                yield heading or name, a, b, chunk


def build_passages(repo_root: Path, index: CodeIndex) -> tuple[list[Passage], dict[str, int]]:
    """Every passage of the repository, and counts (per kind, and lines left out as secret-looking)."""
    root = repo_root.resolve()
    passages: list[Passage] = []
    hidden = 0

    def add(kind: str, path: str, start: int, end: int, title: str, header: str, body: list[str]) -> None:
        nonlocal hidden
        clean, n = _clean(body)
        hidden += n
        text = _cap(f"{header} ({path}:{start}-{end})\n" + "\n".join(clean).strip("\n"))
        passages.append(Passage(id=len(passages), kind=kind, path=path, start_line=start, end_line=end,  # type: ignore[arg-type]
                                title=title, text=text))

    for file in index.files:
        lines = _read_lines(root, file.path)
        if lines is None:
            continue
        for kind, title, start, end, header, body in code_passages(file, lines):
            add(kind, file.path, start, end, title, header, body)
    indexed = {f.path for f in index.files}
    for path in doc_files(root):
        rel = path.relative_to(root).as_posix()
        if rel in indexed:
            continue
        try:
            for title, start, end, chunk in doc_passages(root, path):
                add("doc", rel, start, end, title, f"doc {title}", chunk)
        except OSError:
            continue
    counts = {kind: sum(1 for p in passages if p.kind == kind) for kind in ("function", "method", "class", "module", "doc")}
    counts["secret_lines_left_out"] = hidden
    return passages, counts
