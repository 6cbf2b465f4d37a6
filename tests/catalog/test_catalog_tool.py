"""The list_models tool through the registry: GPU, given memory and CPU budgets, the Hub search against a
stand-in Hub speaking the real listing and download API, and the offline and unreachable cases."""

import huggingface_hub.constants
import pytest

from catalog_helpers import HubStandIn
from conftest import free_port
from goose_studio.catalog.gpus import GpuInfo, GpuStatus
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools import catalog as catalog_tool
from goose_studio.tools.registry import ToolContext, call_tool, get_spec
from goose_studio.workspace import Workspace

NO_GPU = GpuStatus(cause="no_driver", reason="no NVIDIA driver on this machine")
ONE_GPU = GpuStatus(driver="550.54.14", cuda="12.4", gpus=[GpuInfo(
    index=0, name="NVIDIA GeForce RTX 3090 Ti", memory_total_gib=24, memory_free_gib=23.2, memory_used_gib=0.8,
    utilization_percent=0, temperature_c=40)])


@pytest.fixture
def ctx(studio_home):
    return ToolContext(workspace=Workspace.from_env())


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(catalog_tool, "gpu_status", lambda: NO_GPU)


@pytest.fixture
def online(monkeypatch):
    """The Hub client allowed online, pointed at a stand-in Hub."""
    hub = HubStandIn()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    yield hub
    hub.close()


def test_the_tool_is_a_read_only_train_tool():
    spec = get_spec("list_models")
    assert spec.tab == "train" and spec.read_only and spec.idempotent and not spec.primary


def test_without_a_gpu_it_lists_what_trains_on_the_cpu(ctx, no_gpu):
    result = call_tool("list_models", {}, ctx)
    assert result.budget.device == "cpu" and result.method == "lora"
    assert result.gpus.cause == "no_driver"
    assert result.recommended.model == "embedded"
    assert all(m.cpu_minutes is not None for m in result.models)
    assert result.settings.device == "cpu" and not result.settings.gradient_checkpointing


def test_qlora_asked_on_a_cpu_is_sized_as_lora(ctx, no_gpu):
    result = call_tool("list_models", {"method": "qlora"}, ctx)
    assert result.method == "lora" and all(m.method == "lora" for m in result.models + result.hidden)


def test_the_gpu_with_the_most_free_memory_is_the_budget(ctx, monkeypatch):
    monkeypatch.setattr(catalog_tool, "gpu_status", lambda: ONE_GPU)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    result = call_tool("list_models", {"seq_len": 512, "unsloth": True}, ctx)
    assert result.budget.device == "gpu" and result.budget.memory_gib == 23.2 and result.method == "qlora"
    assert result.recommended.name == "Qwen3-8B"
    assert result.gpus.gpus[0].temperature_c == 40
    assert result.settings.unsloth and result.settings.seq_len == 512


def test_given_memory_wins_over_the_machine(ctx, no_gpu):
    result = call_tool("list_models", {"gpu_memory": 24, "method": "lora"}, ctx)
    assert result.budget.device == "gpu" and result.budget.memory_gib == 24 and result.method == "lora"
    assert all(m.memory_gib <= 24 for m in result.models)
    assert result.recommended.model == "embedded"  # HF_HUB_OFFLINE=1 in tests: only what is on disk


def test_offline_search_filters_the_catalog_and_says_so(ctx, no_gpu):
    result = call_tool("list_models", {"search": "qwen3", "gpu_memory": 24}, ctx)
    assert result.hub is not None and not result.hub.online and result.hub.note
    assert result.hub.results == []
    listed = result.models + result.hidden
    assert listed and all("qwen3" in m.hub_id.lower() for m in listed)


def test_online_search_sizes_hub_models_from_their_configs(ctx, no_gpu, online):
    result = call_tool("list_models", {"search": "acme", "gpu_memory": 24}, ctx)
    assert result.hub.online and result.hub.endpoint == online.url
    found = {m.hub_id: m for m in result.models + result.hidden}
    assert set(found) == {"acme/Qwen3-4B-Chat", "acme/Tiny-MoE-Coder", "acme/Gated-70B"}  # no embedder
    chat = found["acme/Qwen3-4B-Chat"]
    assert chat.source == "hub" and chat.estimate_basis == "architecture" and chat.fit == "fits"
    assert chat.params_b == pytest.approx(4.02, abs=0.01) and chat.template == "qwen3"
    assert chat.license == "apache-2.0" and chat.context_length == 40960
    moe = found["acme/Tiny-MoE-Coder"]
    assert moe.active_params_b < moe.params_b and "coding" in moe.categories
    gated = found["acme/Gated-70B"]
    assert gated.gated and gated.estimate_basis == "parameters" and gated.fit == "hidden"
    assert result.hub.unreadable_configs == 1
    listing = [q for method, path, q in online.requests if path == "/api/models" and "search" in q]
    assert listing and listing[0]["search"] == ["acme"] and listing[0]["filter"] == ["text-generation"]
    assert ("GET", "/acme/Qwen3-4B-Chat/resolve/main/config.json") in {(m, p) for m, p, _ in online.requests}
    assert result.recommended.hub_id == "acme/Qwen3-4B-Chat"  # online: downloads are possible


def test_catalog_models_found_on_the_hub_keep_the_catalog_facts(ctx, no_gpu, online):
    online.models = [{"id": "Qwen/Qwen3-8B", "downloads": 10, "tags": ["text-generation"],
                      "config": {"model_type": "qwen3", "hidden_size": 1, "num_hidden_layers": 1,
                                 "num_attention_heads": 1, "vocab_size": 1}}]
    result = call_tool("list_models", {"search": "Qwen3-8B", "gpu_memory": 24}, ctx)
    (entry,) = [m for m in result.models + result.hidden if m.hub_id == "Qwen/Qwen3-8B"]
    assert entry.source == "catalog" and entry.params_b == 8.19


def test_an_unreachable_hub_falls_back_to_the_catalog(ctx, no_gpu, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    result = call_tool("list_models", {"search": "smollm2", "gpu_memory": 24}, ctx)
    assert not result.hub.online and result.hub.note
    assert {m.source for m in result.models} == {"catalog"} and result.models


@pytest.mark.parametrize("args", [{"method": "int8"}, {"gpu_memory": -1}, {"seq_len": 1}, {"nonsense": 1},
                                  {"category": "poetry"}])
def test_bad_arguments_are_invalid_input(ctx, args):
    with pytest.raises(ToolFailure) as caught:
        call_tool("list_models", args, ctx)
    assert caught.value.kind is FailureKind.invalid_input
