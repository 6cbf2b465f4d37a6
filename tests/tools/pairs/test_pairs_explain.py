"""The explain category: an answer states where a symbol lives, its docstring and its signature."""

from __future__ import annotations

from pathlib import Path

from pairs_helpers import acme, ctx, find, read_jsonl, run  # noqa: F401  (fixtures)


def test_explain_answers_state_what_the_code_says(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))

    explain = find(records, "explain", "`tokenize` is a function in `acme/parser.py` (lines 22-33).")
    assert "Split text into tokens, skipping whitespace." in explain["output"]
    assert "def tokenize(text: str, *, strict: bool = False) -> list[Token]:" in explain["output"]
    assert "`tokenize`" in explain["instruction"] and explain["source"] == "acme/parser.py:22-33"
