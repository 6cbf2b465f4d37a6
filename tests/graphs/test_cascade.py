"""The conductor's cascade on real runs: every injected fault ends in a core or in a Guide question with
choices; answering it continues the run; repairs, fallbacks and cross-step edges reach a core.

The runs share one workspace (the embedded model is converted once). Faults in TEST and PUBLISH are tried
on forks of one trained run, so that only the runs that must train do.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from conftest import write_sample_repo
from goose_studio.agents import policy
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import TABS, read_events
from goose_studio.faults import CASES
from goose_studio.runner import execute, fork_run, resume_run, start_run
from goose_studio.runstore import RunStatus, RunStore
from goose_studio.tools.registry import tab_of
from goose_studio.workspace import Workspace

FAST = {"preset": "smoke", "min_pairs": 10, "eval_ppl_samples": 8, "eval_generate_samples": 2,
        "eval_max_new_tokens": 16, "eval_probe_questions": 4, "eval_general_questions": 4}

@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("cascade-home")


@pytest.fixture
def ws(home, monkeypatch) -> Workspace:
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(home))
    monkeypatch.setenv("GOOSE_STUDIO_RETRY_BACKOFF_S", "0.01")
    monkeypatch.setenv("GOOSE_STUDIO_BRAIN", "rules")
    monkeypatch.delenv("GOOSE_STUDIO_FAULTS", raising=False)
    return Workspace.from_env()


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return write_sample_repo(tmp_path_factory.mktemp("src") / "inventory")


@pytest.fixture(scope="module")
def trained(home, repo):
    """One run trained and packaged, clean: forks of it try the TEST and PUBLISH faults."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GOOSE_STUDIO_HOME", str(home))
        mp.delenv("GOOSE_STUDIO_FAULTS", raising=False)
        ws = Workspace.from_env()
        run_id = start_run(ws, str(repo), FAST)
        out = execute(ws, run_id)
        assert out.status is RunStatus.complete, out.failure
        return run_id


def types(ws: Workspace, run_id: str) -> list[str]:
    return [e.type for e in read_events(ws.run_dir(run_id) / "events.jsonl")]


def test_the_matrix_has_at_least_25_distinct_faults_across_all_six_tabs():
    assert len(set(CASES)) >= 25 and {tab_of(t) for t, _ in CASES} == set(TABS)


@pytest.mark.e2e
@pytest.mark.parametrize("target,fault", CASES, ids=[f"{t}:{f}" for t, f in CASES])
def test_every_fault_ends_in_a_guide_question_with_choices(ws, repo, trained, monkeypatch, target, fault):
    tab = tab_of(target)
    monkeypatch.setenv("GOOSE_STUDIO_FAULTS", f"{target}:{fault}*always")
    run_id = fork_run(ws, trained, before=tab) if tab in ("test", "publish") else start_run(ws, str(repo), FAST)
    out = execute(ws, run_id)
    assert out.status is RunStatus.waiting, (out.status, out.failure)
    q = out.question
    assert q.tab == tab and q.choices and q.choices[-1].id == "retry"
    assert q.need and q.message and "injected" in q.message
    seen = types(ws, run_id)
    assert seen[-2:] == ["agent.guide", "run.waiting"]
    assert seen.count(f"step.{tab}.started") <= policy.STEP_BUDGET + 1  # bounded
    run = RunStore(ws).read(run_id)
    assert run.status is RunStatus.waiting and run.question.choices == q.choices
    assert not (ws.run_dir(run_id) / "logs" / "error.log").exists()
    # Nothing happens without an answer, and a wrong answer changes nothing.
    assert resume_run(ws, run_id).status is RunStatus.waiting
    with pytest.raises(ToolFailure) as bad:
        resume_run(ws, run_id, answer="not-a-choice")
    assert bad.value.kind is FailureKind.invalid_input and RunStore(ws).read(run_id).status is RunStatus.waiting


@pytest.mark.e2e
def test_one_fault_in_every_tab_is_repaired_on_the_way_to_a_core(ws, repo, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_FAULTS", "source:offline,build:parse_error,prepare:bad_dataset,"
                                              "train:oom,test:oom,publish:disk_full")
    run_id = start_run(ws, str(repo), FAST)
    out = execute(ws, run_id)
    assert out.status is RunStatus.complete, out.failure
    events = read_events(ws.run_dir(run_id) / "events.jsonl")
    taken = [(e.type, e.payload.get("tab"), e.payload.get("id")) for e in events if e.type.startswith("agent.")]
    assert taken == [("agent.retry", "source", None), ("agent.repair", "build", "rebuild-index"),
                     ("agent.repair", "prepare", "regenerate-dataset"), ("agent.repair", "train", "gradient-checkpointing"),
                     ("agent.repair", "test", "fewer-eval-samples"), ("agent.repair", "publish", "free-disk")]
    assert [t for t in TABS if f"step.{t}.failed" in types(ws, run_id)] == list(TABS)
    with zipfile.ZipFile(out.core_path) as zf:
        provenance = json.loads(zf.read("PROVENANCE.json"))
    recorded = [(f["agent"], f["id"]) for f in provenance["fallbacks"]]
    assert ("repair", "gradient-checkpointing") in recorded and ("repair", "free-disk") in recorded
    assert out.state["overrides"]["gradient_checkpointing"] is True


@pytest.mark.e2e
def test_a_low_score_sends_the_run_back_to_train_longer(ws, trained, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_FAULTS", "test:low_score")
    run_id = fork_run(ws, trained, before="test")
    out = execute(ws, run_id)
    assert out.status is RunStatus.complete, out.failure
    seen = types(ws, run_id)
    i = seen.index("agent.repair")
    assert seen[i - 1] == "step.test.failed" and seen[i + 1] == "step.train.started"  # the edge back to TRAIN
    assert out.state["overrides"]["max_steps"] == 2 * 4  # the smoke preset's 4 steps, doubled
    assert out.state["train"].trained.steps == 8


@pytest.mark.e2e
def test_answering_the_guide_continues_to_a_core(ws, trained, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_FAULTS", "publish:load_check_failed*always")
    run_id = fork_run(ws, trained, before="publish")
    first = execute(ws, run_id)
    assert first.status is RunStatus.waiting
    taken = [(h.agent, h.id) for h in first.state["history"]]
    assert taken == [("repair", "retrain-for-load-check"), ("fallback", "skip-load-check")]
    # The load check is already off, so that choice is not offered again.
    assert [c.id for c in first.question.choices] == ["free-disk", "retrain", "retry"]
    monkeypatch.delenv("GOOSE_STUDIO_FAULTS")  # the user dealt with the cause
    with pytest.raises(ToolFailure):
        resume_run(ws, run_id, answer="retry=now")  # this choice takes no value
    done = resume_run(ws, run_id, answer="retry")
    assert done.status is RunStatus.complete and Path(done.core_path).is_file()
    assert done.state["overrides"]["check_load"] is False
    with zipfile.ZipFile(done.core_path) as zf:
        recorded = [(f["agent"], f["id"]) for f in json.loads(zf.read("PROVENANCE.json"))["fallbacks"]]
    assert recorded == [*taken, ("guide", "retry")]
    with pytest.raises(ToolFailure) as late:
        resume_run(ws, run_id, answer="retry")  # no longer waiting
    assert late.value.kind is FailureKind.invalid_input


@pytest.mark.e2e
def test_an_answer_with_a_value_points_the_run_at_another_source(ws, repo, tmp_path, monkeypatch):
    run_id = start_run(ws, str(tmp_path / "missing"), FAST)
    first = execute(ws, run_id)
    assert first.status is RunStatus.waiting and first.question.tab == "source"
    with pytest.raises(ToolFailure):
        resume_run(ws, run_id, answer="other-source")  # needs the value
    done = resume_run(ws, run_id, answer=f"other-source={repo}")
    assert done.status is RunStatus.complete, done.failure
    assert done.state["source"].source == str(repo)
