"""The zip, schema, integrity, safetensors and secrets checks on damaged or altered copies of a good core."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from goose_studio.tools import package as pkg
from package_helpers import (  # noqa: F401  (fixtures)
    FAKE_AWS_KEY,
    built,
    copy_core,
    inputs,
    offline_env,
    rewrite,
    status,
)


def test_secret_in_readme_fails_secrets_check(built, tmp_path):
    with zipfile.ZipFile(built.path) as zf:
        readme = zf.read("README.md")
    bad = rewrite(Path(built.path), tmp_path / "secret.gcpkg",
                  {"README.md": readme + f"\naws_key: {FAKE_AWS_KEY}\n".encode()}, fix_provenance=True)
    report = pkg.validate_package(bad, check_load=False)
    checks = status(report)
    assert not report.ok
    assert checks["secrets"] is False
    assert checks["integrity"] is True and checks["schema"] is True
    detail = report.check("secrets").detail
    assert "README.md" in detail and "aws_access_key_id" in detail and FAKE_AWS_KEY not in detail


def test_truncated_core_fails_zip_check(built, tmp_path):
    path = copy_core(built, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report = pkg.validate_package(path)
    assert not report.ok
    assert report.check("zip").ok is False
    assert any(e.startswith("zip:") for e in report.errors)


@pytest.mark.parametrize("member", ["adapter/adapter_model.safetensors", "README.md"])
def test_flipped_bytes_fail_zip_and_integrity(built, tmp_path, member):
    path = copy_core(built, tmp_path)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    raw = bytearray(path.read_bytes())
    name_len = int.from_bytes(raw[info.header_offset + 26: info.header_offset + 28], "little")
    extra_len = int.from_bytes(raw[info.header_offset + 28: info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len + min(40, info.compress_size // 2)
    for i in range(start, start + 4):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    report = pkg.validate_package(path, check_load=False)
    assert not report.ok
    assert report.check("zip").ok is False
    assert report.check("integrity").ok is False
    assert member in report.check("integrity").detail


def test_tampered_member_fails_integrity(built, tmp_path):
    with zipfile.ZipFile(built.path) as zf:
        card = zf.read("data/dataset_card.md")
    bad = rewrite(Path(built.path), tmp_path / "tampered.gcpkg",
                  {"data/dataset_card.md": card.replace(b"Pairs", b"Pears")}, fix_provenance=False)
    report = pkg.validate_package(bad, check_load=False)
    checks = status(report)
    assert not report.ok
    assert checks["zip"] is True and checks["schema"] is True
    assert checks["integrity"] is False
    assert "data/dataset_card.md: sha256 mismatch" in report.check("integrity").detail


def test_extra_file_fails_schema(built, tmp_path):
    bad = rewrite(Path(built.path), tmp_path / "extra.gcpkg", {}, fix_provenance=True,
                  extra={"notes.txt": b"hello"})
    report = pkg.validate_package(bad, check_load=False)
    assert not report.ok
    assert report.check("schema").ok is False
    assert "unexpected: notes.txt" in report.check("schema").detail


def test_missing_file_fails_schema(built, tmp_path):
    src = Path(built.path)
    dest = tmp_path / "missing.gcpkg"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            if info.filename != "training/eval_results.json":
                zout.writestr(info, zin.read(info.filename))
    report = pkg.validate_package(dest, check_load=False)
    assert not report.ok
    assert "missing: training/eval_results.json" in report.check("schema").detail
    assert report.check("integrity").ok is False  # listed in PROVENANCE but absent


def test_invalid_manifest_and_adapter_config_fail_schema(built, tmp_path):
    with zipfile.ZipFile(built.path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        cfg = json.loads(zf.read("adapter/adapter_config.json"))
    manifest["method"] = "full"
    cfg["peft_type"] = "IA3"
    bad = rewrite(Path(built.path), tmp_path / "schema.gcpkg",
                  {"manifest.json": json.dumps(manifest).encode(),
                   "adapter/adapter_config.json": json.dumps(cfg).encode()}, fix_provenance=True)
    report = pkg.validate_package(bad, check_load=False)
    detail = report.check("schema").detail
    assert report.check("schema").ok is False
    assert "manifest.json: method" in detail and "peft_type" in detail


def test_broken_safetensors_fails(built, tmp_path):
    bad = rewrite(Path(built.path), tmp_path / "weights.gcpkg",
                  {"adapter/adapter_model.safetensors": b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      "},
                  fix_provenance=True)
    report = pkg.validate_package(bad, check_load=False)
    assert not report.ok
    assert report.check("safetensors").ok is False
    assert report.check("integrity").ok is True


def test_zip_slip_entry_fails_zip_check(built, tmp_path):
    bad = rewrite(Path(built.path), tmp_path / "slip.gcpkg", {}, fix_provenance=False,
                  extra={"../evil.txt": b"x"})
    report = pkg.validate_package(bad)
    assert not report.ok
    assert report.check("zip").ok is False and "'..'" in report.check("zip").detail


def test_not_a_zip_fails_zip_check(tmp_path):
    junk = tmp_path / "junk.gcpkg"
    junk.write_text("this is not a zip file at all")
    report = pkg.validate_package(junk)
    assert not report.ok
    assert report.check("zip").ok is False
    assert report.errors and report.errors[0].startswith("zip:")


def test_zero_lora_b_is_a_note_unless_strict(built, tmp_path):
    import torch
    from safetensors.torch import load_file, save_file

    with zipfile.ZipFile(built.path) as zf:
        raw = zf.read("adapter/adapter_model.safetensors")
    src = tmp_path / "in.safetensors"
    src.write_bytes(raw)
    tensors = {k: (torch.zeros_like(v) if "lora_B" in k else v) for k, v in load_file(str(src)).items()}
    dst = tmp_path / "zero.safetensors"
    save_file(tensors, str(dst))
    core = rewrite(Path(built.path), tmp_path / "zero.gcpkg",
                   {"adapter/adapter_model.safetensors": dst.read_bytes()}, fix_provenance=True)
    relaxed = pkg.validate_package(core, check_load=False)
    assert relaxed.ok and "all lora_B tensors are zero" in relaxed.check("safetensors").detail
    strict = pkg.validate_package(core, check_load=False, strict=True)
    assert not strict.ok and strict.check("safetensors").ok is False
