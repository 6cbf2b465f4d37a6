"""The format module: core file names and the next free version of a slug."""

from __future__ import annotations

from goose_studio.tools import package as pkg


def test_next_version_ignores_other_files(tmp_path):
    assert pkg.next_version(tmp_path / "absent", "core") == 1
    for name in ("core-v1.gcpkg", "core-v3.gcpkg", ".core-v9.gcpkg.abc.tmp", "core-v7.gcpkg.bak",
                 "other-v12.gcpkg", "core-extra-v20.gcpkg"):
        (tmp_path / name).write_bytes(b"x")
    assert pkg.next_version(tmp_path, "core") == 4
