"""index_code: parsing in worker processes gives the same index as parsing in one."""

from __future__ import annotations

import json
from pathlib import Path

from goose_studio.tools.code_index import build_index
from goose_studio.tools.index_models import INDEX_FILENAME
from code_index_helpers import INDEXED, age, repo  # noqa: F401  (fixtures)


def test_index_is_deterministic_and_independent_of_workers(repo: Path) -> None:
    age(repo)
    build_index(repo, force=True, workers=1)
    serial = (repo / INDEX_FILENAME).read_bytes()
    build_index(repo, force=True, workers=1)
    assert (repo / INDEX_FILENAME).read_bytes() == serial
    _, stats = build_index(repo, force=True, workers=2)
    assert stats.reparsed == len(INDEXED)
    assert (repo / INDEX_FILENAME).read_bytes() == serial
    data = json.loads(serial)
    assert [f["path"] for f in data["files"]] == INDEXED
