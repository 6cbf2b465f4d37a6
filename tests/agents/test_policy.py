"""The routing table, the budgets, the rules as data, the Guide's choices and answers, and fault injection."""
from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from llm_server import completion
from goose_studio.agents import policy
from goose_studio.agents.brain import OpenAIBrain
from goose_studio.agents.guide import build_question, choices_for, parse_answer
from goose_studio.agents.remedies import (Fix, Remedy, apply_fix, fallbacks, guides, parse_rules, repairs)
from goose_studio.errors import Failure, FailureKind, ToolFailure
from goose_studio.events import TABS, EventBus
from goose_studio.faults import maybe_fail, parse
from goose_studio.graphs.conductor import Conductor
from goose_studio.options import RunOptions
from goose_studio.runstore import GuideChoice, Question
from goose_studio.workspace import Workspace

DEFAULT_OPTIONS = RunOptions(source="/src").model_dump()

CURRENT = {"batch_size": 1, "cutoff_len": 256, "learning_rate": 5e-4, "epochs": 1.0, "max_steps": None}


def state(tab: str, kind: str, message: str = "it broke", details: dict | None = None, options: dict | None = None,
          **extra) -> dict:
    return {"options": RunOptions.model_validate(options or DEFAULT_OPTIONS),
            "failure": Failure(tab=tab, kind=kind, message=message, details=details or {}), **extra}


def test_the_rules_files_are_valid_and_cover_every_kind_and_tab():
    assert repairs() and fallbacks() and guides()
    assert set(policy.ROUTES) == set(FailureKind)
    for tab in TABS:
        for kind in FailureKind:
            failure = Failure(tab=tab, kind=kind, message="")
            choices = choices_for(failure, {**DEFAULT_OPTIONS, "model": "embedded"}, CURRENT)
            assert choices[-1].id == "retry", (tab, kind)


def test_every_problem_in_a_rules_file_is_reported_at_once():
    text = """
- {id: Bad_Id, tab: train, kinds: [oom], diagnosis: x, fix: {}}
- {id: ok-one, tab: nowhere, kinds: [oom], diagnosis: x, fix: {}}
- {id: ok-two, tab: train, kinds: [oom], diagnosis: x, fix: {set: {rm_rf: true}}}
- {id: ok-two, tab: train, kinds: [oom], diagnosis: x, fix: {}}
"""
    with pytest.raises(ToolFailure) as err:
        parse_rules(text, "repairs.yaml", Remedy)
    problems = err.value.details["problems"]
    assert len(problems) >= 4 and any("ok-one" in p and "tab" in p for p in problems)
    assert any("Bad_Id" in p for p in problems) and any("rm_rf" in p for p in problems)
    assert any("appears twice" in p for p in problems)


def test_a_fix_may_change_only_known_options_within_bounds():
    with pytest.raises(ValidationError):
        Fix(set={"shell": "rm -rf /"})
    opts = {"cutoff_len": 100, "batch_size": None}
    assert apply_fix(Fix(scale={"cutoff_len": 0.5}), opts, CURRENT, None) == {"cutoff_len": 64}  # the floor
    assert apply_fix(Fix(scale={"batch_size": 0.5}), opts, CURRENT, None) == {}  # already 1: no change
    assert apply_fix(Fix(scale={"max_steps": 2.0}), opts, CURRENT, None) == {}  # trained by epochs
    assert apply_fix(Fix(from_details={"min_pairs": "pairs"}), {"min_pairs": 40}, {},
                     Failure(kind="insufficient_data", message="", details={"pairs": 17})) \
        == {"min_pairs": 17}
    with pytest.raises(ValueError):
        apply_fix(Fix(set={"bf16": "yes"}), {}, {}, None)


def test_at_most_lowers_an_option_and_never_raises_it():
    fix = Fix(at_most={"cutoff_len": 128, "batch_size": 1})
    assert apply_fix(fix, {"batch_size": 4}, CURRENT, None) == {"cutoff_len": 128, "batch_size": 1}
    assert apply_fix(fix, {"cutoff_len": 64}, CURRENT, None) == {}  # already shorter, batch already 1
    assert apply_fix(Fix(at_most={"max_steps": 20}), {}, CURRENT, None) == {"max_steps": 20}  # was by epochs
    assert apply_fix(Fix(at_most={"max_steps": 20}), {"max_steps": 8}, CURRENT, None) == {}
    with pytest.raises(ValidationError):
        Fix(at_most={"anything": 1})


def test_a_run_already_on_short_sequences_is_not_offered_shorter_ones():
    failure = state("train", "oom")["failure"]
    options = {**DEFAULT_OPTIONS, "model": "embedded", "preset": "quick"}
    assert "shorter-sequences" in [c.id for c in choices_for(failure, options, CURRENT)]
    short = {**options, "cutoff_len": 64, "batch_size": 1}
    assert "shorter-sequences" not in [c.id for c in choices_for(failure, short, CURRENT)]


def test_transient_failures_retry_with_a_bounded_backoff_then_ask():
    s = state("source", "transient")
    assert policy.decide(s, CURRENT) == "retry"
    s["attempts"] = {"source": 3, "source:retry": 3}
    assert policy.decide(s, CURRENT) == "guide"  # no fallback matches a network failure
    assert [policy.backoff_s(n, 2.0) for n in (1, 2, 3, 9)] == [2.0, 4.0, 8.0, 30.0]


def test_oom_takes_repairs_in_order_then_the_fallback_then_asks():
    s = state("train", "oom", options={**DEFAULT_OPTIONS, "source": "/src", "model": "some/Model-7B"})
    cur = {**CURRENT, "batch_size": 4}
    assert policy.decide(s, cur) == "repair"
    assert [r.id for r in policy.candidates("repair", s, cur)][:3] == [
        "halve-batch", "gradient-checkpointing", "halve-cutoff"]  # smaller batch, then checkpointing, then sequences
    at_floor = {**cur, "batch_size": 1, "cutoff_len": 64}
    s["used"] = {"gradient-checkpointing": 1}
    assert policy.decide(s, at_floor) == "fallback"
    assert [r.id for r in policy.candidates("fallback", s, at_floor)] == ["smaller-model"]
    s["used"] = {"gradient-checkpointing": 1, "smaller-model": 1}
    assert policy.decide(s, at_floor) == "guide"


def test_budgets_end_every_run_in_the_guide():
    s = state("train", "oom", attempts={"train": policy.STEP_BUDGET})
    assert policy.decide(s, {**CURRENT, "batch_size": 8}) == "guide"
    s = state("train", "oom", total_attempts=policy.RUN_BUDGET)
    assert policy.decide(s, {**CURRENT, "batch_size": 8}) == "guide"


def test_kinds_only_the_user_can_settle_go_straight_to_the_guide():
    for kind in ("auth_required", "needs_user", "internal"):
        assert policy.decide(state("source", kind), CURRENT) == "guide"


def test_the_question_offers_only_choices_that_fit_the_run():
    failure = state("train", "oom")["failure"]
    embedded = {**DEFAULT_OPTIONS, "model": "embedded", "preset": "quick"}
    ids = [c.id for c in choices_for(failure, embedded, CURRENT)]
    assert "smaller-model" not in ids and ids[-1] == "retry"
    ids = [c.id for c in choices_for(failure, {**embedded, "model": "org/Big-8B"}, CURRENT)]
    assert ids[0] == "smaller-model"
    q = build_question("r-1", failure, embedded, CURRENT, ["repair: halve-batch"])
    assert q.tried == ["repair: halve-batch"] and q.answer_with == "goose-studio resume r-1 --answer <choice>"


def test_answers_are_checked_against_the_offered_choices():
    q = Question(run_id="r-1", tab="source", kind="not_found", message="", need="", answer_with="",
                 choices=[GuideChoice(id="other-source", label="x", param="source"), GuideChoice(id="retry", label="y")])
    assert parse_answer(q, "retry").model_dump() == {"choice": "retry", "value": None}
    assert parse_answer(q, "other-source=https://example.invalid/a.git").model_dump() == \
        {"choice": "other-source", "value": "https://example.invalid/a.git"}
    for bad in ("nope", "other-source", "retry=now", ""):
        with pytest.raises(ToolFailure) as err:
            parse_answer(q, bad)
        assert err.value.kind is FailureKind.invalid_input


def test_fault_specs_are_parsed_and_counted_in_the_run_folder(tmp_path, monkeypatch):
    assert parse("train:oom*2, prepare:too_few_pairs,publish:disk_full*always")[2].times is None
    for bad in ("train", "train:melted", "train:oom*x", "answer:oom"):
        with pytest.raises(ToolFailure) as err:
            parse(bad)
        assert err.value.kind is FailureKind.invalid_input
    monkeypatch.setenv("GOOSE_STUDIO_FAULTS", "train:oom*2,prepare:too_few_pairs")
    fired = []
    for _ in range(3):
        try:
            maybe_fail("train", "train", True, tmp_path / "faults.json")
        except ToolFailure as f:
            fired.append(f.kind)
    assert fired == [FailureKind.oom, FailureKind.oom]
    assert json.loads((tmp_path / "faults.json").read_text()) == {"train:oom": 2}
    maybe_fail("generate_pairs", "prepare", False, tmp_path / "faults.json")  # not the tab's primary tool
    with pytest.raises(ToolFailure) as scenario:
        maybe_fail("generate_pairs", "prepare", True, tmp_path / "faults.json")  # a tab target: its primary tool
    assert scenario.value.kind is FailureKind.insufficient_data and scenario.value.details["pairs"] == 12
    maybe_fail("clone", "source", True, tmp_path / "faults.json")  # no fault for this tool


def _conductor(tmp_path, brain) -> Conductor:
    ws = Workspace(tmp_path / "home")
    ws.ensure()
    (ws.runs / "r-brain").mkdir(exist_ok=True)
    return Conductor(ws, "r-brain", EventBus("r-brain", tmp_path / "events.jsonl"), brain=brain)


def test_a_brain_picks_among_the_matched_remedies_but_never_outside_them(tmp_path, local_server):
    s = state("train", "oom", options={**DEFAULT_OPTIONS, "source": "/src", "model": "org/Big-8B"})
    cands = policy.candidates("repair", s, {**CURRENT, "batch_size": 4})
    assert len(cands) >= 2
    good = local_server(lambda body: (200, "application/json", completion('{"id": "halve-cutoff"}')))
    chosen, by = _conductor(tmp_path, OpenAIBrain(good.base_url, timeout_s=5))._choose("repair", cands, s)
    assert (chosen.id, by) == ("halve-cutoff", "openai")
    assert "halve-batch" in good.requests[-1]["messages"][-1]["content"]  # the candidates were shown
    rogue = local_server(lambda body: (200, "application/json", completion('{"id": "format-the-disk"}')))
    chosen, by = _conductor(tmp_path, OpenAIBrain(rogue.base_url, timeout_s=5))._choose("repair", cands, s)
    assert (chosen.id, by) == (cands[0].id, "rules")
    garbage = local_server(lambda body: (200, "application/json", completion("I think you should panic.")))
    chosen, by = _conductor(tmp_path, OpenAIBrain(garbage.base_url, timeout_s=5))._choose("repair", cands, s)
    assert by == "rules"


def test_a_brains_own_fix_is_checked_like_data_before_it_is_taken(tmp_path, local_server):
    s = state("train", "oom", options={**DEFAULT_OPTIONS, "source": "/src"})
    cur = {**CURRENT, "batch_size": 4}
    cands = policy.candidates("repair", s, cur)
    proposal = local_server(lambda body: (200, "application/json", completion(
        '{"id": "custom", "set": {"batch_size": 2, "bf16": false}, "reason": "half the batch, full precision"}')))
    conductor = _conductor(tmp_path, OpenAIBrain(proposal.base_url, timeout_s=5))
    conductor.current_values = lambda state: cur
    chosen, by = conductor._choose("repair", cands, s)
    assert (chosen.id, by) == ("brain-proposal", "openai")
    assert chosen.fix.set == {"batch_size": 2, "bf16": False} and chosen.diagnosis.startswith("half the batch")
    assert "batch_size" in proposal.requests[-1]["messages"][-1]["content"]  # the options it may change
    for reply in ('{"id": "custom", "set": {"model": "someone/else"}}',  # not an option a brain may change
                  '{"id": "custom", "set": {"batch_size": "lots"}}',  # not a number
                  '{"id": "custom", "set": {"batch_size": 4}}',  # changes nothing
                  '{"id": "custom", "set": {"command": "rm -rf /"}}'):
        server = local_server(lambda body, reply=reply: (200, "application/json", completion(reply)))
        conductor = _conductor(tmp_path, OpenAIBrain(server.base_url, timeout_s=5))
        conductor.current_values = lambda state: cur
        chosen, by = conductor._choose("repair", cands, s)
        assert (chosen.id, by) == (cands[0].id, "rules"), reply
    s["used"] = {"brain-proposal": 2}  # its own fixes are budgeted too
    assert conductor._choose("repair", cands[:1], s) == (cands[0], "rules")
