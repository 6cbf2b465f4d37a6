"""collect_sources on files people upload: pairs files of every shape, tables, documents, code, and the
files that must be skipped, each with its result (used / converted / skipped and why)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from ingest_helpers import (by_path, collect, ctx, isolated_env, jsonl, make_docx, make_pdf, user_pairs,  # noqa: F401
                            write)


def test_jsonl_pairs_are_used_as_they_are_and_bad_lines_fixed_or_reported(tmp_path, ctx):
    data = write(tmp_path / "train.jsonl", "\ufeff" + "\n".join([
        json.dumps({"instruction": "What does add() return?", "input": "", "output": "The sum of its arguments."}),
        '{"instruction": "Name the CLI", "output": "minitask",}',  # trailing comma
        "{'prompt': 'Single quotes?', 'completion': 'Read as a literal.'}",
        "{this is not json",
        "",
        json.dumps({"instruction": "What does add() return?", "input": "", "output": "The sum of its arguments."}),
    ]) + "\n")
    result = collect(ctx, data)
    entry = by_path(result)[str(data)]
    assert (entry.kind, entry.status, entry.pairs) == ("pairs", "used", 4)
    assert any("byte-order mark" in f for f in entry.fixes)
    assert any("repaired 2 line" in f for f in entry.fixes) and any("unreadable line(s): 4" in f for f in entry.fixes)
    pairs = user_pairs(result)
    assert result.pairs == len(pairs) == 3  # the repeated pair is written once
    assert pairs[0] == {"instruction": "What does add() return?", "input": "", "output": "The sum of its arguments.",
                        "origin": str(data)}
    assert result.pairs_only and result.index_optional and result.source_type == "files"
    assert result.files == 0 and Path(result.repo_path).is_dir()


@pytest.mark.parametrize("record", [
    {"prompt": "p?", "completion": "c."}, {"question": "q?", "answer": "a."}, {"query": "q?", "response": "r."},
    {"input": "i?", "output": "o."}, {"instruction": "do", "context": "ctx", "response": "done", "category": "qa"},
    {"Question ": "padded?", "ANSWER": "names are normalized."},
])
def test_json_records_map_by_their_field_names(tmp_path, ctx, record):
    data = write(tmp_path / "data.json", json.dumps({"data": [record, record | {"extra": 1}]}))
    result = collect(ctx, data)
    pairs = user_pairs(result)
    assert len(pairs) == 1 and pairs[0]["instruction"] and pairs[0]["output"]
    if "context" in record:
        assert pairs[0]["input"] == "ctx" and pairs[0]["category"] == "qa"


def test_chat_records_become_one_pair_per_answer_with_history(tmp_path, ctx):
    data = jsonl(tmp_path / "chats.jsonl", [
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi, what is minitask?"},
                      {"role": "assistant", "content": "A task tracker."}, {"role": "user", "content": "In what?"},
                      {"role": "assistant", "content": [{"type": "text", "text": "Python."}]}]},
        {"conversations": [{"from": "human", "value": "ShareGPT question?"}, {"from": "gpt", "value": "Answer."}]},
    ])
    pairs = user_pairs(collect(ctx, data))
    assert [p["output"] for p in pairs] == ["A task tracker.", "Python.", "Answer."]
    assert pairs[1]["history"] == [["Hi, what is minitask?", "A task tracker."]] and pairs[1]["system"] == "Be brief."


def test_csv_and_tsv_columns_by_name_and_by_content(tmp_path, ctx):
    named = write(tmp_path / "named.csv", "id;Question;Answer\n1;What is X?;X is a thing.\n2;What is Y?;Y too.\n")
    tsv = write(tmp_path / "data.tsv", "prompt\tcompletion\nhello\tworld\n")
    unnamed = write(tmp_path / "unnamed.csv",
                    'term,meaning\n"idempotent","An operation that can be applied many times without changing the '
                    'result beyond the first."\n"pure","A function whose result depends only on its arguments, '
                    'with no side effects at all."\n')
    uneven = write(tmp_path / "uneven.csv", "question,answer\nq1,a1,extra\nq2\nq3,a3\n")
    result = collect(ctx, named, tsv, unnamed, uneven)
    got = by_path(result)
    assert got[str(named)].pairs == 2 and any("';'" in f for f in got[str(named)].fixes)
    assert got[str(tsv)].pairs == 1
    assert got[str(unnamed)].pairs == 2 and "inferred" in got[str(unnamed)].reason
    assert [p["instruction"] for p in user_pairs(result) if p["origin"] == str(unnamed)] == ["idempotent", "pure"]
    assert got[str(uneven)].pairs == 2 and any("different number of fields" in f for f in got[str(uneven)].fixes)
    assert any("without a question or an answer" in f for f in got[str(uneven)].fixes)


def test_parquet_pairs_and_a_damaged_parquet_file(tmp_path, ctx):
    import pyarrow as pa
    import pyarrow.parquet as pq

    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"instruction": ["a?", "b?"], "output": ["A.", "B."]}), good)
    bad = write(tmp_path / "bad.parquet", b"PAR1 this is not really parquet PAR1")
    result = collect(ctx, good, bad)
    got = by_path(result)
    assert got[str(good)].pairs == 2 and got[str(bad)].status == "skipped" and "Parquet" in got[str(bad)].reason
    assert result.pairs == 2


def test_documents_are_placed_as_text_and_converted_to_markdown(tmp_path, ctx):
    notes = write(tmp_path / "notes.md", "# Notes\n\nThe scheduler runs every minute.\n")
    legacy = write(tmp_path / "legacy.txt", "caf\xe9 au lait is served at nine.\n".encode("cp1252"))
    pdf = make_pdf(tmp_path / "manual.pdf", ["The export command writes CSV files.", "Page two explains hooks."])
    doc = make_docx(tmp_path / "guide.docx", "Setup guide", ["Install it with pip.", "Then run minitask init."],
                    table=[["option", "default"], ["--verbose", "off"]])
    page = write(tmp_path / "page.html", "<html><head><script>x()</script></head><body><h1>Title</h1>"
                                         "<p>Some body text about the queries module.</p></body></html>")
    result = collect(ctx, notes, legacy, pdf, doc, page)
    got = by_path(result)
    root = Path(result.repo_path)
    assert got[str(notes)].status == "used" and (root / "docs" / "notes.md").is_file()
    assert any("Windows-1252" in f for f in got[str(legacy)].fixes)
    assert "café au lait" in (root / got[str(legacy)].placed).read_text()
    md = (root / got[str(pdf)].placed).read_text()
    assert got[str(pdf)].status == "converted" and "## Page 2" in md and "writes CSV files" in md
    docx_md = (root / got[str(doc)].placed).read_text()
    assert "## Setup guide" in docx_md and "Then run minitask init." in docx_md and "| --verbose | off |" in docx_md
    html_md = (root / got[str(page)].placed).read_text()
    assert "# Title" in html_md and "queries module" in html_md and "x()" not in html_md
    assert result.documents == 5 and result.index_optional and not result.pairs_file and not result.pairs_only


def test_a_corrupt_file_is_skipped_with_its_reason_and_the_rest_used(tmp_path, ctx):
    good = jsonl(tmp_path / "good.jsonl", [{"question": "q?", "answer": "a."}])
    files = {
        "broken.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage",
        "broken.docx": b"PK\x03\x04 not a real docx",
        "broken.json": b'{"instruction": "a", "output": ',
        "scanned.pdf": None,
        "picture.png": b"\x89PNG\r\n\x1a\n\x00\x00",
        "blob.bin": b"\x00\x01\x02\x03" * 100,
        "old.doc": b"\xd0\xcf\x11\xe0",
        "empty.csv": b"",
        ".env": b"API_KEY=sk-live-0123456789abcdef0123456789abcdef\n",
    }
    paths = []
    for name, data in files.items():
        paths.append(make_pdf(tmp_path / name, [""]) if data is None else write(tmp_path / name, data))
    result = collect(ctx, good, *paths)
    got = by_path(result)
    assert got[str(good)].status == "used" and result.pairs == 1
    for path in paths:
        entry = got[str(path)]
        assert entry.status == "skipped" and entry.reason, entry
        assert "Traceback" not in entry.reason
    assert "damaged" in got[str(tmp_path / "broken.pdf")].reason
    assert "no text layer" in got[str(tmp_path / "scanned.pdf")].reason
    assert ".docx" in got[str(tmp_path / "old.doc")].reason
    assert "credentials" in got[str(tmp_path / ".env")].reason
    assert result.counts["skipped"] == len(files) and result.counts["used"] == 1
    assert not any((Path(result.repo_path) / d).exists() for d in (".env", "files/.env", "docs/.env"))


def test_code_files_go_to_files_and_names_never_clash(tmp_path, ctx):
    a = write(tmp_path / "a" / "util.py", "def one():\n    return 1\n")
    b = write(tmp_path / "b" / "util.py", "def two():\n    return 2\n")
    binary = write(tmp_path / "c" / "fake.py", b"\x00\x01binary")
    result = collect(ctx, a, b, binary)
    root = Path(result.repo_path)
    assert sorted(p.name for p in (root / "files").iterdir()) == ["util-2.py", "util.py"]
    assert result.code_files == 2 and by_path(result)[str(binary)].status == "skipped"


def test_an_empty_upload_is_insufficient_data_and_names_the_quick_recipes(tmp_path, ctx):
    empty = write(tmp_path / "empty.jsonl", "")
    blank = write(tmp_path / "blank.txt", "\n\n")
    with pytest.raises(ToolFailure) as info:
        collect(ctx, empty, blank)
    failure = info.value
    assert failure.kind is FailureKind.insufficient_data
    assert [s["path"] for s in failure.details["skipped"]] == [str(empty), str(blank)]
    assert "coding-assistant" in failure.details["recipes"] and failure.hint


def test_unclear_csv_columns_ask_with_a_guess_then_take_the_mapping(tmp_path, ctx):
    table = write(tmp_path / "pairs.csv", "left,right,other\napple,pomme,fruit\nhouse,maison,place\n")
    with pytest.raises(ToolFailure) as info:
        collect(ctx, table)
    failure = info.value
    assert failure.kind is FailureKind.needs_user
    assert failure.details["columns"] == ["left", "right", "other"]
    assert failure.details["guess"] and failure.details["alternative"] != failure.details["guess"]
    mapped = collect(ctx, table, columns="instruction=left,output=right")
    assert [p["output"] for p in user_pairs(mapped)] == ["pomme", "maison"]
    assert "as you mapped them" in by_path(mapped)[str(table)].reason
    guessed = collect(ctx, table, columns=failure.details["guess"])
    assert guessed.pairs == 2
    assert collect(ctx, table, unclear_columns="guess").pairs == 2
    with pytest.raises(ToolFailure) as bad:
        collect(ctx, table, columns="question=left")
    assert bad.value.kind is FailureKind.invalid_input


def test_a_secret_in_a_pair_is_replaced_before_the_pairs_are_written(tmp_path, ctx):
    key = "AKIA" + "Z7Q2X9LM4K8PWR3T"
    data = jsonl(tmp_path / "chat.jsonl", [{"instruction": "Which key does the deploy use?",
                                            "output": f"It uses aws_access_key_id = {key} from the config."}])
    result = collect(ctx, data)
    text = Path(result.pairs_file).read_text()
    assert key not in text and "REDACTED" in text and result.secrets_redacted == 1


def test_random_bytes_under_every_suffix_never_raise_and_never_lose_the_good_file(tmp_path, ctx):
    import random

    rng = random.Random(7)
    good = jsonl(tmp_path / "good.jsonl", [{"question": "Still here?", "answer": "Yes."}])
    junk = []
    for i, suffix in enumerate([".json", ".jsonl", ".csv", ".tsv", ".parquet", ".pdf", ".docx", ".zip", ".md",
                                ".txt", ".py", ".html", ".rst", ""] * 2):
        head = {".pdf": b"%PDF-1.7\n", ".zip": b"PK\x03\x04", ".docx": b"PK\x03\x04", ".parquet": b"PAR1"}
        data = head.get(suffix, b"") + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        junk.append(write(tmp_path / f"junk{i}{suffix}", data))
    result = collect(ctx, good, *junk)
    got = by_path(result)
    assert got[str(good)].status == "used" and [p["output"] for p in user_pairs(result)][:1] == ["Yes."]
    assert all(str(p) in got for p in junk)
    assert all(r.reason for r in result.inputs if r.status == "skipped")
