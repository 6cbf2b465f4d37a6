"""The doctor's checks: all present, quick, JSON-ready, and never raising."""

from __future__ import annotations

import json
import time

import pytest

from goose_studio import doctor
from goose_studio.doctor import Check, run_checks, summary

EXPECTED = {
    "python", "torch", "cuda_gpu", "docker", "nixpacks", "railpack", "chromium", "playwright", "bubblewrap", "git",
    "llamafactory",
    "embedded_model", "disk", "llm_endpoint",
}


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("GOOSE_STUDIO_LLM_BASE_URL", raising=False)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_run_checks_reports_every_check():
    started = time.monotonic()
    checks = run_checks()
    assert time.monotonic() - started < 10
    assert [c.name for c in checks] == [name for name, _ in doctor.CHECKS]
    assert set(by_name(checks)) == EXPECTED
    for c in checks:
        assert isinstance(c, Check)
        assert c.detail, c.name
        if not c.ok:
            assert c.fix, c.name


def test_required_flags():
    checks = by_name(run_checks())
    assert {n for n, c in checks.items() if c.required} == {"python", "torch", "git", "llamafactory", "embedded_model"}
    for name in ("cuda_gpu", "docker", "nixpacks", "chromium", "bubblewrap", "disk", "llm_endpoint"):
        assert checks[name].required is False


def test_git_and_python_ok():
    checks = by_name(run_checks())
    assert checks["git"].ok and "git version" in checks["git"].detail
    assert checks["python"].ok


def test_llm_endpoint_unset_and_set(monkeypatch):
    unset = by_name(run_checks())["llm_endpoint"]
    assert unset.ok is False and unset.required is False
    assert "rules-only brain" in unset.detail

    monkeypatch.setenv("GOOSE_STUDIO_LLM_BASE_URL", "https://user:s3cretpass@llm.example.com/v1")
    configured = doctor.check_llm_endpoint()
    assert configured.ok is True
    assert "llm.example.com" in configured.detail and "s3cretpass" not in configured.detail


def test_summary_is_json_serializable():
    checks = run_checks()
    data = summary(checks)
    round_trip = json.loads(json.dumps(data))
    assert round_trip["ok"] == all(c.ok for c in checks if c.required)
    assert len(round_trip["checks"]) == len(EXPECTED)
    assert "llm_endpoint" in round_trip["warnings"]
    assert set(round_trip["failed_required"]) == {c.name for c in checks if c.required and not c.ok}


def test_summary_flags_required_failures():
    checks = [
        Check(name="git", ok=False, required=True, detail="missing", fix="install git"),
        Check(name="docker", ok=False, required=False, detail="no engine", fix="start it"),
        Check(name="python", ok=True, required=True, detail="3.11"),
    ]
    data = summary(checks)
    assert data == {
        "ok": False,
        "failed_required": ["git"],
        "warnings": ["docker"],
        "checks": [c.model_dump() for c in checks],
    }


def test_a_raising_check_is_reported_not_raised(monkeypatch):
    def boom() -> Check:
        raise RuntimeError("kaput")

    monkeypatch.setattr(doctor, "CHECKS", (("git", boom), ("python", doctor.check_python)))
    checks = run_checks()
    assert [c.name for c in checks] == ["git", "python"]
    assert checks[0].ok is False and checks[0].required is True and "kaput" in checks[0].detail
    assert checks[1].ok is True


def test_a_hanging_check_is_cut_off(monkeypatch):
    import threading

    release = threading.Event()

    def hang() -> Check:
        release.wait(30)
        return Check(name="docker", ok=True, required=False, detail="late")

    monkeypatch.setattr(doctor, "CHECKS", (("docker", hang), ("python", doctor.check_python)))
    started = time.monotonic()
    try:
        checks = run_checks(timeout_s=0.2)
    finally:
        release.set()
    assert time.monotonic() - started < 5
    assert checks[0].name == "docker" and checks[0].ok is False and "did not answer" in checks[0].detail
    assert checks[1].ok is True


def test_missing_pieces_are_reported(monkeypatch):
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    assert doctor.check_git().ok is False and doctor.check_git().required is True
    chromium = doctor.check_chromium()
    assert chromium.ok is False and "apt-get install chromium" in chromium.fix
    assert doctor.check_bubblewrap().ok is False and doctor.check_nixpacks().ok is False

    def no_dist(name):
        raise doctor.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(doctor.importlib.metadata, "distribution", no_dist)
    model = doctor.check_embedded_model()
    assert model.ok is False and model.required is True and "bash scripts/setup.sh" in model.fix

    monkeypatch.setattr(doctor.importlib.util, "find_spec", lambda name: None)
    assert doctor.check_llamafactory().ok is False
    assert doctor.check_torch().ok is False


def test_disk_threshold(monkeypatch):
    class Usage:
        total, used, free = 100 * 1024**3, 99 * 1024**3, 1 * 1024**3

    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda path: Usage)
    low = doctor.check_disk()
    assert low.ok is False and low.required is False and "GOOSE_STUDIO_HOME" in low.fix
    Usage.free = 50 * 1024**3
    assert doctor.check_disk().ok is True


def test_embedded_model_found_in_this_install():
    from goose_studio.tools.models import embedded_gguf

    check = doctor.check_embedded_model()
    path = embedded_gguf()
    assert check.ok is True and check.required is True
    assert path is not None and path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 0


def test_llm_endpoint_names_the_brain_brain_from_env_picks(monkeypatch):
    from goose_studio.agents.brain import brain_from_env

    monkeypatch.setenv("GOOSE_STUDIO_LLM_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("GOOSE_STUDIO_LLM_MODEL", "qwen3:0.6b")
    check = doctor.check_llm_endpoint()
    assert check.ok and brain_from_env().name == "openai" and check.detail.startswith("brain: openai")
    assert "qwen3:0.6b" in check.detail

    monkeypatch.setenv("GOOSE_STUDIO_LLM_MODEL", "host-sampling")
    check = doctor.check_llm_endpoint()
    assert check.ok and brain_from_env().name == "sampling" and check.detail.startswith("brain: sampling")

    monkeypatch.setenv("GOOSE_STUDIO_BRAIN", "rules")  # forced: a choice, not a warning
    check = doctor.check_llm_endpoint()
    assert check.ok and brain_from_env().name == "rules" and check.detail.startswith("brain: rules")
