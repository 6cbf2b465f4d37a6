"""The repository's documentation: README, ``docs/`` and other prose files, read into sections of blocks.

Files: ``README*`` anywhere outside ignored folders, everything under a ``doc``/``docs`` folder, and
top-level prose files (``*.md``, ``*.rst``, ``*.adoc``, ``*.txt``), licences and dependency lists left out.
Symbolic links are followed only when they stay inside the repository; ``.env`` files, key files and
hidden folders are never read; a file that is too large, binary or unreadable is skipped with its reason.

Formats: Markdown (ATX and setext headings, fenced code, pipe tables, lists), reStructuredText (underlined
headings, ``::`` literal blocks and code directives, grid and simple tables, field and bullet lists),
AsciiDoc (``=`` headings, ``----`` blocks, ``|===`` tables) and plain text (underlined or upper-case
headings). Inline markup is reduced to plain text with code kept in backticks.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_DOC_FILES = 200
MAX_DOC_BYTES = 256 * 1024
MAX_DOC_TOTAL = 4 * 1024 * 1024
_DOC_DIRS = ("doc", "docs", "documentation", "guide", "guides", "manual")
_PROSE_EXTS = (".md", ".markdown", ".rst", ".adoc", ".asciidoc", ".txt", ".mdx")
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "build", "dist", "target", "vendor",
                        "_build", "htmlcov", "coverage"})
_SKIP_NAMES = re.compile(r"^(licen[cs]e|copying|notice|authors|contributors|code_of_conduct|security|"
                         r"requirements.*|constraints.*|cmakelists|robots|third[-_]party.*)(\.\w+)?$", re.I)
_SECRET_NAMES = re.compile(r"^(\.env.*|.*\.(pem|key|p12|pfx|jks|keystore)|id_(rsa|dsa|ecdsa|ed25519).*|\.netrc|"
                           r"\.npmrc|\.pypirc|credentials.*)$", re.I)


@dataclass
class Block:
    kind: str  # "text" | "list" | "table" | "code"
    start: int
    end: int
    text: str = ""  # a paragraph's plain text
    items: list[str] = field(default_factory=list)  # list items
    rows: list[list[str]] = field(default_factory=list)  # table rows, the header first
    lang: str = ""  # a code block's language
    lines: list[str] = field(default_factory=list)  # a code block's lines


@dataclass
class Section:
    title: str  # "" for the text before the first heading
    level: int
    start: int
    end: int
    trail: list[str]  # the titles of the enclosing sections, outermost first
    blocks: list[Block] = field(default_factory=list)


@dataclass
class DocFile:
    path: str
    fmt: str  # "markdown" | "rst" | "asciidoc" | "text"
    title: str
    sections: list[Section]


def find_doc_files(root: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """The documentation files under ``root`` (sorted), and the skipped ones with their reasons."""
    root = root.resolve()
    found: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS
                             and not d.endswith(".egg-info"))
        in_docs = any(part.lower() in _DOC_DIRS for part in rel_dir.parts)
        for name in sorted(filenames):
            rel = (rel_dir / name).as_posix()
            lower = name.lower()
            if _SECRET_NAMES.match(name):
                continue  # never read, not even listed with a reason that shows its name's content
            readme = lower.startswith("readme")
            prose = lower.endswith(_PROSE_EXTS)
            if not (readme or (prose and (in_docs or rel_dir == Path(".")))):
                continue
            if _SKIP_NAMES.match(name):
                continue
            path = Path(dirpath) / name
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    skipped.append((rel, "broken_link"))
                    continue
                if root not in target.parents:
                    skipped.append((rel, "link_outside_repository"))
                    continue
            found.append(path)
    found.sort(key=lambda p: (0 if p.name.lower().startswith("readme") and p.parent == root else 1, str(p)))
    if len(found) > MAX_DOC_FILES:
        skipped += [(p.relative_to(root).as_posix(), "too_many_files") for p in found[MAX_DOC_FILES:]]
        found = found[:MAX_DOC_FILES]
    return found, skipped


def read_doc_files(root: Path) -> tuple[list[DocFile], list[tuple[str, str]]]:
    """Every documentation file parsed into sections, and the files skipped with their reasons."""
    root = root.resolve()
    paths, skipped = find_doc_files(root)
    out: list[DocFile] = []
    total = 0
    for path in paths:
        rel = path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
        except OSError:
            skipped.append((rel, "unreadable"))
            continue
        if len(data) > MAX_DOC_BYTES:
            skipped.append((rel, "too_large"))
            continue
        if b"\x00" in data[:4096]:
            skipped.append((rel, "binary"))
            continue
        total += len(data)
        if total > MAX_DOC_TOTAL:
            skipped.append((rel, "too_much_documentation"))
            continue
        text = data.decode("utf-8", errors="replace")
        out.append(parse_doc(rel, text))
    return out, skipped


def doc_format(path: str, text: str) -> str:
    lower = path.lower()
    if lower.endswith((".md", ".markdown", ".mdx")):
        return "markdown"
    if lower.endswith(".rst"):
        return "rst"
    if lower.endswith((".adoc", ".asciidoc")):
        return "asciidoc"
    if re.search(r"^#{1,6} \S", text, re.M) or "```" in text:
        return "markdown"
    if re.search(r"^\S.*\n[=\-~^\"']{3,}\s*$", text, re.M):
        return "rst"
    return "text"


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_REF = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_RST_LINK = re.compile(r"`([^`<]+?)\s*<[^>]+>`_+")
_RST_ROLE = re.compile(r":[\w:.-]+:`~?([^`]+)`")
_HTML = re.compile(r"<!--.*?-->|</?[a-zA-Z][^>]*>", re.S)


def clean_inline(text: str) -> str:
    """Markup reduced to plain text: links to their text, emphasis dropped, code kept in single backticks."""
    text = _HTML.sub("", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _MD_REF.sub(lambda m: m.group(1), text)
    text = _RST_LINK.sub(lambda m: m.group(1), text)
    text = _RST_ROLE.sub(lambda m: f"`{m.group(1).split('.')[-1] if m.group(1).startswith('~') else m.group(1)}`", text)
    text = text.replace("``", "`")
    text = re.sub(r"(?<![\w*])\*\*(.+?)\*\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w*])__(.+?)__(?![\w])", r"\1", text)
    text = re.sub(r"(?<![\w*`])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"`_+", "`", text)
    return re.sub(r"\s+", " ", text).strip()


def _heading(lines: list[str], i: int, fmt: str) -> tuple[str, int, int] | None:
    """(title, level, lines used) when a heading starts at line ``i``."""
    line = lines[i]
    if fmt in ("markdown", "text"):
        m = re.match(r"^(#{1,6})\s+(.+?)\s*#*\s*$", line)
        if m:
            return m.group(2), len(m.group(1)), 1
    if fmt == "asciidoc":
        m = re.match(r"^(={1,6})\s+(.+?)\s*$", line)
        if m:
            return m.group(2), len(m.group(1)), 1
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    if line.strip() and not line.startswith((" ", "\t")) and re.fullmatch(r"([=\-~^\"'`#*+])\1{2,}\s*", nxt) \
            and len(nxt.strip()) >= len(line.strip()) * 0.6 and not re.fullmatch(r"[=\-~^\"'`#*+]{3,}", line.strip()):
        return line.strip(), {"=": 1, "-": 2, "~": 3, "^": 3, '"': 4}.get(nxt[0], 3), 2
    if fmt == "text" and re.fullmatch(r"[A-Z][A-Z0-9 &/,'-]{2,60}", line.strip()) and not nxt.strip():
        return line.strip().title(), 2, 1
    return None


def parse_doc(path: str, text: str) -> DocFile:
    """One documentation file's sections and blocks."""
    fmt = doc_format(path, text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    sections: list[Section] = [Section("", 0, 1, len(lines), [])]
    stack: list[tuple[int, str]] = []
    i = 0
    if lines and lines[0].strip() == "---" and fmt == "markdown":  # front matter
        end = next((k for k in range(1, min(len(lines), 80)) if lines[k].strip() == "---"), 0)
        i = end + 1 if end else 0
    para: list[str] = []
    para_start = 0

    def flush_para(end: int) -> None:
        nonlocal para
        if para:
            _add_text(sections[-1], para, para_start, end)
            para = []

    while i < len(lines):
        line = lines[i]
        if re.fullmatch(r"\s*([=\-~^\"'`#*+])\1{3,}\s*", line) and i + 2 < len(lines) and \
                re.fullmatch(r"\s*([=\-~^\"'`#*+])\1{3,}\s*", lines[i + 2]) and lines[i + 1].strip() and fmt == "rst":
            i += 1  # an overline: the heading follows
            continue
        head = _heading(lines, i, fmt)
        if head:
            flush_para(i)
            title, level, used = head
            while stack and stack[-1][0] >= level:
                stack.pop()
            sections[-1].end = i
            sections.append(Section(clean_inline(title), level, i + 1, len(lines), [t for _, t in stack]))
            stack.append((level, clean_inline(title)))
            i += used
            continue
        fence = re.match(r"^\s*(```+|~~~+)\s*([\w+-]*)", line)
        if fence and fmt in ("markdown", "text"):
            flush_para(i)
            close = fence.group(1)
            body, k = [], i + 1
            while k < len(lines) and not lines[k].strip().startswith(close):
                body.append(lines[k])
                k += 1
            sections[-1].blocks.append(Block("code", i + 1, min(k + 1, len(lines)), lang=fence.group(2), lines=body))
            i = k + 1
            continue
        if fmt == "asciidoc" and re.fullmatch(r"-{4,}|\.{4,}", line.strip()):
            flush_para(i)
            body, k = [], i + 1
            while k < len(lines) and lines[k].strip() != line.strip():
                body.append(lines[k])
                k += 1
            sections[-1].blocks.append(Block("code", i + 1, min(k + 1, len(lines)), lines=body))
            i = k + 1
            continue
        if fmt == "rst" and (re.match(r"^\.\. (code-block|code|sourcecode|literalinclude)::", line.strip())
                             or (line.rstrip().endswith("::") and not line.strip().startswith(".."))):
            if line.rstrip().endswith("::") and not line.strip().startswith(".."):
                para.append(line.rstrip()[:-1])
            flush_para(i)
            lang = line.split("::", 1)[1].strip() if line.strip().startswith("..") else ""
            k = i + 1
            while k < len(lines) and (not lines[k].strip() or lines[k].strip().startswith(":")):
                k += 1
            body = []
            while k < len(lines) and (not lines[k].strip() or lines[k].startswith((" ", "\t"))):
                body.append(lines[k])
                k += 1
            while body and not body[-1].strip():
                body.pop()
            sections[-1].blocks.append(Block("code", i + 1, k, lang=lang, lines=_dedent(body)))
            i = k
            continue
        if fmt == "rst" and line.strip().startswith(".. "):
            flush_para(i)
            k = i + 1
            while k < len(lines) and (not lines[k].strip() or lines[k].startswith((" ", "\t"))):
                k += 1
            i = k
            continue
        table = _table(lines, i, fmt)
        if table:
            flush_para(i)
            rows, used = table
            sections[-1].blocks.append(Block("table", i + 1, i + used, rows=rows))
            i += used
            continue
        item = re.match(r"^\s{0,3}(?:[-*+]|\d+[.)]|\* )\s+(.+)$", line)
        if item:
            flush_para(i)
            items, k = [item.group(1)], i + 1
            while k < len(lines):
                nxt = re.match(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+(.+)$", lines[k])
                if nxt:
                    items.append(nxt.group(1))
                elif lines[k].strip() and lines[k].startswith((" ", "\t")):
                    items[-1] += " " + lines[k].strip()
                else:
                    break
                k += 1
            sections[-1].blocks.append(Block("list", i + 1, k, items=[clean_inline(x) for x in items]))
            i = k
            continue
        if line.strip():
            if not para:
                para_start = i + 1
            para.append(line)
        else:
            flush_para(i)
        i += 1
    flush_para(len(lines))
    sections[-1].end = len(lines)
    title = next((s.title for s in sections if s.title), Path(path).stem)
    kept = [s for s in sections if s.blocks]
    return DocFile(path, fmt, title, kept)


def _dedent(lines: list[str]) -> list[str]:
    width = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return [x[width:] for x in lines]


def _add_text(section: Section, para: list[str], start: int, end: int) -> None:
    joined = " ".join(x.strip() for x in para)
    if re.fullmatch(r"(\[!\[.*?\]\(.*?\)\]\(.*?\)\s*)+|(!\[.*?\]\(.*?\)\s*)+", joined):
        return  # badges
    text = clean_inline(joined)
    if len(text) >= 3:
        section.blocks.append(Block("text", start, max(start, end), text=text))


def _table(lines: list[str], i: int, fmt: str) -> tuple[list[list[str]], int] | None:
    """A pipe (Markdown / AsciiDoc) or grid / simple (reStructuredText) table starting at ``i``."""
    line = lines[i].strip()
    if line.startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?",
                                                                      lines[i + 1].strip()):
        rows, k = [], i
        while k < len(lines) and lines[k].strip().startswith("|"):
            if k != i + 1:
                rows.append([clean_inline(c) for c in _pipe_cells(lines[k].strip())])
            k += 1
        return rows, k - i
    if fmt == "asciidoc" and line == "|===":
        rows, k = [], i + 1
        while k < len(lines) and lines[k].strip() != "|===":
            if lines[k].strip().startswith("|"):
                rows.append([clean_inline(c) for c in lines[k].strip()[1:].split("|")])
            k += 1
        return rows, k + 1 - i
    if fmt == "rst" and re.fullmatch(r"\+(-+\+)+", line):
        rows, k, cur = [], i + 1, None
        while k < len(lines) and lines[k].strip().startswith(("|", "+")):
            row = lines[k].strip()
            if row.startswith("+"):
                if cur:
                    rows.append([clean_inline(c) for c in cur])
                cur = None
            else:
                cells = _pipe_cells(row)
                cur = cells if cur is None else [a + " " + b for a, b in zip(cur, cells)]
            k += 1
        return (rows, k - i) if rows else None
    if fmt == "rst" and re.fullmatch(r"=+( +=+)+", line):
        cols = [(m.start(), m.end()) for m in re.finditer(r"=+", lines[i])]
        rows, k, rules = [], i + 1, 1
        while k < len(lines) and rules < 3:
            row = lines[k]
            if re.fullmatch(r"\s*=+( +=+)+\s*", row):
                rules += 1
            elif row.strip():
                cells = [row[a:(cols[n + 1][0] if n + 1 < len(cols) else len(row))].strip() for n, (a, _) in
                         enumerate(cols)]
                rows.append([clean_inline(c) for c in cells])
            k += 1
        return (rows, k - i) if rows else None
    return None


def _pipe_cells(row: str) -> list[str]:
    inner = row.strip().strip("|")
    cells, cur, code = [], [], False
    for ch in inner:
        if ch == "`":
            code = not code
        if ch == "|" and not code:
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    cells.append("".join(cur).strip())
    return cells
