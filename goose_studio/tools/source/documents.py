"""Documents to text PREPARE can read: PDF (``pypdf``), DOCX (``python-docx``) and HTML to Markdown; plain
text, Markdown, reStructuredText and AsciiDoc as they are (decoded, checked to be text).

Each converter returns the Markdown and the notes worth reporting; a file that cannot be converted raises
:class:`~.formats.Unreadable` with the reason (damaged, encrypted, no text layer, ...). Nothing here runs
code from a document: PDF and DOCX are parsed, HTML is read with the standard library's parser.
"""

from __future__ import annotations

import html.parser
import logging
import re
from pathlib import Path

from .formats import Unreadable, decode_text, looks_binary, read_limited

MAX_PDF_PAGES = 2000
MIN_TEXT_CHARS = 20


def _squeeze(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def text_document(path: Path, max_bytes: int) -> tuple[str, list[str]]:
    data = read_limited(path, max_bytes)
    if looks_binary(data[:8192]):
        raise Unreadable("binary content in a text file")
    text, fixes = decode_text(data)
    if not text.strip():
        raise Unreadable("empty file")
    return text if text.endswith("\n") else text + "\n", fixes


def pdf_to_markdown(path: Path, title: str) -> tuple[str, list[str]]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:
        raise Unreadable("reading PDF files needs pypdf, which is not installed") from None
    notes: list[str] = []
    quiet = logging.getLogger("pypdf")  # its warnings about a damaged file become the file's reason instead
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise Unreadable("an encrypted PDF (it needs a password)")
            except (NotImplementedError, PyPdfError) as exc:
                raise Unreadable(f"an encrypted PDF that cannot be opened ({exc})") from None
            notes.append("an encrypted PDF without a password: opened")
        pages = reader.pages
        count = len(pages)
        parts = [f"# {title}\n"]
        chars = 0
        for number in range(min(count, MAX_PDF_PAGES)):
            try:
                text = pages[number].extract_text() or ""
            except Exception:  # a damaged page: the others are still read
                notes.append(f"page {number + 1} could not be read")
                continue
            text = text.strip()
            if text:
                chars += len(text)
                parts.append(f"\n## Page {number + 1}\n\n{text}\n")
        if count > MAX_PDF_PAGES:
            notes.append(f"read the first {MAX_PDF_PAGES} of {count} pages")
    except Unreadable:
        raise
    except Exception as exc:  # pypdf raises many kinds for a damaged file
        raise Unreadable(f"a damaged or unreadable PDF ({type(exc).__name__}: {str(exc)[:160]})") from None
    finally:
        quiet.setLevel(level)
    if chars < MIN_TEXT_CHARS:
        raise Unreadable(f"no text layer in {count} page(s) (a scanned image? OCR is not available here)")
    return _squeeze("".join(parts)), notes


def _docx_table(table) -> str:
    rows = [[cell.text.strip().replace("|", "\\|").replace("\n", " ") for cell in row.cells] for row in table.rows]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines) + "\n"


def docx_to_markdown(path: Path, title: str) -> tuple[str, list[str]]:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:
        raise Unreadable("reading DOCX files needs python-docx, which is not installed") from None
    try:
        document = docx.Document(str(path))
        parts = [f"# {title}\n"]
        for block in document.element.body.iterchildren():
            tag = block.tag.rsplit("}", 1)[-1]
            if tag == "p":
                para = Paragraph(block, document)
                text = para.text.strip()
                if not text:
                    continue
                style = (para.style.name if para.style is not None else "") or ""
                level = re.match(r"Heading (\d)", style)
                if level:
                    parts.append("\n" + "#" * min(6, int(level.group(1)) + 1) + f" {text}\n")
                elif style == "Title":
                    parts.append(f"\n## {text}\n")
                elif "List" in style:
                    parts.append(f"- {text}\n")
                else:
                    parts.append(f"\n{text}\n")
            elif tag == "tbl":
                parts.append("\n" + _docx_table(Table(block, document)))
    except Exception as exc:  # python-docx raises BadZipFile, KeyError, ValueError, ... for a damaged file
        raise Unreadable(f"a damaged or unreadable DOCX ({type(exc).__name__}: {str(exc)[:160]})") from None
    text = "".join(parts)
    if len(text) - len(parts[0]) < MIN_TEXT_CHARS:
        raise Unreadable("a DOCX without text")
    return _squeeze(text), []


class _HtmlText(html.parser.HTMLParser):
    SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    BLOCK = {"p", "div", "section", "article", "br", "li", "tr", "table", "ul", "ol", "pre", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - the parser's signature
        if tag in self.SKIP:
            self.skipping += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in self.BLOCK:
            self.out.append("\n\n")

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n")

    def handle_data(self, data):  # noqa: ANN001
        if not self.skipping:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_markdown(path: Path, title: str, max_bytes: int) -> tuple[str, list[str]]:
    text, fixes = decode_text(read_limited(path, max_bytes))
    parser = _HtmlText()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; anything it still refuses is a damaged file
        raise Unreadable(f"unreadable HTML ({exc})") from None
    body = re.sub(r"[ \t]+", " ", "".join(parser.out))
    body = "\n".join(line.strip() for line in body.split("\n"))
    if len(body.strip()) < MIN_TEXT_CHARS:
        raise Unreadable("an HTML page without text")
    return _squeeze(f"# {title}\n\n{body}"), fixes


def convert(path: Path, fmt: str, title: str, max_bytes: int) -> tuple[str, list[str]]:
    """Markdown for a PDF, DOCX or HTML file (see the module doc)."""
    if path.stat().st_size > max_bytes:
        raise Unreadable(f"too large to convert ({path.stat().st_size} bytes; the limit is {max_bytes})")
    if fmt == "pdf":
        return pdf_to_markdown(path, title)
    if fmt == "docx":
        return docx_to_markdown(path, title)
    return html_to_markdown(path, title, max_bytes)
