"""The debug category: when a function raises or throws (condition and statement), where an error message
comes from, how an ``except`` handler deals with an error, which arguments a function takes."""

from __future__ import annotations

from pathlib import Path

from pairs_helpers import acme, ctx, find, read_jsonl, run  # noqa: F401  (fixtures)


def test_debug_answers_state_what_the_code_says(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))

    raised = find(records, "debug", "`tokenize` (acme/parser.py) raises `TypeError`")
    assert "at line 25 when `not isinstance(text, str)` holds" in raised["output"]
    message = find(records, "debug", "cannot parse an empty expression", "That message is raised")
    assert "`Parser.parse`" in message["output"] and "`ParseError`" in message["output"]
    assert "`not text.strip()`" in message["output"]
    nested = find(records, "debug", "`Parser._group` (acme/parser.py) raises `ParseError`")
    assert "`self.depth > self.max_depth`" in nested["output"]
    handler = find(records, "debug", "catches `FileNotFoundError`")
    assert "`load_config`" in handler["output"] and "except FileNotFoundError:" in handler["output"]
    arguments = find(records, "debug", "`strict` (`bool`, keyword-only) optional, default `False`")
    assert "`text` (`str`) required" in arguments["output"] and "`tokenize`" in arguments["instruction"]
    thrown = find(records, "debug", "`Button` (web/Button.tsx) throws `Error`")
    assert "`!label`" in thrown["output"]

    js_message = find(records, "debug", "count must not be negative, got ...", "That message is thrown")
    assert "`RangeError`" in js_message["output"] and "`n < 0`" in js_message["output"]
