"""The CLI end to end: a real `learn` on a repository made by the test, then `validate` on its core."""
import json
import os
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from conftest import studio_cli, write_sample_repo
from goose_studio.events import read_events

SMOKE = ["--preset", "smoke", "--eval-samples", "2", "--min-pairs", "10", "--eval-probe-questions", "4",
         "--eval-general-questions", "4"]


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory):
    """One workspace for the module, so the embedded model is converted once."""
    return tmp_path_factory.mktemp("home")


def run_cli(home: Path, *args: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    env = {**os.environ, "GOOSE_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([*studio_cli(), *args], env=env, capture_output=True, text=True, timeout=timeout)


def outcome(proc: subprocess.CompletedProcess) -> dict:
    start = proc.stdout.index("{")
    return json.loads(proc.stdout[start:])


@pytest.mark.e2e
def test_learn_produces_a_valid_core(shared_home, tmp_path):
    repo = write_sample_repo(tmp_path / "inventory")
    (repo / "generated_table.py").write_text("TABLE = [\n" + "    (1, 2, 3),\n" * 60000 + "]\n")  # ~900 KB
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "big"],
                   cwd=repo, check=True)
    proc = run_cli(shared_home, "learn", str(repo), *SMOKE, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = outcome(proc)
    assert result["status"] == "complete"
    core = Path(result["core"])
    assert core.parent == shared_home / "cores" and core.name == "inventory-v1.gcpkg"
    with zipfile.ZipFile(core) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        provenance = json.loads(zf.read("PROVENANCE.json"))
    assert {"manifest.json", "adapter/adapter_model.safetensors", "adapter/adapter_config.json",
            "training/recipe.yaml", "training/training_log.jsonl", "training/eval_results.json",
            "data/dataset_card.md", "data/sample_pairs.jsonl", "README.md", "PROVENANCE.json", "SIGNATURE.json",
            "training/loss_curve.png", "retrieval/index.json", "retrieval/passages.jsonl"} == names
    assert manifest["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert head in json.dumps(provenance)

    events = read_events(shared_home / "runs" / result["run_id"] / "events.jsonl")
    types = [e.type for e in events]
    for tab in ("source", "prepare", "train", "test", "publish"):
        assert f"step.{tab}.started" in types and f"step.{tab}.complete" in types
    build = next(e for e in events if e.type == "step.build.skipped")
    assert build.payload["skipped_files"] == 1 and build.payload["skipped_examples"] == ["generated_table.py (too_large)"]
    assert any(t == "step.train.progress" and "loss" in e.payload for t, e in zip(types, events))

    check = run_cli(shared_home, "validate", str(core), "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    report = outcome(check)
    assert report["ok"] is True
    assert {c["name"]: c["ok"] for c in report["checks"]}.get("load") is True

    listed = run_cli(shared_home, "cores", "--json")
    assert str(core) in [c["file"] for c in outcome_list(listed)]
    runs = outcome_list(run_cli(shared_home, "runs", "--json"))
    assert {r["run_id"]: r["status"] for r in runs}[result["run_id"]] == "complete"


def outcome_list(proc: subprocess.CompletedProcess) -> list:
    return json.loads(proc.stdout[proc.stdout.index("["):])


@pytest.mark.e2e
def test_kill_during_training_then_resume_continues(shared_home, tmp_path):
    repo = write_sample_repo(tmp_path / "kill-me")
    env = {**os.environ, "GOOSE_STUDIO_HOME": str(shared_home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([*studio_cli(), "learn", str(repo), *SMOKE, "--max-steps", "6"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 600
    run_dir = None
    while time.monotonic() < deadline:
        dirs = [d for d in (shared_home / "runs").glob("kill-me-*") if (d / "events.jsonl").exists()]
        if dirs:
            run_dir = dirs[0]
            if any(e.type == "step.train.started" for e in read_events(run_dir / "events.jsonl")):
                break
        time.sleep(0.5)  # polling another process's progress, not waiting for an outcome
    assert run_dir is not None, "the run never reached TRAIN"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    resumed = run_cli(shared_home, "learn", "--resume", run_dir.name, "--json")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert outcome(resumed)["status"] == "complete"
    types = [e.type for e in read_events(run_dir / "events.jsonl")]
    assert types.count("step.source.started") == 1 and types.count("step.prepare.started") == 1
    assert "run.resumed" in types and types.count("step.train.started") == 2
    resumed_event = next(e for e in read_events(run_dir / "events.jsonl") if e.type == "run.resumed")
    assert resumed_event.payload["completed"] == ["source", "build", "prepare"]


def test_nonexistent_path_asks_for_another_source(tmp_path, studio_home):
    proc = run_cli(studio_home, "learn", str(tmp_path / "nope"), "--json")
    assert proc.returncode == 3  # waiting for the user's answer
    result = outcome(proc)
    assert result["status"] == "waiting" and result["failure"]["kind"] == "not_found"
    assert [c["id"] for c in result["question"]["choices"]] == ["other-source", "retry"]
    assert result["question"]["choices"][0]["param"] == "source"
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not list((studio_home / "cores").glob("*.gcpkg"))


def test_resume_of_unknown_run_is_a_typed_error(studio_home):
    proc = run_cli(studio_home, "learn", "--resume", "no-such-run-0000")
    assert proc.returncode == 1
    assert "no-such-run-0000" in proc.stderr and "Traceback" not in proc.stderr


def test_repo_with_too_few_pairs_says_how_many(tmp_path, studio_home):
    repo = tmp_path / "tiny"
    repo.mkdir()
    (repo / "one.py").write_text('def f(x):\n    """Return x."""\n    return x\n')
    proc = run_cli(studio_home, "learn", str(repo), "--json")
    assert proc.returncode == 3
    result = outcome(proc)
    failure = result["failure"]
    assert failure["kind"] == "insufficient_data"
    assert failure["details"]["pairs"] < failure["details"]["min_pairs"]
    # Too few pairs even for the "train on what there is" fallback: the Guide offers a larger source.
    assert "other-source" in [c["id"] for c in result["question"]["choices"]]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_validate_rejects_a_corrupted_package(tmp_path, studio_home):
    bad = tmp_path / "broken.gcpkg"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    proc = run_cli(studio_home, "validate", str(bad), "--json")
    assert proc.returncode == 1
    assert outcome(proc)["ok"] is False
    missing = run_cli(studio_home, "validate", str(tmp_path / "absent.gcpkg"), "--json")
    assert missing.returncode == 1 and outcome(missing)["failure"]["kind"] == "not_found"


def test_doctor_json_lists_checks(studio_home):
    proc = run_cli(studio_home, "doctor", "--json")
    data = outcome(proc)
    names = {c["name"] for c in data["checks"]}
    assert {"python", "torch", "cuda_gpu", "docker", "nixpacks", "chromium", "git", "embedded_model", "llm_endpoint"} <= names
    assert proc.returncode == (0 if data["ok"] else 1)


def test_a_bad_answer_is_refused_and_the_run_keeps_waiting(tmp_path, studio_home):
    first = outcome(run_cli(studio_home, "learn", str(tmp_path / "nope"), "--json"))
    run_id = first["run_id"]
    bad = run_cli(studio_home, "resume", run_id, "--answer", "format-disk", "--json")
    assert bad.returncode == 1 and outcome(bad)["failure"]["kind"] == "invalid_input"
    assert outcome(bad)["failure"]["details"]["choices"] == ["other-source", "retry"]
    again = run_cli(studio_home, "resume", run_id)  # no answer: the question is shown again
    assert again.returncode == 3
    assert "needs your decision" in again.stderr and f"goose-studio resume {run_id} --answer" in again.stderr
    assert "other-source=<source>" in again.stderr and "Traceback" not in again.stdout + again.stderr
    listed = json.loads(run_cli(studio_home, "runs", "--json").stdout)
    assert [r["status"] for r in listed if r["run_id"] == run_id] == ["waiting"]


def test_a_corrupted_checkpoint_database_is_a_typed_failure(tmp_path, studio_home):
    run_id = outcome(run_cli(studio_home, "learn", str(tmp_path / "nope"), "--json"))["run_id"]
    db = studio_home / "runs" / run_id / "checkpoints.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    proc = run_cli(studio_home, "resume", run_id, "--answer", "retry", "--json")
    assert proc.returncode == 1
    failure = outcome(proc)["failure"]
    assert failure["kind"] == "corrupted" and "checkpoint" in failure["message"]
    assert db.read_bytes().startswith(b"this is not a database")  # kept for inspection
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_typo_in_injected_faults_is_refused_before_a_run_is_made(tmp_path, studio_home):
    env = {**os.environ, "GOOSE_STUDIO_HOME": str(studio_home), "HF_HUB_OFFLINE": "1",
           "GOOSE_STUDIO_FAULTS": "train:melted"}
    proc = subprocess.run([*studio_cli(), "learn", str(tmp_path), "--json"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1 and outcome(proc)["failure"]["kind"] == "invalid_input"
    assert not list((studio_home / "runs").glob("*/run.json"))
