"""SOURCE in a run: learn's arguments for every kind of source, the step's list of sources, the Guide's
choices for what only the user can decide (unclear columns, mixed languages, an empty upload), and a run
that asks, takes the answer and goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from goose_studio.agents.guide import build_question
from goose_studio.agents.remedies import apply_fix
from goose_studio.errors import Failure, FailureKind, ToolFailure
from goose_studio.events import read_events
from goose_studio.graphs.steps.source import source_list
from goose_studio.options import RunOptions
from goose_studio.runner import execute, resume_run, start_run
from goose_studio.runstore import RunStatus
from goose_studio.tools.registry import REGISTRY, load_all, validate_args
from goose_studio.tools.runs import LearnArgs, create_run
from goose_studio.workspace import Workspace
from ingest_helpers import collect, ctx, isolated_env, write  # noqa: F401

UNCLEAR_CSV = "left,right,other\napple,pomme,fruit\nhouse,maison,place\n"


def choice_ids(failure: ToolFailure, **options) -> list[str]:
    opts = RunOptions(source="x", **options).model_dump()
    q = build_question("r", Failure.of(failure, "source"), opts, {}, [])
    return [c.id for c in q.choices]


def test_learn_takes_several_sources_of_every_kind(tmp_path, monkeypatch):
    load_all()
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "notes.pdf", b"%PDF-1.4")
    args = validate_args(REGISTRY["learn"], {"sources": ["notes.pdf", "hf:owner/data", "owner/repo#v1"],
                                             "columns": "instruction=q,output=a", "pairs_only": True})
    assert args.given_sources() == [str(tmp_path / "notes.pdf"), "hf:owner/data", "owner/repo#v1"]
    opts = args.run_options()
    assert opts["sources"] == args.given_sources() and opts["columns"] == "instruction=q,output=a"
    assert opts["pairs_only"] is True and "source" not in opts
    single = LearnArgs(source="data.csv")
    assert single.resolved_source() == "data.csv" and single.run_options()["sources"] is None
    both = LearnArgs(source="a.csv", sources=["b.csv", "a.csv"])
    assert both.given_sources() == ["a.csv", "b.csv"]
    for bad in ({}, {"sources": []}, {"source": "x", "example": True}):
        with pytest.raises(ToolFailure) as info:
            validate_args(REGISTRY["learn"], bad)
        assert info.value.kind is FailureKind.invalid_input


def test_the_step_learns_the_sources_until_the_source_is_replaced():
    several = RunOptions(source="a", sources=["a", "b"])
    assert source_list(several) == ["a", "b"]
    assert source_list(several.merged({"source": "recipe:coding-assistant"})) == ["recipe:coding-assistant"]
    assert source_list(RunOptions(source="a")) == ["a"]


def test_guide_choices_for_unclear_columns_and_the_answer_they_make(tmp_path, ctx):
    table = write(tmp_path / "t.csv", UNCLEAR_CSV)
    with pytest.raises(ToolFailure) as info:
        collect(ctx, table)
    failure = info.value
    assert choice_ids(failure) == ["use-guess", "use-alternative", "map-columns", "other-source", "retry"]
    from goose_studio.agents.guide import find_choice

    opts = RunOptions(source=str(table)).model_dump()
    guess = find_choice(Failure.of(failure, "source"), opts, {}, "use-guess")
    assert apply_fix(guess.fix, opts, {}, Failure.of(failure, "source")) == {"columns": failure.details["guess"]}
    mapped = find_choice(Failure.of(failure, "source"), opts, {}, "map-columns")
    assert apply_fix(mapped.fix, opts, {}, None, value="instruction=left,output=right", param=mapped.param) == \
        {"columns": "instruction=left,output=right"}


def test_guide_choices_for_mixed_languages_and_an_empty_upload(tmp_path, ctx):
    mixed = ToolFailure(FailureKind.needs_user, "several languages", details={"main_language": "en",
                                                                             "languages": {"en": 40, "de": 20}})
    assert choice_ids(mixed) == ["keep-main-language", "keep-all-languages", "other-source", "retry"]
    with pytest.raises(ToolFailure) as empty:
        collect(ctx, write(tmp_path / "empty.txt", ""))
    ids = choice_ids(empty.value)
    assert ids[0] == "recipe-coding-assistant" and len([i for i in ids if i.startswith("recipe-")]) == 6
    assert ids[-2:] == ["other-source", "retry"]
    offline = ToolFailure(FailureKind.missing_dependency, "not here", details={"dataset": "a/b"})
    assert choice_ids(offline) == ["recipe-coding-assistant", "other-source", "retry"]
    gone = ToolFailure(FailureKind.not_found, "gone", details={"source": "/x"})
    assert choice_ids(gone) == ["other-source", "retry"]  # unchanged for a path that is not there


def test_a_run_asks_about_unclear_columns_and_goes_on_with_the_answer(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_BRAIN", "rules")
    monkeypatch.setenv("GOOSE_STUDIO_FAULTS", "build:internal*always")  # the run stops after SOURCE
    ws = Workspace.from_env()
    table = write(tmp_path / "glossary.csv", UNCLEAR_CSV)
    run_id = create_run(ws, LearnArgs(sources=[str(table), str(tmp_path / "absent")], preset="smoke"))
    first = execute(ws, run_id)
    assert first.status is RunStatus.waiting and first.question.tab == "source"
    assert first.question.kind == "needs_user" and first.failure.details["file"] == str(table)
    done = resume_run(ws, run_id, answer="map-columns=instruction=left,output=right")
    assert done.status is RunStatus.waiting and done.question.tab == "build"
    source = done.state["source"]
    assert source.pairs == 2 and source.pairs_only and Path(source.pairs_file).is_file()
    assert [p.status for p in source.parts] == ["used", "skipped"]
    complete = [e for e in read_events(ws.run_paths(run_id).events) if e.type == "step.source.complete"]
    assert len(complete) == 1 and complete[0].payload["pairs"] == 2
