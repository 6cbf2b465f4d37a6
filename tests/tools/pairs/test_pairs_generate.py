"""The generate category: implementations quoted and shortened to fit, and the subclass pattern."""

from __future__ import annotations

import re
from pathlib import Path

from pairs_helpers import acme, code_blocks, ctx, find, read_jsonl, run  # noqa: F401  (fixtures)


def test_generate_answers_state_what_the_code_says(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))

    long_impl = find(records, "generate", "`render_report`", "Its implementation:")
    block = code_blocks(long_impl["output"])[0]
    assert block[0] == "def render_report(text: str, width: int = 40) -> str:"
    marker = re.fullmatch(r"    # \.\.\. \((\d+) more lines\)", block[-1])
    assert marker, block[-1]
    start, end = map(int, long_impl["source"].split(":")[1].split("-"))
    assert len(block) - 1 + int(marker.group(1)) == end - start + 1  # shown + left out = the whole function
    assert len(block) - 1 <= 25 and len(long_impl["output"]) <= 900

    pattern = find(records, "generate", "subclass of `Plugin`")
    assert "`UpperPlugin` and `LowerPlugin` in `acme/plugins.py`" in pattern["output"]
    assert "They all define `apply`." in pattern["output"]
    assert pattern["group"] == "acme/plugins.py"
