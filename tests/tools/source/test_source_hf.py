"""Hugging Face datasets as sources, offline: folders made with save_to_disk, data files, a Hugging Face cache
laid out as the hub library lays it, and the Hub itself through a stand-in for datasets.load_dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.source import hfdata
from ingest_helpers import by_path, collect, ctx, isolated_env, jsonl, user_pairs  # noqa: F401

ENGLISH = [("How do I add a task?", "Run minitask add with the title of the task."),
           ("What is the default priority?", "The default priority of a task is normal."),
           ("How are tasks stored?", "Tasks are stored in a JSON file in the home folder.")]


def fake_hub_dataset(cache: Path, repo_id: str, files: dict[str, list[dict]]) -> Path:
    """A dataset repository in the hub cache layout: refs/main naming a snapshot that holds ``files``."""
    base = cache / ("datasets--" + repo_id.replace("/", "--"))
    snapshot = base / "snapshots" / ("a1b2c3" * 6 + "d4e5")
    for rel, rows in files.items():
        path = snapshot / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(rows), path)
        else:
            path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (base / "refs").mkdir(parents=True, exist_ok=True)
    (base / "refs" / "main").write_text(snapshot.name)
    return snapshot


def test_a_save_to_disk_folder_and_a_dataset_dict(tmp_path, ctx):
    import datasets

    rows = {"question": [q for q, _ in ENGLISH], "answer": [a for _, a in ENGLISH]}
    datasets.Dataset.from_dict(rows).save_to_disk(str(tmp_path / "saved"))
    datasets.DatasetDict({"train": datasets.Dataset.from_dict(rows),
                          "test": datasets.Dataset.from_dict({"question": ["Held out?"], "answer": ["Yes it is."]})}
                         ).save_to_disk(str(tmp_path / "dict"))
    saved = collect(ctx, tmp_path / "saved")
    assert saved.pairs == 3 and saved.source_type == "hf-dataset" and saved.parts[0].kind == "hf-dataset"
    test_split = collect(ctx, f"hf:{tmp_path / 'dict'}?split=test")
    assert [p["output"] for p in user_pairs(test_split)] == ["Yes it is."]
    with pytest.raises(ToolFailure) as info:
        collect(ctx, f"hf:{tmp_path / 'dict'}?split=validation")
    assert info.value.kind is FailureKind.invalid_input and set(info.value.details["splits"]) == {"test", "train"}


def test_a_hub_id_is_read_from_the_cache_offline_by_split(tmp_path, ctx):
    fake_hub_dataset(tmp_path / "hf-cache", "owner/tasks", {
        "data/train-00000-of-00001.parquet": [{"instruction": q, "output": a} for q, a in ENGLISH],
        "data/test-00000-of-00001.jsonl": [{"instruction": "Held out?", "output": "Held out."}],
        "README.md": [],
    })
    train = collect(ctx, "hf:owner/tasks")
    entry = train.inputs[0]
    assert train.pairs == 3 and entry.kind == "dataset" and any("Hugging Face cache" in f for f in entry.fixes)
    assert train.name == "tasks" and train.preview[0]["instruction"] == ENGLISH[0][0]
    assert collect(ctx, "hf:owner/tasks?split=test").pairs == 1
    with pytest.raises(ToolFailure) as info:
        collect(ctx, "hf:owner/tasks?split=validation")
    assert info.value.kind is FailureKind.invalid_input and set(info.value.details["splits"]) == {"train", "test"}


def test_a_dataset_that_is_not_here_offline_names_what_is_needed(tmp_path, ctx):
    with pytest.raises(ToolFailure) as info:
        collect(ctx, "hf:someone/not-downloaded")
    failure = info.value
    assert failure.kind is FailureKind.missing_dependency
    assert failure.details["download"] == "huggingface-cli download --repo-type dataset someone/not-downloaded"
    assert failure.details["needs"] and "HF_HUB_OFFLINE" in failure.message
    for bad in ("hf:bad id with spaces", "hf:owner/name?colour=blue"):
        with pytest.raises(ToolFailure) as wrong:
            collect(ctx, bad)
        assert wrong.value.kind is FailureKind.invalid_input


def test_filters_length_language_repeats_and_category_balance(tmp_path, ctx):
    rows = [{"instruction": q, "output": a, "category": "howto"} for q, a in ENGLISH] * 2  # repeats
    rows += [{"instruction": "x", "output": "too short a question", "category": "howto"}]
    rows += [{"instruction": f"Wie funktioniert die Aufgabe {i}?", "output": "Die Aufgabe ist nicht fertig und "
              "wird von dem Planer für den Tag vorbereitet.", "category": "de"} for i in range(3)]
    rows += [{"instruction": f"What does the report {i} show?", "output": f"The report {i} shows the open tasks of "
              "the week.", "category": "report"} for i in range(10)]
    jsonl(tmp_path / "ds" / "train.jsonl", rows)
    result = collect(ctx, f"hf:{tmp_path / 'ds'}", language="en", max_rows=6)
    pairs = user_pairs(result)
    fixes = " | ".join(result.inputs[0].fixes)
    assert "exact repeats" in fixes and "length limits" in fixes and "not in language 'en'" in fixes
    assert len(pairs) == 6 and {p["category"] for p in pairs} == {"howto", "report"}
    assert sum(p["category"] == "howto" for p in pairs) == 3  # both categories get their turn
    assert "categories balanced" in fixes


def test_mixed_languages_are_detected_and_the_user_chooses(tmp_path, ctx):
    english = [{"instruction": f"How is task number {i} planned?", "output": "It is planned by the scheduler "
                "that runs in the background."} for i in range(40)]
    german = [{"instruction": f"Wie wird die Aufgabe {i} geplant?", "output": "Sie wird von dem Planer im "
               "Hintergrund geplant und ist nicht sofort fertig."} for i in range(25)]
    jsonl(tmp_path / "ds" / "train.jsonl", english + german)
    with pytest.raises(ToolFailure) as info:
        collect(ctx, f"hf:{tmp_path / 'ds'}")
    failure = info.value
    assert failure.kind is FailureKind.needs_user
    assert failure.details["main_language"] == "en" and failure.details["second_language"] == "de"
    assert failure.details["languages"]["de"] == 25
    assert collect(ctx, f"hf:{tmp_path / 'ds'}", language="en").pairs == 40
    assert collect(ctx, f"hf:{tmp_path / 'ds'}", language="all").pairs == 65


def test_a_text_dataset_becomes_a_document(tmp_path, ctx):
    jsonl(tmp_path / "corpus" / "train.jsonl", [{"text": "The scheduler runs every minute and plans tasks."},
                                                {"text": "Hooks are called before and after each task."}])
    result = collect(ctx, f"hf:{tmp_path / 'corpus'}")
    assert result.pairs == 0 and result.documents == 1 and result.index_optional
    doc = Path(result.repo_path) / result.inputs[0].placed
    assert "Hooks are called" in doc.read_text()


def test_online_the_hub_is_read_with_load_dataset_and_its_failures_are_typed(tmp_path, ctx, monkeypatch):
    import datasets

    calls = []

    def fake_load(path, name=None, split=None, streaming=False, revision=None):
        calls.append((path, name, split, streaming))
        if path == "owner/missing":
            raise datasets.exceptions.DatasetNotFoundError(f"Dataset '{path}' doesn't exist on the Hub")
        if path == "owner/offline":
            raise ConnectionError("Couldn't reach 'owner/offline' on the Hub (LocalEntryNotFoundError)")
        return iter([{"prompt": f"q{i}?", "response": f"answer {i}."} for i in range(10)])

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    result = collect(ctx, "hf:owner/online?config=main&split=test", max_rows=2)
    assert calls[0] == ("owner/online", "main", "test", True)
    assert result.pairs == 2 and any("Hub" in f for f in result.inputs[0].fixes)
    with pytest.raises(ToolFailure) as missing:
        collect(ctx, "hf:owner/missing")
    assert missing.value.kind is FailureKind.not_found
    with pytest.raises(ToolFailure) as unreachable:  # not reachable and not cached
        collect(ctx, "hf:owner/offline")
    assert unreachable.value.kind is FailureKind.transient and unreachable.value.details["download"]
    fake_hub_dataset(tmp_path / "hf-cache", "owner/offline", {"train.jsonl": [{"question": "cached?", "answer": "yes"}]})
    assert collect(ctx, "hf:owner/offline").pairs == 1  # unreachable, but in the cache


def test_split_names_of_data_files():
    assert hfdata._split_of("data/train-00000-of-00002.parquet") == "train"
    assert hfdata._split_of("validation/part.jsonl") == "validation" and hfdata._split_of("dev.csv") == "validation"
    assert hfdata._split_of("data/contest.jsonl") is None  # "test" inside a word is no split
