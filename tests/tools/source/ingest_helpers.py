"""Files people upload, made in the tests: PDF (written by hand, with a real text layer), DOCX (python-docx),
ZIP archives with hostile entries, chat exports, and a context for calling collect_sources.

Test modules import what they use from here; ``isolated_env`` applies to every test of a module that
imports it (no network, the studio's home and the Hugging Face cache in the test's folder).
"""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest

from goose_studio.events import EventBus
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)


@pytest.fixture
def ctx(tmp_path) -> ToolContext:
    ws = Workspace.from_env()
    return ToolContext(workspace=ws, run_id="test-run", events=EventBus("test-run", tmp_path / "events.jsonl"),
                       tab="source")


def collect(ctx: ToolContext, *sources: Any, **args: Any):
    """collect_sources over ``sources`` (paths or strings)."""
    return call_tool("collect_sources", {"sources": [str(s) for s in sources], **args}, ctx)


def by_path(result) -> dict[str, Any]:
    """The result's inputs by their path."""
    return {r.path: r for r in result.inputs}


def user_pairs(result) -> list[dict[str, Any]]:
    if not result.pairs_file:
        return []
    return [json.loads(line) for line in Path(result.pairs_file).read_text().splitlines() if line.strip()]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in rows))


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A small valid PDF whose pages hold ``pages`` as text (Helvetica, one line each)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return write(path, bytes(out))


def make_docx(path: Path, heading: str, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def make_zip(path: Path, entries: dict[str, str | bytes], links: dict[str, str] | None = None) -> Path:
    """A ZIP with ``entries`` (names taken as given, even hostile ones) and symbolic-link entries ``links``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def chatgpt_export(conversations: list[list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """A ChatGPT ``conversations.json`` body: each conversation a chain of mapping nodes from a root."""
    out = []
    for c, turns in enumerate(conversations):
        mapping: dict[str, Any] = {"root": {"id": "root", "message": None, "parent": None, "children": ["m0"]}}
        parent = "root"
        for i, (role, text) in enumerate(turns):
            node = f"m{i}"
            mapping[node] = {"id": node, "parent": parent, "children": [f"m{i + 1}"] if i + 1 < len(turns) else [],
                             "message": {"author": {"role": role}, "content": {"content_type": "text", "parts": [text]},
                                         "metadata": {}}}
            parent = node
        out.append({"title": f"chat {c}", "mapping": mapping, "current_node": parent})
    return out
