"""The two registered tools: ``package`` defaults to the workspace's cores/ and numbers versions,
``validate`` reports a path that does not exist as not_found."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools import package as pkg
from package_helpers import inputs, make_args, make_ctx, offline_env, run_tool  # noqa: F401  (fixtures)


def test_versions_increase_and_tool_defaults_to_workspace_cores(inputs, tmp_path):
    ctx = make_ctx(tmp_path)
    raw = make_args(inputs, tmp_path, check_load=False).model_dump()
    raw["out_dir"] = None
    first = run_tool("package", raw, ctx)
    second = run_tool("package", raw, ctx)
    assert (first.version, second.version) == (1, 2)
    assert Path(first.path) == ctx.workspace.cores / "tiny-core-v1.gcpkg"
    assert Path(second.path) == ctx.workspace.cores / "tiny-core-v2.gcpkg"
    assert sorted(p.name for p in ctx.workspace.cores.iterdir()) == ["tiny-core-v1.gcpkg", "tiny-core-v2.gcpkg"]
    with zipfile.ZipFile(second.path) as zf:
        assert json.loads(zf.read("manifest.json"))["version"] == "2.0.0"
        assert "tiny-core-v2/adapter" in zf.read("README.md").decode()
    assert pkg.next_version(ctx.workspace.cores, "tiny-core") == 3
    assert second.validation.check("load").ok is None  # turned off, not failed
    assert second.validation.ok


def test_validate_tool_missing_path_is_not_found(tmp_path):
    with pytest.raises(ToolFailure) as err:
        run_tool("validate", {"path": str(tmp_path / "nope.gcpkg")}, make_ctx(tmp_path))
    assert err.value.kind is FailureKind.not_found
