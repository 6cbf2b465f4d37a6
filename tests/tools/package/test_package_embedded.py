"""The five gates on a core of the embedded model (SmolLM2-135M): all pass, with the load and the quality
measures in a fresh process; an adapter that wrecks the model passes V1-V4 and fails V5."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goose_studio.tools import package as pkg
from package_helpers import embedded, embedded_args, lora_on, offline_env  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e  # loads and generates with a 135M model in fresh processes


def test_the_five_gates_pass_on_a_core_of_the_embedded_model(embedded):
    report = pkg.validate_package(embedded["core"].path, model_cache=embedded["cache"],
                                  workspace_root=embedded["signing_root"])
    assert report.ok, report.errors
    assert [g.status for g in report.gates] == ["passed"] * 5
    assert report.check("base_model").ok and "weights hash matches" in report.check("base_model").detail
    assert "fresh process" in report.check("load").detail
    assert "answered the same twice" in report.check("consistency").detail
    assert "re-measured" in report.check("regression").detail
    assert report.signer.own
    print(json.dumps({"gates_s": report.duration_s, **{g.id: g.duration_s for g in report.gates}}))


def test_an_adapter_that_wrecks_the_model_fails_quality(embedded, tmp_path):
    wrecked = lora_on(embedded["base"], tmp_path / "wrecked", 0.5)
    core = pkg.build_package(embedded_args(embedded, tmp_path / "cores", adapter_dir=str(wrecked)),
                             workspace_root=embedded["signing_root"], model_cache=embedded["cache"])
    report = pkg.validate_package(core.path, model_cache=embedded["cache"], workspace_root=embedded["signing_root"])
    assert report.failed_gates() == ["quality"], report.errors
    assert report.check("load").ok is True
    assert report.check("regression").ok is False and report.gate("quality").fix
    assert Path(core.path).is_file()
