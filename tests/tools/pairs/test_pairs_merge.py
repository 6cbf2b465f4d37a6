"""What the tool adds to its generators: the user's own pairs (format errors fixed and reported, never
dropped by the cap), pairs of the brain pass, the grounding check, the dashboard's throughput and score."""

from __future__ import annotations

import json
from pathlib import Path

from goose_studio.tools.pairs.dashboard import measured_throughput, quality
from goose_studio.tools.pairs.grounding import Vocabulary
from goose_studio.tools.pairs.language import detect_language, languages
from goose_studio.tools.pairs.userpairs import read_pairs_file
from facts_helpers import brewlog, repo_of  # noqa: F401  (fixtures)
from pairs_helpers import ctx, read_jsonl, run  # noqa: F401  (fixtures)

MESSY = "\ufeff" + "\r\n".join([
    '{"instruction": "What is brewlog?", "output": "  A log of coffee brews.  "},',
    '{"Prompt": "How strong is 18g?", "completion": 7}',
    '{"question": "Which grind for espresso?",',
    ' "answer": "Fine."}',
    '{"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]}',
    'this is not json',
    '{"instruction": "No answer here"}',
    '{"instruction": "What is brewlog?", "output": "A log of coffee brews."}',
])


def test_a_messy_pairs_file_is_fixed_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_bytes(MESSY.encode("utf-8"))
    got = read_pairs_file(path)
    assert [(p.instruction, p.output) for p in got.pairs] == [
        ("What is brewlog?", "A log of coffee brews."), ("How strong is 18g?", "7"),
        ("Which grind for espresso?", "Fine."), ("Hi?", "Hello.")]
    assert {"byte_order_mark", "windows_line_ends", "trailing_comma", "key_names", "answer_not_text",
            "row_over_several_lines", "whitespace"} <= set(got.fixed)
    assert [(s["line"], s["reason"]) for s in got.skipped] == [(6, "not_json"), (7, "no_answer"), (8, "repeat")]
    as_array = tmp_path / "array.json"
    as_array.write_text(json.dumps([{"prompt": "a?", "response": "b."}]))
    assert [p.output for p in read_pairs_file(as_array).pairs] == ["b."]
    assert read_pairs_file(tmp_path / "missing.jsonl").error == "missing"
    (tmp_path / "bin.jsonl").write_bytes(b"\x00\x01\x02")
    assert read_pairs_file(tmp_path / "bin.jsonl").error == "binary"


def test_user_pairs_are_merged_and_never_dropped_by_the_cap(brewlog: Path, tmp_path: Path, ctx) -> None:
    mine = tmp_path / "mine.jsonl"
    mine.write_text("".join(json.dumps({"instruction": f"Brew question {i}?", "output": f"Brew answer {i}."}) + "\n"
                            for i in range(30)))
    result = run(brewlog, tmp_path / "out", ctx, repo_name="brewlog", max_pairs=20, min_pairs=5,
                 pairs_file=str(mine))
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    user = [r for r in records if r["origin"] == "user"]
    assert len(user) == 30 and result.stats.user_pairs == 30  # beyond max_pairs, and all on the train side
    assert all(r in read_jsonl(Path(result.train_file)) for r in user)
    assert len(records) - 30 == 20 and result.stats.per_origin["user"] == 30
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\x00\x00\x00")
    skipped = run(brewlog, tmp_path / "out2", ctx, repo_name="brewlog", min_pairs=5, pairs_file=str(broken))
    assert skipped.stats.user_file_error == "binary" and skipped.stats.user_pairs == 0  # skipped, the rest used


def test_the_users_pairs_alone_and_by_language(brewlog: Path, tmp_path: Path, ctx) -> None:
    mine = tmp_path / "mine.jsonl"
    rows = [{"instruction": f"How do I brew cup {i} with the grinder?", "output": f"Use the fine grind for cup {i}."}
            for i in range(12)]
    rows += [{"instruction": f"Wie koche ich die Tasse {i} mit der Mühle?", "output": f"Nimm die feine Mahlung {i}."}
             for i in range(12)]
    mine.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    both = run(brewlog, tmp_path / "a", ctx, repo_name="brewlog", min_pairs=5, pairs_file=str(mine), pairs_only=True)
    assert both.stats.per_origin == {"user": 24} and both.eval_pairs >= 1  # held out from the user's own pairs
    assert both.stats.user_languages == {"de": 12, "en": 12}
    german = run(brewlog, tmp_path / "b", ctx, repo_name="brewlog", min_pairs=5, pairs_file=str(mine), pairs_only=True,
                 language="de")
    assert german.train_pairs + german.eval_pairs == 12
    assert languages([r["instruction"] for r in rows]) == {"de": 12, "en": 12}
    assert detect_language("ok") == "und"


def test_brain_pairs_join_the_generated_ones(brewlog: Path, tmp_path: Path, ctx) -> None:
    brain = tmp_path / "brain.jsonl"
    brain.write_text(json.dumps({"instruction": "What ratio is too weak for brewlog?", "category": "behaviour",
                                 "output": "Above 18 grams of water per gram (see brewlog/models.py:11).",
                                 "source": "brewlog/models.py:11", "group": "brewlog/models.py"}) + "\n")
    result = run(brewlog, tmp_path / "out", ctx, repo_name="brewlog", min_pairs=5, brain_pairs_file=str(brain))
    assert result.stats.brain_pairs == 1 and result.stats.per_origin["brain"] == 1


def test_grounding_flags_names_and_values_the_repository_does_not_have(brewlog: Path) -> None:
    vocabulary = Vocabulary(repo_of(brewlog), {"README.md": "Brews are stored in `brews.json`."})
    assert vocabulary.unknown("`MAX_RATIO` is 18 (see brewlog/models.py:11).") == []
    assert vocabulary.unknown("`MAX_STRENGTH` is 99 in brewlog/limits.py and uses grind_size.") == [
        "brewlog/limits.py", "MAX_STRENGTH", "grind_size", "99"]
    assert vocabulary.grounded("It reads `brews.json` (lines 1-3, and 40 more).")
    assert vocabulary.grounded("The answer is 77.", question="Is it 77?")  # a value the question gives


def test_throughput_is_calibrated_from_the_workspaces_runs(tmp_path: Path) -> None:
    assert measured_throughput(tmp_path) == (None, 0)
    for run_id, runtime in (("a-run", 20.0), ("b-run", 40.0), ("c-run", 60.0)):
        (tmp_path / "runs" / run_id).mkdir(parents=True)
        (tmp_path / "output" / run_id).mkdir(parents=True)
        (tmp_path / "data" / "generated" / run_id).mkdir(parents=True)
        (tmp_path / "output" / run_id / "train_results.json").write_text(json.dumps({"train_runtime": runtime}))
        (tmp_path / "data" / "generated" / run_id / "stats.json").write_text(json.dumps({"train_tokens": 5000,
                                                                                          "epochs": 2}))
    assert measured_throughput(tmp_path) == (4.0, 3)  # the median of 2, 4 and 6 s per 1k tokens


def test_quality_score_parts() -> None:
    score, parts = quality({"explain": 100, "defaults": 100, "docs": 100}, 10, [50] * 300, 1.0, 2 / 3)
    assert parts == {"coverage": 0.75, "volume": 1.0, "balance": 1.0, "fit": 1.0, "grounded": 1.0, "knowledge": 1.0}
    assert score == 94
    assert quality({}, 4, [], 1.0, 0.0)[0] == 0
