"""ZIP archives as sources: unpacked into the source folder and ingested like an upload, with every hostile
entry (path traversal, absolute paths, links, bombs, nested archives) left out with its reason."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.source.archives import ZipLimits, safe_member_path, unpack
from goose_studio.tools.source.formats import Unreadable
from ingest_helpers import by_path, collect, ctx, isolated_env, make_pdf, make_zip, user_pairs, write  # noqa: F401


def test_a_project_zip_alone_becomes_the_source_folder(tmp_path, ctx):
    pdf = make_pdf(tmp_path / "spec.pdf", ["The scheduler wakes every minute."]).read_bytes()
    archive = make_zip(tmp_path / "project.zip", {
        "project-main/src/app.py": "def run():\n    return 'ok'\n",
        "project-main/README.md": "# Project\n",
        "project-main/docs/spec.pdf": pdf,
        "project-main/data/pairs.jsonl": json.dumps({"question": "What wakes?", "answer": "The scheduler."}) + "\n",
        "project-main/.env": "TOKEN=abc\n",
        "project-main/logo.png": b"\x89PNG",
        "__MACOSX/._app.py": b"junk",
    })
    result = collect(ctx, archive)
    root = Path(result.repo_path)
    assert (root / "src" / "app.py").is_file() and (root / "README.md").is_file()  # the lone top folder is dropped
    assert (root / "docs" / "spec.md").is_file() and not (root / "docs" / "spec.pdf").exists()
    assert not (root / "data" / "pairs.jsonl").exists() and not (root / ".env").exists()
    assert not (root / "logo.png").exists() and not (root / "__MACOSX").exists()
    assert [p["output"] for p in user_pairs(result)] == ["The scheduler."]
    got = by_path(result)
    assert got[str(archive)].status == "converted"
    assert got[f"{archive}!project-main/.env"].status == "skipped"
    assert got[f"{archive}!project-main/docs/spec.pdf"].status == "converted"
    assert result.code_files == 1 and result.documents == 2 and not result.pairs_only


def test_hostile_entries_are_left_out_with_their_reasons(tmp_path, ctx):
    archive = make_zip(tmp_path / "evil.zip", {
        "../../escape.py": "print('out')\n", "/etc/absolute.txt": "abs\n", "C:/windows.txt": "drive\n",
        "ok/notes.md": "# fine\n", "ok/inner.zip": b"PK\x03\x04",
    }, links={"ok/link.md": "/etc/passwd"})
    with zipfile.ZipFile(archive, "a") as zf:  # a highly packed entry (a zip bomb in small)
        zf.writestr("ok/bomb.txt", "0" * (4 * 1024 * 1024), compress_type=zipfile.ZIP_DEFLATED)
    result = collect(ctx, archive, write(tmp_path / "other.md", "# other\n"))
    got = by_path(result)
    reasons = {k.split("!", 1)[1]: v.reason for k, v in got.items() if "!" in k and v.status == "skipped"}
    assert "leaves the archive" in reasons["../../escape.py"] and "leaves" in reasons["/etc/absolute.txt"]
    assert "leaves" in reasons["C:/windows.txt"] and "link" in reasons["ok/link.md"]
    assert "zip bomb" in reasons["ok/bomb.txt"] and "archive inside an archive" in reasons["ok/inner.zip"]
    root = Path(result.repo_path)
    assert not (tmp_path / "escape.py").exists() and not any(p.is_symlink() for p in root.rglob("*"))
    assert (root / "evil" / "notes.md").is_file() and (root / "docs" / "other.md").is_file()  # "ok/" dropped


def test_limits_refuse_an_archive_whole_and_a_damaged_archive_is_skipped(tmp_path, ctx):
    many = make_zip(tmp_path / "many.zip", {f"f{i}.txt": "x" for i in range(5)})
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(Unreadable):
        unpack(many, dest, ZipLimits(max_members=3))
    with pytest.raises(Unreadable):
        unpack(many, dest, ZipLimits(max_total=3))
    assert not any(dest.iterdir())
    damaged = write(tmp_path / "damaged.zip", b"PK\x03\x04 cut off")
    with pytest.raises(ToolFailure) as info:  # alone: nothing to learn from
        collect(ctx, damaged)
    assert info.value.kind is FailureKind.insufficient_data
    assert "ZIP" in info.value.details["skipped"][0]["reason"]


@pytest.mark.parametrize("name, safe", [("a/b.txt", "a/b.txt"), ("./a//b.txt", "a/b.txt"), ("a\\..\\..\\b", None),
                                        ("../b", None), ("/abs", None), ("D:\\x", None), ("a/../../b", None)])
def test_member_paths_never_leave_the_folder(name, safe):
    assert safe_member_path(name) == safe
