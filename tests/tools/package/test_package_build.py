"""Building a core: the exact layout, manifest and provenance; refusals that leave nothing behind."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools import package as pkg
from goose_studio.tools.package import build as build_mod
from goose_studio.tools.models import folder_hash
from package_helpers import (  # noqa: F401  (fixtures)
    BASE_ID,
    FAKE_GITHUB_TOKEN,
    built,
    inputs,
    make_args,
    offline_env,
    signing_root,
    status,
)


def test_package_has_exact_layout_and_validates_with_load(built, inputs):
    path = Path(built.path)
    assert path.name == "tiny-core-v1.gcpkg"
    assert built.version == 1
    assert built.size_bytes == path.stat().st_size
    assert built.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert built.validation.ok, built.validation.errors
    live = {"consistency", "regression"}  # the tiny base has no tokenizer; its eval has no regression check
    assert status(built.validation) == {n: (None if n in live else True) for n in pkg.CHECK_NAMES}
    assert built.validation.path == str(path)

    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == [*pkg.REQUIRED_FILES, pkg.SIGNATURE]
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        manifest = json.loads(zf.read("manifest.json"))
        prov = json.loads(zf.read("PROVENANCE.json"))
        samples = [json.loads(line) for line in zf.read("data/sample_pairs.jsonl").decode().splitlines()]
        assert zf.read("adapter/adapter_model.safetensors") == (inputs["adapter"] / "adapter_model.safetensors"
                                                               ).read_bytes()
        assert zf.read("training/recipe.yaml") == inputs["recipe"].read_bytes()
        for name in pkg.REQUIRED_FILES:
            if name != "PROVENANCE.json":
                assert prov["files"][name] == hashlib.sha256(zf.read(name)).hexdigest()
        signature = json.loads(zf.read(pkg.SIGNATURE))
    assert set(prov["files"]) == set(pkg.REQUIRED_FILES) - {"PROVENANCE.json"}
    assert signature["fingerprint"] == built.validation.signer.fingerprint

    assert manifest["name"] == "Tiny Core"
    assert manifest["version"] == "1.0.0"
    assert manifest["base_model"] == BASE_ID
    assert manifest["method"] == "lora"
    assert manifest["quality_score"] == 71.5
    assert manifest["format_version"] == 2
    assert manifest["icon"] and manifest["price"] == {"amount": 0.0, "currency": "USD"}
    assert manifest["quality_threshold"] == 70 and manifest["accepted_below_threshold"] is False
    assert manifest["hardware"] == {"trained_on": "cpu"}
    assert manifest["adapter"]["rank"] == 4 and manifest["adapter"]["alpha"] == 8
    assert manifest["adapter"]["target_modules"] == ["q_proj", "v_proj"]
    assert manifest["created"].endswith("Z")
    assert manifest["compatible_vram_min_gb"] is not None and manifest["compatible_vram_min_gb"] > 0
    pkg.Manifest.model_validate(manifest)

    assert prov["base_model"] == {"id": BASE_ID, "hash": folder_hash(inputs["base"])}
    assert prov["source"] == {"repo": "https://example.org/acme/widgets.git",
                              "commit": "0123456789abcdef0123456789abcdef01234567"}
    assert prov["recipe_sha256"] == hashlib.sha256(inputs["recipe"].read_bytes()).hexdigest()
    assert set(prov["tool_versions"]) == {"python", *pkg.TOOL_DISTRIBUTIONS}
    assert prov["tool_versions"]["peft"] != "not installed"
    assert prov["dataset_pairs"] == 37
    assert prov["epochs"] == 2.0 and prov["final_loss"] == 1.25  # read from the trainer log
    assert prov["training_duration_sec"] == 65.0
    assert prov["build_engine"] == "none (code-only)"
    assert prov["fallbacks"] == [{"step": "build", "action": "code-only"}]
    assert prov["data"]["pairs"] == 37 and set(prov["data"]["sha256"]) == {"train.jsonl", "eval.jsonl", "stats.json"}
    assert prov["recipe"]["template"] == "llama3" and prov["recipe"]["sha256"] == prov["recipe_sha256"]
    assert prov["training"]["trained_on"] == "cpu" and prov["tool_versions"]["cryptography"] != "not installed"

    assert 1 <= len(samples) <= 10
    assert all(FAKE_GITHUB_TOKEN not in json.dumps(s) for s in samples)  # the secret pair is not sampled
    assert {s["category"] for s in samples} == {"explain", "complete", "docstring"}


def test_explicit_existing_version_is_refused(inputs, tmp_path):
    pkg.build_package(make_args(inputs, tmp_path, check_load=False, version=3))
    before = (tmp_path / "tiny-core-v3.gcpkg").read_bytes()
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(make_args(inputs, tmp_path, check_load=False, version=3))
    assert err.value.kind is FailureKind.invalid_input
    assert (tmp_path / "tiny-core-v3.gcpkg").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny-core-v3.gcpkg"]


def test_build_engine_from_training_facts(inputs, tmp_path):
    result = pkg.build_package(make_args(inputs, tmp_path, check_load=False,
                                         training={"trained_on": "cuda:0", "build_engine": "docker"}))
    with zipfile.ZipFile(result.path) as zf:
        prov = json.loads(zf.read("PROVENANCE.json"))
        manifest = json.loads(zf.read("manifest.json"))
    assert prov["build_engine"] == "docker"
    assert prov["training_duration_sec"] == 65.0  # not given: read from the trainer log
    assert manifest["hardware"]["trained_on"] == "cuda:0"


def test_package_with_secret_is_refused_and_leaves_nothing(inputs, tmp_path):
    out = tmp_path / "cores"
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(make_args(inputs, out, check_load=False,
                                    description=f"Deploy with {FAKE_GITHUB_TOKEN} please."))
    assert err.value.kind is FailureKind.needs_user
    assert "README.md" in err.value.message and "github_token" in err.value.message
    assert FAKE_GITHUB_TOKEN not in err.value.message  # reported redacted
    report = pkg.ValidateReport.model_validate(err.value.details["report"])
    assert status(report)["secrets"] is False
    assert list(out.iterdir()) == []  # neither a core nor a temporary file


def test_package_missing_inputs_are_not_found(inputs, tmp_path):
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(make_args(inputs, tmp_path, adapter_dir=str(tmp_path / "nope")))
    assert err.value.kind is FailureKind.not_found
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(make_args(inputs, tmp_path, base_model_path=str(tmp_path / "no-base")))
    assert err.value.kind is FailureKind.not_found


def test_package_disk_full_is_typed(inputs, tmp_path, monkeypatch):
    import errno

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(build_mod, "write_zip", full)
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(make_args(inputs, tmp_path, check_load=False))
    assert err.value.kind is FailureKind.disk_full
    assert list(tmp_path.iterdir()) == []


def test_a_score_below_the_threshold_is_refused_as_low_quality(inputs, tmp_path):
    out = tmp_path / "cores"
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(make_args(inputs, out, check_load=False, quality_threshold=80))
    assert err.value.kind is FailureKind.low_quality
    assert err.value.details["failed_gates"] == ["eval"] and err.value.hint
    assert list(out.iterdir()) == []


def test_marketplace_fields_and_retrieval_index_are_packaged(inputs, tmp_path):
    index = tmp_path / "retrieval"
    index.mkdir()
    (index / "index.json").write_text(json.dumps({"format": 1, "passages": 2, "counts": {"code": 2}}))
    (index / "passages.jsonl").write_text('{"text": "def f(): pass", "path": "a.py"}\n' * 2)
    result = pkg.build_package(make_args(inputs, tmp_path / "out", check_load=False, icon="📦", price=4.99,
                                         retrieval_dir=str(index)))
    with zipfile.ZipFile(result.path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        prov = json.loads(zf.read("PROVENANCE.json"))
        assert zf.read("retrieval/passages.jsonl") == (index / "passages.jsonl").read_bytes()
    assert manifest["icon"] == "📦" and manifest["price"] == {"amount": 4.99, "currency": "USD"}
    assert manifest["retrieval"] is True and prov["retrieval"]["passages"] == 2
    assert "retrieval/index.json" in prov["files"] and result.validation.ok


def test_the_loss_curve_travels_in_the_core_and_a_file_that_is_not_a_png_does_not(inputs, tmp_path, signing_root):
    from package_helpers import build

    curve = tmp_path / "loss_curve.png"
    curve.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with_curve = build(inputs, tmp_path / "a", signing_root, check_load=False, loss_curve_path=str(curve))
    assert with_curve.validation.ok, with_curve.validation.errors
    with zipfile.ZipFile(with_curve.path) as zf:
        assert zf.read(pkg.LOSS_CURVE) == curve.read_bytes()
        assert pkg.LOSS_CURVE in json.loads(zf.read("PROVENANCE.json"))["files"]
    not_png = tmp_path / "notes.txt"
    not_png.write_text("not an image")
    without = build(inputs, tmp_path / "b", signing_root, check_load=False, loss_curve_path=str(not_png))
    with zipfile.ZipFile(without.path) as zf:
        assert pkg.LOSS_CURVE not in zf.namelist()
