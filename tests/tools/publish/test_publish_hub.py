"""Uploading a core to the Hugging Face Hub with the real ``huggingface_hub`` client and real HTTP requests,
against a local stand-in of the Hub's API (``HF_ENDPOINT`` pointed at it): the repository is created, the
adapter, the generated model card and the core's records are committed; no token, a refused token and an
unreachable Hub are typed failures; publishing to the Hub without a token still publishes locally."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
import yaml

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools import package as pkg
from goose_studio.tools.publish import upload_to_hub
from hub_standin import USER, HubStandIn
from publish_helpers import built, inputs, offline_env, signing_root, tool, ws  # noqa: F401

TOKEN = "hf_" + "standin" * 5


@pytest.fixture
def hub(monkeypatch):
    from huggingface_hub import constants

    with HubStandIn(TOKEN) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        monkeypatch.setenv("HF_HUB_OFFLINE", "0")
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        yield server


def test_upload_creates_the_repo_and_commits_adapter_card_and_records(built, hub):
    result = upload_to_hub(Path(built.path))
    repo_id = f"{USER}/tiny-core"
    assert result.repo_id == repo_id and result.private and result.commit == hub.commits[0]["oid"]
    assert result.url.startswith(hub.url) and result.endpoint == hub.url
    files = hub.repos[repo_id]["files"]
    assert set(result.files) == set(files) >= {"adapter_model.safetensors", "adapter_config.json", "README.md",
                                               "manifest.json", "PROVENANCE.json", "SIGNATURE.json"}
    with zipfile.ZipFile(built.path) as zf:
        assert hashlib.sha256(files["adapter_model.safetensors"]).digest() == \
            hashlib.sha256(zf.read(pkg.ADAPTER_WEIGHTS)).digest()
    card = files["README.md"].decode()
    front = yaml.safe_load(card.split("---")[1])
    assert front["library_name"] == "peft" and front["base_model"] == "tiny-org/tiny-llama"
    assert {"python", "test", "lora"} <= set(front["tags"])
    assert front["model-index"][0]["results"][0]["metrics"][0]["value"] == 71.5
    assert "# Tiny Core" in card and hub.cards == [card]  # the client had the card's metadata checked
    assert ("GET", "/api/whoami-v2") in hub.requests and hub.repos[repo_id]["private"] is True


def test_an_existing_repo_is_reused_under_the_name_given(built, hub):
    first = upload_to_hub(Path(built.path), repo_id=f"{USER}/my-core", private=False)
    second = upload_to_hub(Path(built.path), repo_id=f"{USER}/my-core", private=False)
    assert first.repo_id == second.repo_id == f"{USER}/my-core" and len(hub.commits) == 2
    assert ("GET", "/api/whoami-v2") not in hub.requests and hub.repos[f"{USER}/my-core"]["private"] is False


def test_no_token_is_auth_required_before_any_request(built, hub, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(ToolFailure) as caught:
        upload_to_hub(Path(built.path))
    assert caught.value.kind is FailureKind.auth_required and "HF_TOKEN" in caught.value.hint
    assert hub.requests == []


def test_a_refused_token_is_auth_required(built, hub, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_" + "wrong" * 6)
    with pytest.raises(ToolFailure) as caught:
        upload_to_hub(Path(built.path))
    assert caught.value.kind is FailureKind.auth_required and caught.value.details["status"] == 401


def test_an_unreachable_hub_is_transient(built, hub, monkeypatch):
    from conftest import free_port

    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ToolFailure) as caught:
        upload_to_hub(Path(built.path), repo_id=f"{USER}/x")
    assert caught.value.kind is FailureKind.transient


def test_offline_mode_is_named(built, hub, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ToolFailure) as caught:
        upload_to_hub(Path(built.path), repo_id=f"{USER}/x")
    assert caught.value.kind is FailureKind.unsupported


def test_publish_to_hub_and_local_each_reported(built, hub, ws, monkeypatch):
    done = tool("publish_core", {"core": built.path, "to": ["local", "hub"], "check_load": False}, ws)
    assert done.ok and [d.destination for d in done.destinations] == ["local", "hub"]
    assert done.destinations[1].hub.repo_id == f"{USER}/tiny-core"
    monkeypatch.delenv("HF_TOKEN")
    again = tool("publish_core", {"core": built.path, "to": ["hub", "local"], "check_load": False}, ws)
    hub_part, local_part = again.destinations
    assert not again.ok and not hub_part.ok and hub_part.failure["kind"] == "auth_required"
    assert local_part.ok and Path(local_part.installed.path).is_file()
