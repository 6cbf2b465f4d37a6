"""The architecture category: what a module holds and which modules import it."""

from __future__ import annotations

from pathlib import Path

from pairs_helpers import acme, ctx, find, read_jsonl, run  # noqa: F401  (fixtures)


def test_architecture_answers_state_what_the_code_says(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))

    module = find(records, "architecture", "`acme/parser.py` is a python module")
    assert "Tokenizing and parsing of acme expressions." in module["output"]
    assert "the classes `Token` and `Parser`" in module["output"]
    importers = find(records, "architecture", "`acme/errors.py` is imported by")
    for user in ("acme/config.py", "acme/parser.py", "tests/test_config.py", "tests/test_parser.py"):
        assert f"`{user}`" in importers["output"]
    assert importers["group"] == ""
