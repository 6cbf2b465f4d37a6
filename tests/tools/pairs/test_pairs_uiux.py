"""The uiux category: a component's props, hooks and rendered children."""

from __future__ import annotations

from pathlib import Path

from pairs_helpers import acme, ctx, find, read_jsonl, run  # noqa: F401  (fixtures)


def test_uiux_answers_state_what_the_code_says(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))

    component = find(records, "uiux", "`Button` is a UI component")
    assert "`label` and `onClick`" in component["output"]
    assert "`useState`" in component["output"] and "renders `Icon`" in component["output"]
