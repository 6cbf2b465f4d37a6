"""The repository as seen through the index: files changed since indexing are used through the index only."""

from __future__ import annotations

from pathlib import Path

from pairs_helpers import acme, ctx, read_jsonl, run  # noqa: F401  (fixtures)


def test_files_changed_after_indexing_are_used_through_the_index_only(acme: Path, tmp_path: Path, ctx) -> None:
    (acme / "acme" / "config.py").write_text("# rewritten after indexing\n")
    result = run(acme, tmp_path / "out", ctx)
    assert result.stats.stale_files == ["acme/config.py"]
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    from_config = [r for r in records if r["group"] == "acme/config.py"]
    assert from_config  # explain / architecture pairs still come from the index
    assert not [r for r in from_config if "Its implementation:" in r["output"] or "catches" in r["output"]]
