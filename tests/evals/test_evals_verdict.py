"""A core below the bar: each issue made for real (an adapter that changes nothing, answers that never stop,
generic training pairs, a core that memorised its pairs), diagnosed, failed by the TEST verdict with that
issue, and routed to its own fix for at most two rounds; then the Guide offers auto-fix, manual adjustments
and accept anyway."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals_helpers import TEMPLATE, make_adapter, tiny_model_and_adapter
from goose_studio.agents import policy
from goose_studio.agents.guide import choices_for, parse_answer
from goose_studio.agents.remedies import apply_fix
from goose_studio.errors import Failure, FailureKind, ToolFailure
from goose_studio.evals.diagnose import diagnose, drop_generic, generic_share, repository_names
from goose_studio.graphs.state import EvalStep
from goose_studio.graphs.steps.test import min_quality, verdict
from goose_studio.options import RunOptions
from goose_studio.runstore import GuideChoice, Question
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace

CURRENT = {"cutoff_len": 256, "learning_rate": 5e-4, "epochs": 1.0, "max_steps": None, "lora_rank": 16}


@pytest.fixture(scope="module")
def unchanged(tmp_path_factory):
    """The evaluation of an adapter whose weights change nothing, on a model whose answers never stop."""
    root = tmp_path_factory.mktemp("verdict")
    model, _ = tiny_model_and_adapter(tmp_path_factory.getbasetemp() / "evals-shared")
    adapter = make_adapter(model, root / "zero", scale=0.0)
    rows = [{"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}.", "category": "c", "group": "g.py"}
            for i in range(4)]
    (root / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return call_tool("evaluate", {"model_path": str(model), "adapter_dir": str(adapter), "template": TEMPLATE,
                                  "eval_file": str(root / "eval.jsonl"), "out_path": str(root / "eval.json"),
                                  "max_generate_samples": 4, "max_new_tokens": 24, "probe_questions": 0,
                                  "general_questions": 0}, ToolContext(workspace=Workspace(root / "home")))


def step(scores, issues, fix_round=0, bar=70) -> EvalStep:
    return EvalStep(scores=scores, adapter_dir="/a", issues=issues, fix_round=fix_round, min_quality=bar)


def failure_of(result: EvalStep, opts: RunOptions) -> Failure:
    failed = verdict(result, opts)
    assert failed is not None and failed.kind is FailureKind.low_quality
    return Failure.of(failed, tab="test")


def route(failure: Failure, opts: RunOptions, used: dict[str, int] | None = None) -> list[str]:
    state = {"failure": failure, "options": opts, "overrides": {}, "used": used or {}}
    return [r.id for r in policy.candidates("repair", state, CURRENT)]


def test_an_adapter_that_changes_nothing_is_underfitting_and_trained_longer(unchanged):
    assert not unchanged.improved
    issues = diagnose(base_ppl=unchanged.base.perplexity, core_ppl=unchanged.lora.perplexity, final_loss=2.0,
                      runaway=None, form_match=None, generic=None, cut=None)
    assert [i.name for i in issues] == ["underfitting"]
    opts = RunOptions(source="x")
    failure = failure_of(step(unchanged, issues), opts)
    assert failure.details["issue"] == "underfitting" and failure.details["rounds_left"] == 2
    assert route(failure, opts)[0] == "train-longer"
    second = failure_of(step(unchanged, issues, fix_round=1), opts)
    assert route(second, opts, used={"train-longer": 1})[0] == "higher-rank"
    changes = apply_fix(policy.candidates("repair", {"failure": second, "options": opts, "used": {"train-longer": 1}},
                                          CURRENT)[0].fix, opts.model_dump(), CURRENT, second)
    assert changes == {"lora_rank": 32, "epochs": 1.5}


def test_answers_that_never_stop_are_a_format_problem_fixed_by_longer_sequences(unchanged):
    assert unchanged.lora.runaway == 1.0
    issues = diagnose(base_ppl=10.0, core_ppl=5.0, final_loss=1.0, runaway=unchanged.lora.runaway,
                      form_match=unchanged.lora.form_match, generic=None, cut=None)
    assert issues[0].name == "format"
    failure = failure_of(step(unchanged, issues), RunOptions(source="x"))
    assert route(failure, RunOptions(source="x"))[0] == "fix-answer-format"


def test_generic_training_pairs_are_left_out_when_the_dataset_is_made_again(tmp_path):
    rows = [{"instruction": "Why test?", "output": "Tests are a good practice in software development."}] * 4 + [
        {"instruction": "What does reserve do?", "output": "`Stock.reserve` holds items for an order."}] * 2
    names = repository_names(None, "inventory") | {"reserve", "stock"}
    share = generic_share(rows, names)
    assert share == round(4 / 6, 4)
    issues = diagnose(base_ppl=10.0, core_ppl=5.0, final_loss=1.0, runaway=0.0, form_match=1.0, generic=share, cut=None)
    assert [i.name for i in issues] == ["generic_data"]
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert drop_generic(train, None, "reserve") == (2, 4)
    assert all("reserve" in json.loads(line)["output"] for line in train.read_text().splitlines())


def test_a_core_that_memorised_its_pairs_is_overfitting(unchanged):
    issues = diagnose(base_ppl=20.0, core_ppl=15.0, final_loss=0.05, runaway=0.0, form_match=1.0, generic=0.0, cut=0.0)
    assert [i.name for i in issues] == ["overfitting"]
    low = unchanged.model_copy(update={"improved": True, "quality_score": 40})
    failure = failure_of(step(low, issues), RunOptions(source="x"))
    assert failure.details["score"] == 40 and route(failure, RunOptions(source="x"))[0] == "fewer-epochs"


def test_after_two_rounds_the_guide_offers_the_three_choices(unchanged):
    issues = diagnose(base_ppl=10.0, core_ppl=10.0, final_loss=2.0, runaway=None, form_match=None, generic=None, cut=None)
    opts = RunOptions(source="x")
    failure = failure_of(step(unchanged, issues, fix_round=2), opts)
    assert failure.details["rounds_left"] == 0 and route(failure, opts) == []
    state = {"failure": failure, "options": opts, "overrides": {}, "used": {"train-longer": 1, "higher-rank": 1}}
    assert policy.decide(state, CURRENT) == "guide"
    choices = choices_for(failure, opts.model_dump(), CURRENT)
    assert [c.id for c in choices] == ["auto-fix", "manual", "accept-anyway", "retry"]
    question = Question(run_id="r", tab="test", kind="low_quality", message="m", need="n",
                        choices=[GuideChoice(id=c.id, label=c.label, param=c.param) for c in choices],
                        answer_with="x")
    answer = parse_answer(question, "manual=epochs=3,lora_rank=32")
    manual = next(c for c in choices if c.id == "manual")
    assert apply_fix(manual.fix, opts.model_dump(), CURRENT, failure, value=answer.value, param=manual.param) == {
        "epochs": 3.0, "lora_rank": 32}
    with pytest.raises(ToolFailure) as bad:
        parse_answer(question, "manual=temperature=9")
    assert bad.value.kind is FailureKind.invalid_input


def test_the_bar_a_run_is_held_to(unchanged):
    assert min_quality(RunOptions(source="x")) == 70
    assert min_quality(RunOptions(source="x", preset="smoke")) == 0
    assert min_quality(RunOptions(source="x", preset="smoke", min_quality=50)) == 50
    good = unchanged.model_copy(update={"improved": True, "quality_score": 75})
    assert verdict(step(good, []), RunOptions(source="x")) is None
    assert verdict(step(good, [], bar=80), RunOptions(source="x")) is not None
    accepted = step(unchanged, []).model_copy(update={"accepted_low_quality": True})
    assert verdict(accepted, RunOptions(source="x")) is None
