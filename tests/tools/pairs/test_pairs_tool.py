"""The generate_pairs tool end to end: registration, grounded pairs in every category, byte-identical
output, LLaMA-Factory registration and loading, typed failures, progress events and argument checks."""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import EventBus, read_events
from goose_studio.tools.index_models import INDEX_FILENAME, CodeIndex
from goose_studio.tools.pairs import CATEGORIES, GeneratePairsArgs, GeneratePairsResult
from goose_studio.tools.pairs import tool as tool_mod
from goose_studio.tools.registry import REGISTRY, ToolContext, validate_args
from goose_studio.workspace import Workspace
from pairs_helpers import (  # noqa: F401  (fixtures)
    ACME,
    OUTPUT_FILES,
    acme,
    code_blocks,
    ctx,
    make_indexed_repo,
    read_jsonl,
    run,
    write_files,
)


def test_tool_is_registered_for_the_prepare_tab() -> None:
    spec = REGISTRY["generate_pairs"]
    assert spec.tab == "prepare"
    assert spec.args_model is GeneratePairsArgs
    assert spec.result_model is GeneratePairsResult


def test_pairs_cover_the_categories_and_are_grounded_in_the_repo(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx)
    records = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    assert len(records) == result.train_pairs + result.eval_pairs
    assert result.train_pairs + result.eval_pairs >= 40

    present = {r["category"] for r in records}
    assert set(present) == set(CATEGORIES)  # the fixture has Python, tests and TSX components
    assert result.stats.per_category == {c: sum(r["category"] == c for r in records) for c in CATEGORIES}

    index = CodeIndex.model_validate_json((acme / INDEX_FILENAME).read_text())
    paths = {f.path for f in index.files}
    dirs = {f"`{f.path.rsplit('/', 1)[0]}/`" for f in index.files if "/" in f.path}
    names = {s.name for f in index.files for s in f.symbols} | {s.qualname for f in index.files for s in f.symbols}
    lines_of = {f.path: f.lines for f in index.files}
    for r in records:
        assert set(r) >= {"instruction", "input", "output", "category", "source"}
        assert r["input"] == ""
        assert r["instruction"].strip() and r["output"].strip()
        # every answer names a real file, folder or symbol of the repository
        assert (any(p in r["output"] for p in paths) or any(f"`{n}`" in r["output"] for n in names)
                or any(d in r["output"] for d in dirs)), r
        # a single-file source is a real span of a real file
        m = re.fullmatch(r"(.+):(\d+)-(\d+)", r["source"])
        if m:
            assert m.group(1) in paths
            assert 1 <= int(m.group(2)) <= int(m.group(3)) <= lines_of[m.group(1)]
            assert r["group"] == m.group(1)
        # answers stay short enough for a small context
        assert len(r["output"]) <= 900
        for block in code_blocks(r["output"]):
            assert len(block) <= 25 + 1  # 25 lines plus the "... (N more lines)" marker

    # implementation answers quote the file itself, line for line
    impls = [r for r in records if "Its implementation:" in r["output"]]
    assert impls
    for r in impls:
        source_lines = {line.strip() for line in (acme / r["group"]).read_text().splitlines()}
        for line in code_blocks(r["output"])[0]:
            assert line.strip() in source_lines or re.search(r"\.\.\. \(\d+ more lines?\)", line), (r, line)


def test_output_is_byte_identical_across_runs_and_folders(acme: Path, tmp_path: Path, ctx) -> None:
    first = run(acme, tmp_path / "one", ctx)
    second = run(acme, tmp_path / "elsewhere" / "two", ctx)
    assert first.stats == second.stats
    for name in OUTPUT_FILES:
        a = (tmp_path / "one" / name).read_bytes()
        b = (tmp_path / "elsewhere" / "two" / name).read_bytes()
        assert a == b, name
        assert str(tmp_path).encode() not in a  # repo-relative paths only
    reseeded = run(acme, tmp_path / "three", ctx, seed=7)
    assert (tmp_path / "three" / "train.jsonl").read_bytes() != (tmp_path / "one" / "train.jsonl").read_bytes()
    assert reseeded.train_pairs + reseeded.eval_pairs == first.train_pairs + first.eval_pairs


def test_dataset_info_registers_both_files_for_llamafactory(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx, repo_name="Acme Tools")
    assert (result.dataset_name_train, result.dataset_name_eval) == ("acme_tools_train", "acme_tools_eval")
    info = json.loads(Path(result.dataset_info_path).read_text())
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    assert info == {
        "acme_tools_train": {"file_name": "train.jsonl", "formatting": "alpaca", "columns": columns},
        "acme_tools_eval": {"file_name": "eval.jsonl", "formatting": "alpaca", "columns": columns},
    }
    stats = json.loads(Path(result.stats_path).read_text())
    assert stats["train_pairs"] == result.train_pairs and stats["eval_pairs"] == result.eval_pairs
    assert stats["per_category"] == result.stats.per_category
    assert Path(result.dataset_dir) == (tmp_path / "out").resolve()


def test_llamafactory_loads_and_aligns_both_datasets(acme: Path, tmp_path: Path, ctx) -> None:
    from llamafactory.data.loader import _load_single_dataset
    from llamafactory.data.parser import get_dataset_list
    from llamafactory.hparams import DataArguments

    result = run(acme, tmp_path / "out", ctx)
    data_args = DataArguments(
        dataset_dir=result.dataset_dir, dataset=result.dataset_name_train, eval_dataset=result.dataset_name_eval
    )
    attrs = get_dataset_list([result.dataset_name_train, result.dataset_name_eval], data_args.dataset_dir)
    assert [(a.load_from, a.dataset_name, a.formatting) for a in attrs] == [
        ("file", "train.jsonl", "alpaca"), ("file", "eval.jsonl", "alpaca")]
    assert (attrs[0].prompt, attrs[0].query, attrs[0].response) == ("instruction", "input", "output")

    model_args = SimpleNamespace(cache_dir=str(tmp_path / "hf-cache"), hf_hub_token=None)
    training_args = SimpleNamespace(local_process_index=0, dataloader_num_workers=0, seed=0)
    for attr, path, expected in zip(attrs, (result.train_file, result.eval_file),
                                    (result.train_pairs, result.eval_pairs)):
        dataset = _load_single_dataset(attr, model_args, data_args, training_args)
        assert len(dataset) == expected
        first = read_jsonl(Path(path))[0]
        row = dataset[0]
        assert row["_prompt"] == [{"role": "user", "content": first["instruction"]}]
        assert row["_response"] == [{"role": "assistant", "content": first["output"]}]


def test_too_few_pairs_is_insufficient_data(tmp_path: Path, ctx) -> None:
    tiny = make_indexed_repo(tmp_path / "tiny", {"only.py": '''
        def add(a, b):
            """Add two numbers."""
            return a + b
    '''})
    with pytest.raises(ToolFailure) as info:
        run(tiny, tmp_path / "out", ctx)
    failure = info.value
    assert failure.kind is FailureKind.insufficient_data
    assert failure.details["min_pairs"] == 40
    assert failure.details["files_indexed"] == 1
    assert 0 < failure.details["pairs"] < 40
    assert sum(failure.details["per_category"].values()) == failure.details["pairs"]
    assert set(failure.details["per_category"]) == set(CATEGORIES)
    assert f"Only {failure.details['pairs']} training pairs" in failure.message
    assert "--min-pairs" in failure.hint
    assert not (tmp_path / "out" / "train.jsonl").exists()


def test_min_pairs_above_what_the_repo_yields(acme: Path, tmp_path: Path, ctx) -> None:
    with pytest.raises(ToolFailure) as info:
        run(acme, tmp_path / "out", ctx, min_pairs=5000, max_pairs=5000)
    assert info.value.kind is FailureKind.insufficient_data
    assert info.value.details["files_indexed"] == len(ACME)


def test_missing_index_is_not_found(tmp_path: Path, ctx) -> None:
    repo = write_files(tmp_path / "noindex", {"a.py": "def f():\n    return 1\n"})
    with pytest.raises(ToolFailure) as info:
        run(repo, tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.not_found
    assert "index_code" in info.value.hint

    with pytest.raises(ToolFailure) as info:
        run(repo, tmp_path / "out", ctx, index_path=str(tmp_path / "elsewhere.json"))
    assert info.value.kind is FailureKind.not_found


def test_corrupt_index_is_corrupted(tmp_path: Path, ctx) -> None:
    repo = write_files(tmp_path / "broken", {"a.py": "def f():\n    return 1\n"})
    (repo / INDEX_FILENAME).write_text("{not json")
    with pytest.raises(ToolFailure) as info:
        run(repo, tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.corrupted
    assert "index_code" in info.value.hint

    (repo / INDEX_FILENAME).write_text(json.dumps({"schema_version": 99, "repo_root": "x", "files": []}))
    with pytest.raises(ToolFailure) as info:
        run(repo, tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.corrupted


def test_missing_repo_is_not_found(tmp_path: Path, ctx) -> None:
    with pytest.raises(ToolFailure) as info:
        run(tmp_path / "nowhere", tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.not_found


def test_disk_full_while_writing_is_typed(acme: Path, tmp_path: Path, ctx, monkeypatch) -> None:
    def no_space(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tool_mod, "write_atomic", no_space)
    with pytest.raises(ToolFailure) as info:
        run(acme, tmp_path / "out", ctx)
    assert info.value.kind is FailureKind.disk_full


def test_progress_is_reported_on_the_prepare_tab(acme: Path, tmp_path: Path) -> None:
    bus = EventBus("run-1", tmp_path / "events.jsonl")
    ctx = ToolContext(workspace=Workspace(tmp_path / "ws"), run_id="run-1", events=bus, tab="prepare")
    result = run(acme, tmp_path / "out", ctx)
    events = [e for e in read_events(tmp_path / "events.jsonl") if e.type == "step.prepare.progress"]
    stages = [e.payload["stage"] for e in events]
    assert stages[0] == "index" and stages[-1] == "write"
    assert [e.payload["category"] for e in events if e.payload["stage"] == "generate"] == list(CATEGORIES)
    assert events[-1].payload == {"stage": "write", "train": result.train_pairs, "eval": result.eval_pairs}


def test_invalid_arguments_are_rejected() -> None:
    spec = REGISTRY["generate_pairs"]
    with pytest.raises(ToolFailure) as info:
        validate_args(spec, {"repo_path": "r", "out_dir": "o", "min_pairs": 50, "max_pairs": 10})
    assert info.value.kind is FailureKind.invalid_input
    with pytest.raises(ToolFailure) as info:
        validate_args(spec, {"repo_path": "r", "out_dir": "o", "categories": ["poetry"]})
    assert info.value.kind is FailureKind.invalid_input
    with pytest.raises(ValidationError):
        GeneratePairsArgs(repo_path="r", out_dir="o", held_out_ratio=0.0)
    args = validate_args(spec, {"repo_path": "r", "out_dir": "o"})
    assert args.categories == list(CATEGORIES) and args.min_pairs == 40 and args.max_pairs == 400
