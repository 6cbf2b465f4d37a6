"""The local registry and marketplace: install a core after the five gates (refused with the failed gate's
fix for a tampered core or one with a pickle inside), find it by name or slug, show it, remove it, publish it
to the workspace's marketplace folder; and the ``cores`` and ``publish`` commands."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goose_studio.cli import app
from goose_studio.cores import core_infos, core_path, open_core
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools import package as pkg
from publish_helpers import build, built, inputs, offline_env, rewrite, signing_root, tool, ws  # noqa: F401


def test_install_validates_copies_and_finds_the_core_by_name_and_slug(built, ws, inputs):
    done = tool("install_core", {"path": built.path, "check_load": False}, ws)
    installed = Path(done.path)
    assert installed.parent == ws.cores and installed.name == Path(built.path).name
    assert not done.already_installed and done.signer.own and done.loaded is None  # the load was off
    assert [g.status for g in done.gates][:3] == ["passed"] * 3
    assert [c.name for c in core_infos(ws)] == [installed.stem]
    assert core_path(ws, installed.stem) == installed
    assert core_path(ws, "tiny-core") == installed  # the slug: its highest version
    again = tool("install_core", {"path": built.path, "check_load": False}, ws)
    assert again.already_installed and again.sha256 == done.sha256
    opened = open_core(ws, core_path(ws, "tiny-core"), str(inputs["base"]))
    assert (opened.adapter / "adapter_model.safetensors").is_file()


def test_install_with_the_load_runs_it_in_a_fresh_process(built, ws, inputs):
    done = tool("install_core", {"path": built.path, "base_model_path": str(inputs["base"])}, ws)
    assert [g.status for g in done.gates][:4] == ["passed"] * 4 and done.loaded is True
    assert Path(done.path).is_file()


def test_a_newer_version_is_what_the_slug_names(built, ws, inputs, tmp_path, signing_root):
    tool("install_core", {"path": built.path, "check_load": False}, ws)
    out = tmp_path / "cores"
    out.mkdir()
    shutil.copyfile(built.path, out / Path(built.path).name)
    newer = build(inputs, out, signing_root)
    assert Path(newer.path).name.endswith("-v2.gcpkg")
    tool("install_core", {"path": newer.path, "check_load": False}, ws)
    assert core_path(ws, "tiny-core").name == Path(newer.path).name


def test_a_different_file_under_an_installed_name_needs_force(built, ws, inputs, tmp_path, signing_root):
    tool("install_core", {"path": built.path, "check_load": False}, ws)
    other = build(inputs, tmp_path, signing_root, description="Another build of it.")
    assert Path(other.path).name == Path(built.path).name
    with pytest.raises(ToolFailure) as caught:
        tool("install_core", {"path": other.path, "check_load": False}, ws)
    assert caught.value.kind is FailureKind.invalid_input and caught.value.hint
    replaced = tool("install_core", {"path": other.path, "check_load": False, "force": True}, ws)
    assert replaced.replaced
    assert json.loads(zipfile.ZipFile(replaced.path).read(pkg.MANIFEST))["description"] == "Another build of it."


@pytest.mark.parametrize("damage, gate", [("tampered", "portable"), ("pickle", "security"),
                                          ("wrong_types", "schema"), ("bad_signature", "security")])
def test_a_core_that_fails_a_gate_is_not_installed(built, ws, tmp_path, damage, gate):
    src = Path(built.path)
    with zipfile.ZipFile(src) as zf:
        weights, manifest = zf.read(pkg.ADAPTER_WEIGHTS), json.loads(zf.read(pkg.MANIFEST))
    bad = tmp_path / src.name
    if damage == "tampered":
        rewrite(src, bad, {pkg.ADAPTER_WEIGHTS: weights[:-4] + b"\0\0\0\0"}, fix_provenance=False)
    elif damage == "pickle":
        rewrite(src, bad, {}, fix_provenance=False, extra={"adapter/extra.pkl": b"\x80\x04K\x01."})
    elif damage == "wrong_types":
        manifest["quality_score"] = "very good"
        rewrite(src, bad, {pkg.MANIFEST: json.dumps(manifest).encode()}, fix_provenance=True, resign=ws.root)
    else:
        manifest["description"] = "Changed after signing."
        rewrite(src, bad, {pkg.MANIFEST: json.dumps(manifest).encode()}, fix_provenance=True)
    with pytest.raises(ToolFailure) as caught:
        tool("install_core", {"path": str(bad), "check_load": False}, ws)
    failure = caught.value
    assert failure.kind is FailureKind.invalid_input and gate in failure.details["failed_gates"]
    assert failure.hint and not list(ws.cores.glob("*.gcpkg"))


def test_show_reads_manifest_members_and_signature(built, ws):
    tool("install_core", {"path": built.path, "check_load": False}, ws)
    details = tool("show_core", {"core": "tiny-core"}, ws)
    assert details.manifest["name"] == "Tiny Core" and details.manifest["tags"] == ["python", "test"]
    assert {"icon", "price"} <= set(details.manifest)
    assert details.signature == "verified" and details.signer.own
    assert pkg.ADAPTER_WEIGHTS in {m.name for m in details.members}
    assert details.provenance["source"]["commit"].startswith("0123")


def test_remove_deletes_the_core_and_its_extracted_adapter(built, ws, inputs):
    done = tool("install_core", {"path": built.path, "check_load": False}, ws)
    opened = open_core(ws, Path(done.path), str(inputs["base"]))
    removed = tool("remove_core", {"core": Path(done.path).stem}, ws)
    assert removed.cache_removed and not opened.adapter.exists() and not Path(done.path).exists()
    with pytest.raises(ToolFailure) as caught:
        tool("remove_core", {"core": Path(done.path).stem}, ws)
    assert caught.value.kind is FailureKind.not_found
    with pytest.raises(ToolFailure) as outside:
        tool("remove_core", {"core": built.path}, ws)  # a file outside the workspace's cores is never deleted
    assert outside.value.kind is FailureKind.invalid_input and Path(built.path).is_file()


def test_publish_to_the_local_marketplace_lists_the_marketplace_fields(built, ws):
    result = tool("publish_core", {"core": built.path, "to": ["local"], "check_load": False}, ws)
    assert result.ok and [d.destination for d in result.destinations] == ["local"]
    local = result.destinations[0]
    index = json.loads(Path(local.marketplace.index).read_text())
    (entry,) = index["cores"]
    assert entry["name"] == "Tiny Core" and entry["tags"] == ["python", "test"] and entry["icon"]
    assert entry["price"] == {"amount": 0.0, "currency": "USD"} and entry["signer"] == result.signer.fingerprint
    assert (Path(local.marketplace.index).parent / entry["file"]).is_file()
    assert Path(local.installed.path).parent == ws.cores
    again = tool("publish_core", {"core": "tiny-core", "to": ["local"], "check_load": False}, ws)
    assert again.ok and again.destinations[0].marketplace.changed is False


def test_cli_cores_install_list_show_remove_and_publish(built, ws, monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(ws.root))
    runner = CliRunner()

    def cli(*args: str, code: int = 0) -> dict | list:
        res = runner.invoke(app, list(args))
        assert res.exit_code == code, res.output
        return json.loads(res.stdout)

    installed = cli("cores", "install", built.path, "--no-load", "--json")
    name = installed["name"]
    assert [c["name"] for c in cli("cores", "--json")] == [name] == [c["name"] for c in cli("cores", "list", "--json")]
    assert cli("cores", "show", "tiny-core", "--json")["signature"] == "verified"
    published = cli("publish", name, "--to", "local", "--no-check-load", "--json")
    assert published["ok"] and published["destinations"][0]["marketplace"]["cores"] == 1
    assert cli("cores", "remove", name, "--json")["name"] == name
    assert cli("cores", "show", name, "--json", code=1)["failure"]["kind"] == "not_found"
