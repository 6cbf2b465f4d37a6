"""Finding a core's base model locally: the manifest's path, the workspace's model cache, the Hugging Face
cache, or nowhere (the load check is then skipped, or fails when strict)."""

from __future__ import annotations

import json
import shutil

from goose_studio.tools import package as pkg
from package_helpers import (  # noqa: F401  (fixtures)
    BASE_ID,
    built,
    inputs,
    make_args,
    make_ctx,
    offline_env,
    run_tool,
)


def test_validate_without_local_base_skips_load(built):
    report = pkg.validate_package(built.path)  # the manifest names a hub id, not a local folder
    load = report.check("load")
    assert load.ok is None and load.detail == "skipped: base model not available locally" and load.hint
    assert report.ok
    strict = pkg.validate_package(built.path, strict=True)
    assert not strict.ok and strict.check("load").ok is False


def test_validate_resolves_local_base_from_manifest(inputs, tmp_path):
    result = pkg.build_package(make_args(inputs, tmp_path, base_model_id=str(inputs["base"]), check_load=False))
    report = pkg.validate_package(result.path)
    assert report.check("load").ok is True


def test_validate_tool_finds_base_in_workspace_model_cache(built, inputs, tmp_path):
    ctx = make_ctx(tmp_path)
    folder = ctx.workspace.cache / "models" / "tiny-llama"
    shutil.copytree(inputs["base"], folder)
    (folder / "goose-model.json").write_text(json.dumps({"model_id": BASE_ID, "complete": True}))
    report = run_tool("validate", {"path": built.path}, ctx)
    assert report.ok
    assert report.check("load").ok is True and "studio's model cache" in report.check("load").detail


def test_validate_finds_base_in_hugging_face_cache(built, inputs, tmp_path):
    cache = tmp_path / "cache"
    repo = cache / "huggingface" / ("models--" + BASE_ID.replace("/", "--"))
    revision = "a" * 40
    shutil.copytree(inputs["base"], repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    report = pkg.validate_package(built.path, model_cache=cache)
    assert report.check("load").ok is True and "Hugging Face cache" in report.check("load").detail
