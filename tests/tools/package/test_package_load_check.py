"""The load check: a real load of the adapter onto its base model, and a refusal for another base."""

from __future__ import annotations

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools import package as pkg
from package_helpers import (  # noqa: F401  (fixtures)
    built,
    inputs,
    make_args,
    make_ctx,
    offline_env,
    run_tool,
    status,
)


def test_validate_tool_passes_a_good_core(built, inputs, tmp_path):
    report = run_tool("validate", {"path": built.path, "base_model_path": str(inputs["base"])}, make_ctx(tmp_path))
    assert report.ok and report.errors == []
    assert status(report) == {n: True for n in pkg.CHECK_NAMES}
    assert "finite logits" in report.check("load").detail


def test_package_rejects_adapter_for_another_base(inputs, tmp_path):
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(make_args(inputs, tmp_path, base_model_path=str(inputs["other_base"])))
    assert err.value.kind is FailureKind.corrupted
    report = pkg.ValidateReport.model_validate(err.value.details["report"])
    assert status(report)["load"] is False
    assert list(tmp_path.iterdir()) == []
