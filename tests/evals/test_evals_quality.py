"""The quality score's parts and their weights, the base model scored the same way, answers' form facts,
and the lm-eval side: per-run task files lm-eval accepts, and a skip reason for each standard task here."""
from __future__ import annotations

import yaml

from goose_studio.evals.metrics import ModelScores, form_facts
from goose_studio.evals.probe import ProbeQuestion
from goose_studio.evals.quality import WEIGHTS, overall
from goose_studio.tools.evaluate.harness import STANDARD_TASKS, standard_status, write_tasks


def scores(**kw) -> ModelScores:
    return ModelScores(perplexity=kw.pop("perplexity", 5.0), **kw)


def test_a_core_that_knows_more_scores_above_its_base():
    base = scores(semantic_similarity=0.5, stopped=0.5, form_match=0.5)
    core = scores(semantic_similarity=0.8, stopped=1.0, form_match=1.0, code_parses=1.0)
    report = overall(base=base, core=core, base_accuracy=0.25, core_accuracy=1.0, base_general=0.8, core_general=0.8)
    parts = {p.name: p for p in report.parts}
    assert parts["accuracy"].score == 100 and parts["accuracy"].base == 0
    assert parts["helpfulness"].score == 100 and parts["helpfulness"].base == 50
    assert parts["consistency"].score == 100 and report.overall == 100
    assert report.vs_base == report.overall - report.base_overall > 0 and report.grade == "excellent"
    assert abs(sum(WEIGHTS.values()) - 1.0) < 1e-9


def test_missing_parts_are_left_out_and_a_judge_replaces_similarity():
    base, core = scores(), scores(semantic_similarity=0.2)
    report = overall(base=base, core=core, base_accuracy=None, core_accuracy=None, base_general=None,
                     core_general=None, judge=80, base_judge=40)
    parts = {p.name: p for p in report.parts}
    assert parts["accuracy"].score is None and parts["code_quality"].score is None
    assert parts["helpfulness"].score == 80 and "judge" in parts["helpfulness"].source
    assert report.overall == 80 and report.base_overall == 40


def test_forgetting_general_knowledge_costs_consistency():
    report = overall(base=scores(), core=scores(), base_accuracy=0.5, core_accuracy=0.5, base_general=0.8,
                     core_general=0.6)
    assert {p.name: p.score for p in report.parts}["consistency"] == 20


def test_form_facts_of_answers():
    facts = form_facts(["```python\nx = 1\n```", "plain", "```python\ndef (:\n```"],
                       ["```python\ny = 2\n```", "```\ncode\n```", "```python\nz\n```"], [True, False, True])
    assert facts == {"stopped": round(2 / 3, 4), "form_match": round(2 / 3, 4), "code_parses": 0.5, "runaway": None}
    assert form_facts(["a", "b"], ["c", "d"], [False, True], [True, True])["runaway"] == 0.5
    assert form_facts([], [], [])["stopped"] is None


def test_per_run_task_files_are_local_lm_eval_tasks(tmp_path):
    probe = [ProbeQuestion(kind="purpose", question="Which function adds tax?", choices=["add_tax", "b", "c", "d"],
                           answer=0, source="x.py")]
    names = write_tasks(tmp_path, "My Repo!", [{"prompt": "Q?", "answer": "A."}], probe, probe, 32)
    assert names == ["gs_my_repo_heldout", "gs_my_repo_probe", "gs_general"]
    held = yaml.safe_load((tmp_path / "gs_my_repo_heldout.yaml").read_text())
    assert held["output_type"] == "generate_until" and held["dataset_path"] == "json"
    assert held["dataset_kwargs"]["data_files"]["test"] == str(tmp_path / "heldout.jsonl")
    mc = yaml.safe_load((tmp_path / "gs_my_repo_probe.yaml").read_text())
    assert mc["output_type"] == "multiple_choice" and mc["doc_to_choice"] == "{{choices}}"
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_path=str(tmp_path), include_defaults=False)
    assert set(names) <= set(manager.all_tasks)


def test_every_standard_task_has_a_status_and_offline_ones_say_why(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    status = {s.task: s for s in standard_status({"HF_HUB_OFFLINE": "1"})}
    assert set(status) == set(STANDARD_TASKS) == {"humaneval", "mmlu", "gsm8k", "ifeval"}
    assert all(not s.runnable and s.reason for s in status.values())
