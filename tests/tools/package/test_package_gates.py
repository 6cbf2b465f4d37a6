"""The five gates on damaged, altered or hostile copies of a good core: each defect is caught by the gate that
names it, with a fix, and never as an exception."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import pytest

from goose_studio.tools import package as pkg
from package_helpers import (  # noqa: F401  (fixtures)
    FAKE_AWS_KEY,
    built,
    copy_core,
    gates,
    inputs,
    offline_env,
    rewrite,
    signing_root,
    status,
)


def validate(path, root, **kw):
    return pkg.validate_package(path, check_load=kw.pop("check_load", False), workspace_root=root, **kw)


def member(core, name: str) -> bytes:
    with zipfile.ZipFile(core.path) as zf:
        return zf.read(name)


def failed_only(report: pkg.ValidateReport, gate: str) -> None:
    """``gate`` failed with a fix; every other gate did not fail."""
    assert not report.ok
    assert report.failed_gates() == [gate], report.errors
    assert report.gate(gate).fix and report.gate(gate).status == "failed"


def test_a_good_core_passes_every_gate_it_can_run(built, signing_root):
    report = validate(built.path, signing_root)
    assert report.ok, report.errors
    assert [g.id for g in report.gates] == ["V1", "V2", "V3", "V4", "V5"]
    assert gates(report) == {"schema": "passed", "security": "passed", "eval": "passed", "portable": "passed",
                             "quality": "skipped"}  # no tokenizer in the tiny base, no recorded regression check
    assert report.signer.own and report.signer.trusted


def test_tampered_file_fails_portable_hashes(built, signing_root, tmp_path):
    card = member(built, "data/dataset_card.md")
    bad = rewrite(Path(built.path), tmp_path / "tampered.gcpkg",
                  {"data/dataset_card.md": card.replace(b"Pairs", b"Pears")}, fix_provenance=False)
    report = validate(bad, signing_root)
    failed_only(report, "portable")
    assert status(report)["hashes"] is False and "data/dataset_card.md: sha256 mismatch" in report.check("hashes").detail


@pytest.mark.parametrize("name", ["adapter/adapter_model.safetensors", "adapter/adapter_config.json"])
def test_missing_adapter_fails_schema(built, signing_root, tmp_path, name):
    bad = rewrite(Path(built.path), tmp_path / "no-adapter.gcpkg", {name: None}, fix_provenance=True,
                  resign=signing_root)
    report = validate(bad, signing_root)
    failed_only(report, "schema")
    assert f"missing: {name}" in report.check("layout").detail
    assert "adapter" in report.gate("schema").fix


def test_pickle_inside_fails_security(built, signing_root, tmp_path):
    payload = pickle.dumps({"weights": [1, 2, 3]}, protocol=4)
    bad = rewrite(Path(built.path), tmp_path / "pickle.gcpkg", {"adapter/adapter_model.safetensors": payload},
                  fix_provenance=True, resign=signing_root)
    report = validate(bad, signing_root)
    assert report.gate("security").ok is False
    assert status(report)["weights_format"] is False and "pickle" in report.check("weights_format").detail
    assert "safetensors" in report.gate("security").fix
    assert status(report)["adapter_weights"] is False  # not a usable adapter either


def test_planted_api_key_fails_security(built, signing_root, tmp_path):
    readme = member(built, "README.md")
    bad = rewrite(Path(built.path), tmp_path / "secret.gcpkg",
                  {"README.md": readme + f"\naws_key: {FAKE_AWS_KEY}\n".encode()}, fix_provenance=True,
                  resign=signing_root)
    report = validate(bad, signing_root)
    failed_only(report, "security")
    detail = report.check("secrets").detail
    assert "README.md" in detail and "aws_access_key_id" in detail and FAKE_AWS_KEY not in detail


def test_manifest_with_wrong_types_fails_schema(built, signing_root, tmp_path):
    manifest = json.loads(member(built, "manifest.json"))
    manifest.update(quality_score="high", tags="python", price={"amount": -1, "currency": "usd"})
    bad = rewrite(Path(built.path), tmp_path / "types.gcpkg", {"manifest.json": json.dumps(manifest).encode()},
                  fix_provenance=True, resign=signing_root)
    report = validate(bad, signing_root)
    assert report.gate("schema").ok is False
    detail = report.check("manifest").detail
    for field in ("quality_score", "tags", "price.amount", "price.currency"):
        assert field + ":" in detail
    assert "manifest.schema.json" in report.check("manifest").hint


def test_signature_that_does_not_verify_fails_security(built, signing_root, tmp_path):
    document = json.loads(member(built, pkg.SIGNATURE))
    raw = bytearray(__import__("base64").b64decode(document["signature"]))
    raw[0] ^= 0xFF
    document["signature"] = __import__("base64").b64encode(bytes(raw)).decode()
    bad = rewrite(Path(built.path), tmp_path / "sig.gcpkg", {pkg.SIGNATURE: json.dumps(document).encode()},
                  fix_provenance=False)
    report = validate(bad, signing_root)
    failed_only(report, "security")
    assert "does not verify" in report.check("signature").detail
    assert report.signer.fingerprint == document["fingerprint"]  # the report still names the key


def test_edited_manifest_breaks_the_signature(built, signing_root, tmp_path):
    manifest = json.loads(member(built, "manifest.json"))
    manifest["quality_score"] = 99
    bad = rewrite(Path(built.path), tmp_path / "edited.gcpkg", {"manifest.json": json.dumps(manifest).encode()},
                  fix_provenance=True)  # hashes made to match, but not signed again
    report = validate(bad, signing_root)
    assert status(report)["signature"] is False and "changed after signing" in report.check("signature").detail
    assert status(report)["hashes"] is True


def test_another_key_is_valid_but_not_trusted(built, signing_root, tmp_path):
    other = tmp_path / "other-ws"
    core = rewrite(Path(built.path), tmp_path / "other.gcpkg", {}, fix_provenance=False, resign=other)
    report = validate(core, signing_root)
    assert report.ok and not report.signer.trusted
    assert validate(core, other).signer.own
    strict = validate(core, signing_root, strict=True)
    assert strict.check("signature").ok is False and "trusted" in strict.check("signature").hint


def test_unsigned_core_fails_security(built, signing_root, tmp_path):
    bad = rewrite(Path(built.path), tmp_path / "unsigned.gcpkg", {pkg.SIGNATURE: None}, fix_provenance=False)
    report = validate(bad, signing_root)
    failed_only(report, "security")
    assert "not signed" in report.check("signature").detail


def test_executable_inside_fails_security(built, signing_root, tmp_path):
    bad = rewrite(Path(built.path), tmp_path / "exe.gcpkg",
                  {"data/dataset_card.md": b"\x7fELF\x02\x01\x01" + b"\x00" * 64}, fix_provenance=True,
                  resign=signing_root)
    report = validate(bad, signing_root)
    assert status(report)["executables"] is False and "ELF" in report.check("executables").detail
    assert report.gate("security").ok is False


def test_zip_slip_entry_fails_security_paths(built, signing_root, tmp_path):
    bad = rewrite(Path(built.path), tmp_path / "slip.gcpkg", {}, fix_provenance=False, extra={"../evil.txt": b"x"})
    report = validate(bad, signing_root)
    assert status(report)["paths"] is False and "'..'" in report.check("paths").detail
    assert report.gate("security").fix


def test_extra_file_fails_schema_layout(built, signing_root, tmp_path):
    bad = rewrite(Path(built.path), tmp_path / "extra.gcpkg", {}, fix_provenance=True, extra={"notes.txt": b"hello"},
                  resign=signing_root)
    report = validate(bad, signing_root)
    assert status(report)["layout"] is False and "unexpected: notes.txt" in report.check("layout").detail


def test_truncated_core_fails_schema_zip(built, signing_root, tmp_path):
    path = copy_core(built, tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    report = validate(path, signing_root)
    assert report.gate("schema").ok is False and status(report)["zip"] is False
    assert {g.status for g in report.gates[1:]} == {"skipped"}


def test_not_a_zip_fails_schema_zip(tmp_path, signing_root):
    junk = tmp_path / "junk.gcpkg"
    junk.write_text("this is not a zip file at all")
    report = validate(junk, signing_root)
    assert not report.ok and report.errors[0].startswith("zip:")


def test_broken_safetensors_fails_schema_and_security(built, signing_root, tmp_path):
    bad = rewrite(Path(built.path), tmp_path / "weights.gcpkg",
                  {"adapter/adapter_model.safetensors": b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      "},
                  fix_provenance=True, resign=signing_root)
    report = validate(bad, signing_root)
    assert status(report)["adapter_weights"] is False and status(report)["weights_format"] is False
    assert status(report)["hashes"] is True


def test_zero_lora_b_is_a_note_unless_strict(built, signing_root, tmp_path):
    import torch
    from safetensors.torch import load_file, save_file

    src = tmp_path / "in.safetensors"
    src.write_bytes(member(built, "adapter/adapter_model.safetensors"))
    dst = tmp_path / "zero.safetensors"
    save_file({k: (torch.zeros_like(v) if "lora_B" in k else v) for k, v in load_file(str(src)).items()}, str(dst))
    core = rewrite(Path(built.path), tmp_path / "zero.gcpkg", {"adapter/adapter_model.safetensors": dst.read_bytes()},
                   fix_provenance=True, resign=signing_root)
    relaxed = validate(core, signing_root)
    assert relaxed.ok and "all lora_B tensors are zero" in relaxed.check("adapter_weights").detail
    strict = validate(core, signing_root, strict=True)
    assert strict.check("adapter_weights").ok is False


def test_eval_gate_threshold_and_missing_scores(built, signing_root, tmp_path):
    assert validate(built.path, signing_root, min_quality=90).check("threshold").ok is False
    failed_only(validate(built.path, signing_root, min_quality=90), "eval")
    evals = json.loads(member(built, "training/eval_results.json"))
    del evals["quality_score"]
    bad = rewrite(Path(built.path), tmp_path / "noscore.gcpkg",
                  {"training/eval_results.json": json.dumps(evals).encode()}, fix_provenance=True, resign=signing_root)
    report = validate(bad, signing_root)
    failed_only(report, "eval")
    assert "no quality_score" in report.check("eval_scores").detail


def test_a_score_accepted_below_the_threshold_passes_unless_strict(inputs, signing_root, tmp_path):
    from package_helpers import build

    evals = json.loads(inputs["evals"].read_text())
    evals["quality_score"] = 55
    (tmp_path / "evals.json").write_text(json.dumps(evals))
    core = build(inputs, tmp_path / "out", signing_root, check_load=False, quality_score=55,
                 eval_results_path=str(tmp_path / "evals.json"), accepted_below_threshold=True)
    report = validate(core.path, signing_root)
    assert report.ok and "accepted by the user" in report.check("threshold").detail
    assert validate(core.path, signing_root, strict=True).check("threshold").ok is False
