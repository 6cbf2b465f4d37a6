"""The testing category: how a symbol is tested (Python and JS/TS tests) and test skeletons from real
signatures and raise conditions."""

from __future__ import annotations

from pathlib import Path

from pairs_helpers import acme, code_blocks, ctx, find, read_jsonl, run  # noqa: F401  (fixtures)


def test_testing_answers_state_what_the_code_says(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))

    tested = find(records, "testing", "`tokenize` (acme/parser.py) is tested by")
    assert "`test_tokenize_splits_words`" in tested["output"] and "`tests/test_parser.py`" in tested["output"]
    assert tested["group"] == "tests/test_parser.py"
    skeleton = find(records, "testing", "with pytest.raises(ParseError):", "Parser().parse(text=...)")
    code = code_blocks(skeleton["output"])[0]
    assert code[:3] == ["import pytest", "", "from acme.parser import Parser"]
    assert "from acme.errors import ParseError" in code

    js_tested = find(records, "testing", "`formatCount` (web/format.ts) is tested by")
    assert "`shortens large counts` and `rejects negative counts` in `web/format.test.ts`" in js_tested["output"]
