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
    signing_root,
    run_tool,
)


def test_validate_without_local_base_skips_load(built, signing_root):
    report = pkg.validate_package(built.path)  # the manifest names a hub id, not a local folder
    base, load = report.check("base_model"), report.check("load")
    assert base.ok is None and base.hint and load.ok is None
    assert report.ok and report.gate("portable").status == "passed"  # the hashes still ran
    strict = pkg.validate_package(built.path, strict=True)
    assert not strict.ok and strict.check("base_model").ok is False and strict.gate("portable").fix


def test_validate_resolves_local_base_from_manifest(inputs, signing_root, tmp_path):
    result = pkg.build_package(make_args(inputs, tmp_path, base_model_id=str(inputs["base"]), check_load=False),
                               workspace_root=signing_root)
    report = pkg.validate_package(result.path, check_load=False)
    assert report.check("base_model").ok is True and "the manifest's path" in report.check("base_model").detail


def test_validate_tool_finds_base_in_workspace_model_cache(built, inputs, tmp_path):
    ctx = make_ctx(tmp_path)
    folder = ctx.workspace.cache / "models" / "tiny-llama"
    shutil.copytree(inputs["base"], folder)
    (folder / "goose-model.json").write_text(json.dumps({"model_id": BASE_ID, "complete": True}))
    report = run_tool("validate", {"path": built.path, "check_load": False}, ctx)
    assert report.ok
    base = report.check("base_model")
    assert base.ok is True and "studio's model cache" in base.detail and "weights hash matches" in base.detail


def test_validate_finds_base_in_hugging_face_cache(built, inputs, tmp_path):
    cache = tmp_path / "cache"
    repo = cache / "huggingface" / ("models--" + BASE_ID.replace("/", "--"))
    revision = "a" * 40
    shutil.copytree(inputs["base"], repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    report = pkg.validate_package(built.path, model_cache=cache, check_load=False)
    assert report.check("base_model").ok is True and "Hugging Face cache" in report.check("base_model").detail


def test_another_base_with_the_same_id_is_refused(built, inputs, tmp_path):
    report = pkg.validate_package(built.path, base_model_path=str(inputs["other_base"]), check_load=False)
    assert report.check("base_model").ok is False and "not the base model" in report.check("base_model").detail
    assert report.failed_gates() == ["portable"]
