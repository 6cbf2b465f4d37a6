"""Ingest 1,000 mixed local files with collect_sources and print what became of them, and how fast.

The files are made here, in a temporary folder: pairs (JSON Lines, JSON, CSV with named, unnamed and
semicolon-separated columns, TSV, Parquet), chat exports (ChatGPT, Goose), documents (TXT, Markdown, HTML,
PDF, DOCX), code, ZIP archives of a small project, and broken or unusable files (damaged PDF and DOCX, cut-off
JSON, binary "source" files, empty files, images, .env files). They are ingested twice: as one folder (a
plain folder: an upload) and as 1,000 separate sources. The run fails (exit 1) if anything raised, or if a
skipped file has no reason.

    .venv/bin/python benchmarks/ingest_files.py [--files 1000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from goose_studio.tools.registry import ToolContext, call_tool  # noqa: E402
from goose_studio.workspace import Workspace  # noqa: E402

WORDS = ("task scheduler export hook query storage format priority report queue worker retry config "
         "plugin index cache token session module function class value default error file path").split()


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def pdf_bytes(text: str) -> bytes:
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
               b"/Contents 5 0 R >>", b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def make_files(folder: Path, total: int, seed: int = 0) -> Counter:
    """``total`` mixed files in ``folder``; returns how many of each kind were made."""
    import docx
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    kinds = ["jsonl"] * 12 + ["json"] * 4 + ["csv"] * 8 + ["csv-unnamed"] * 2 + ["tsv"] * 3 + ["parquet"] * 3 + \
        ["chatgpt"] * 2 + ["goose"] * 2 + ["txt"] * 8 + ["md"] * 12 + ["html"] * 3 + ["pdf"] * 5 + ["docx"] * 5 + \
        ["py"] * 10 + ["js"] * 5 + ["zip"] * 2 + ["bad-pdf"] * 2 + ["bad-docx"] * 2 + ["cut-json"] * 2 + \
        ["binary-py"] * 1 + ["empty"] * 2 + ["png"] * 2 + ["env"] * 1
    made: Counter = Counter()
    for i in range(total):
        kind = kinds[i % len(kinds)]
        made[kind] += 1
        sub = folder / f"group{i % 20:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        q, a = sentence(rng, 8) .rstrip(".") + "?", sentence(rng, 16)
        if kind == "jsonl":
            rows = [{"instruction": sentence(rng, 6) + f" #{i}-{k}?", "output": sentence(rng, 14)} for k in range(5)]
            (sub / f"pairs{i}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken\n")
        elif kind == "json":
            (sub / f"qa{i}.json").write_text(json.dumps({"data": [{"question": f"{q} {i}", "answer": a}]}))
        elif kind == "csv":
            (sub / f"table{i}.csv").write_text(f"prompt;completion\n{q} {i};{a}\n{q} again {i};{a}\n")
        elif kind == "csv-unnamed":
            (sub / f"glossary{i}.csv").write_text(f"term,meaning\nword{i},{a}\nother{i},{sentence(rng, 20)}\n")
        elif kind == "tsv":
            (sub / f"data{i}.tsv").write_text(f"question\tanswer\n{q} {i}\t{a}\n")
        elif kind == "parquet":
            pq.write_table(pa.table({"query": [f"{q} {i}"], "response": [a]}), sub / f"rows{i}.parquet")
        elif kind == "chatgpt":
            mapping = {"r": {"message": None, "parent": None, "children": ["u"]},
                       "u": {"parent": "r", "children": ["a"], "message": {"author": {"role": "user"},
                             "content": {"content_type": "text", "parts": [f"{q} {i}"]}}},
                       "a": {"parent": "u", "children": [], "message": {"author": {"role": "assistant"},
                             "content": {"content_type": "text", "parts": [a]}}}}
            (sub / f"conversations{i}.json").write_text(json.dumps([{"mapping": mapping, "current_node": "a"}]))
        elif kind == "goose":
            (sub / f"session{i}.json").write_text(json.dumps({"conversation": [
                {"role": "user", "content": [{"type": "text", "text": f"{q} {i}"}]},
                {"role": "assistant", "content": [{"type": "text", "text": a}]}]}))
        elif kind == "txt":
            (sub / f"notes{i}.txt").write_text("\n\n".join(sentence(rng, 20) for _ in range(5)))
        elif kind == "md":
            (sub / f"doc{i}.md").write_text(f"# Topic {i}\n\n" + "\n\n".join(sentence(rng, 20) for _ in range(4)))
        elif kind == "html":
            (sub / f"page{i}.html").write_text(f"<html><body><h1>Page {i}</h1><p>{sentence(rng, 25)}</p></body></html>")
        elif kind == "pdf":
            (sub / f"manual{i}.pdf").write_bytes(pdf_bytes(sentence(rng, 14)))
        elif kind == "docx":
            document = docx.Document()
            document.add_heading(f"Guide {i}", level=1)
            document.add_paragraph(sentence(rng, 25))
            document.save(str(sub / f"guide{i}.docx"))
        elif kind == "py":
            (sub / f"mod{i}.py").write_text(f'def f{i}(x):\n    """{sentence(rng, 8)}"""\n    return x + {i}\n')
        elif kind == "js":
            (sub / f"mod{i}.js").write_text(f"function g{i}(x) {{ return x * {i}; }}\nmodule.exports = {{ g{i} }};\n")
        elif kind == "zip":
            with zipfile.ZipFile(sub / f"project{i}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(f"project{i}/app.py", "def run():\n    return 1\n")
                zf.writestr(f"project{i}/README.md", f"# Project {i}\n\n{sentence(rng, 15)}\n")
                zf.writestr(f"project{i}/../escape.txt", "nope")
        elif kind == "bad-pdf":
            (sub / f"broken{i}.pdf").write_bytes(b"%PDF-1.4\n1 0 obj garbage")
        elif kind == "bad-docx":
            (sub / f"broken{i}.docx").write_bytes(b"PK\x03\x04 not a document")
        elif kind == "cut-json":
            (sub / f"cut{i}.json").write_text('[{"question": "a?", "answer": "b"}, {"question": "c?", "ans')
        elif kind == "binary-py":
            (sub / f"blob{i}.py").write_bytes(os.urandom(256) + b"\x00")
        elif kind == "empty":
            (sub / f"empty{i}.txt").write_text("")
        elif kind == "png":
            (sub / f"image{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
        elif kind == "env":
            (sub / f".env.{i}").write_text("SECRET_KEY=abc123abc123abc123\n")
    return made


def run(sources: list[str], label: str, ws: Workspace) -> dict:
    ctx = ToolContext(workspace=ws)
    t0 = time.perf_counter()
    result = call_tool("collect_sources", {"sources": sources, "unclear_columns": "guess", "name": label}, ctx)
    took = time.perf_counter() - t0
    inputs = result.inputs
    no_reason = [r.path for r in inputs if r.status == "skipped" and not r.reason]
    reasons = Counter((r.reason or "").split(" (")[0] for r in inputs if r.status == "skipped")
    return {"mode": label, "inputs": result.inputs_total, "seconds": round(took, 2),
            "seconds_per_1000_inputs": round(took / max(1, result.inputs_total) * 1000, 2),
            "counts": result.counts, "pairs": result.pairs, "documents": result.documents,
            "code_files": result.code_files, "skipped_without_reason": no_reason,
            "skip_reasons": dict(reasons.most_common())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON only.")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GOOSE_STUDIO_HOME"] = str(Path(tmp) / "home")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        upload = Path(tmp) / "upload"
        t0 = time.perf_counter()
        made = make_files(upload, opts.files)
        made_s = time.perf_counter() - t0
        ws = Workspace.from_env()
        files = sorted(str(p) for p in upload.rglob("*") if p.is_file())
        figures = {"files_made": len(files), "made_in_s": round(made_s, 2), "kinds": dict(made),
                   "runs": [run([str(upload)], "as-one-folder", ws), run(files, "as-separate-files", ws)]}
    ok = all(not r["skipped_without_reason"] and r["inputs"] >= opts.files for r in figures["runs"])
    if opts.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"made {figures['files_made']} files in {figures['made_in_s']} s")
        for r in figures["runs"]:
            print(f"{r['mode']}: {r['inputs']} inputs in {r['seconds']} s ({r['seconds_per_1000_inputs']} s per 1,000); "
                  f"{r['counts']}; {r['pairs']} pairs, {r['documents']} documents, {r['code_files']} code files")
            for reason, n in r["skip_reasons"].items():
                print(f"    skipped {n:4d}: {reason}")
            if r["skipped_without_reason"]:
                print(f"    WITHOUT A REASON: {r['skipped_without_reason'][:10]}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
