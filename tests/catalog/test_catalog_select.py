"""Which catalog models fit a budget, which are hidden and why, and which one is recommended."""

from pathlib import Path

import pytest

from goose_studio.catalog import Budget, EstimateSettings, cpu_budget, facts_of, given_budget, load_catalog, plan
from goose_studio.catalog.select import (
    CPU_HIDE_MINUTES, FIT_SHARE, TIGHT_SHARE, ModelFacts, cpu_minutes, gpu_budget, is_cached,
)
from goose_studio.catalog.gpus import GpuInfo, GpuStatus

GPU = EstimateSettings()
CPU = EstimateSettings(device="cpu", gradient_checkpointing=False)


def catalog(cache_dir: Path | None = None) -> list[ModelFacts]:
    return [facts_of(m, cache_dir) for m in load_catalog().models]


def names(fits) -> list[str]:
    return [f.name for f in fits]


def test_a_24_gib_gpu_shows_what_fits_best_first_and_hides_the_rest():
    result = plan(catalog(), given_budget(24), "qlora", GPU)
    assert result.recommended.name == "Qwen3-8B"
    assert names(result.models)[:3] == ["Qwen3-8B", "GLM-4-9B-0414", "LLaMA-3.3-8B-Instruct"]
    assert all(f.memory_gib <= 24 * TIGHT_SHARE for f in result.models)
    assert all(f.memory_gib > 24 * TIGHT_SHARE for f in result.hidden)
    assert {"Qwen3-30B-A3B", "LLaMA-3.3-70B-Instruct"} <= set(names(result.hidden))
    assert len(result.models) + len(result.hidden) == len(load_catalog().models)
    ranks = [f.rank for f in result.models if f.fit == "fits"]
    assert ranks == sorted(ranks)


def test_a_moe_hidden_for_its_16_bit_experts_says_what_4_bit_experts_would_need():
    result = plan(catalog(), given_budget(24), "qlora", GPU)
    moe = next(f for f in result.hidden if f.name == "Qwen3-30B-A3B")
    assert moe.memory_gib > 50
    assert moe.experts_4bit_gib is not None and moe.experts_4bit_gib < 24
    dense = next(f for f in result.hidden if f.name == "LLaMA-3.3-70B-Instruct")
    assert dense.experts_4bit_gib is None


def test_a_smaller_gpu_recommends_the_best_ranked_model_that_still_fits():
    result = plan(catalog(), given_budget(8), "qlora", GPU)
    fitting = [f for f in result.models if f.fit == "fits"]
    assert result.recommended is fitting[0]
    assert result.recommended.memory_gib <= 8 * FIT_SHARE
    assert "Qwen3-8B" in names(result.hidden)
    assert result.recommended.rank == min(f.rank for f in fitting)


def test_the_category_narrows_the_recommendation():
    assert plan(catalog(), given_budget(24), "qlora", GPU, category="vision").recommended.name == \
        "Qwen2.5-VL-3B-Instruct"
    coder = plan(catalog(), given_budget(4), "qlora", GPU, category="coding").recommended
    assert "coding" in coder.categories


def test_nothing_fits_means_no_recommendation():
    result = plan(catalog(), given_budget(0.5), "qlora", GPU)
    assert result.recommended is None and result.models == []


def test_offline_recommends_only_what_is_on_disk(tmp_path):
    offline = plan(catalog(tmp_path), given_budget(24), "qlora", GPU, offline=True)
    assert offline.recommended.model == "embedded"
    snapshot = tmp_path / "models--Qwen--Qwen3-1.7B" / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    assert is_cached("Qwen/Qwen3-1.7B", tmp_path)
    assert plan(catalog(tmp_path), given_budget(24), "qlora", GPU, offline=True).recommended.name == "Qwen3-1.7B"


def test_on_a_cpu_the_embedded_model_and_the_smallest_ones_are_listed():
    budget = Budget(device="cpu", memory_gib=16, cpu_cores=2, source="test")
    result = plan(catalog(), budget, "lora", CPU)
    assert result.recommended.model == "embedded"
    shown = names(result.models)
    assert shown[0] == "SmolLM2-135M-Instruct"
    assert {"SmolLM2-360M-Instruct", "Qwen2.5-Coder-0.5B-Instruct"} <= set(shown)
    assert all(f.cpu_minutes <= CPU_HIDE_MINUTES for f in result.models)
    minutes = [f.cpu_minutes for f in result.models]
    assert minutes == sorted(minutes)
    slow = next(f for f in result.hidden if f.name == "SmolLM2-1.7B-Instruct")
    assert slow.cpu_minutes > CPU_HIDE_MINUTES and slow.memory_gib < 16
    assert "Qwen3-8B" in names(result.hidden)


def test_cpu_time_scales_with_parameters_and_cores():
    assert cpu_minutes(134.5e6, 2) == pytest.approx(200_000 / 210 / 60, rel=0.01)
    assert cpu_minutes(269e6, 2) == pytest.approx(2 * cpu_minutes(134.5e6, 2), rel=0.01)
    assert cpu_minutes(134.5e6, 8) == pytest.approx(cpu_minutes(134.5e6, 2) / 4, rel=0.01)


def test_a_sequence_beyond_the_context_hides_the_model():
    result = plan(catalog(), given_budget(80), "qlora", EstimateSettings(seq_len=16384))
    smol = next(f for f in result.hidden if f.name == "SmolLM2-360M-Instruct")
    assert smol.estimate_basis == "none" and smol.memory_gib is None
    assert "Qwen3-8B" in names(result.models)


def test_hub_results_without_a_config_are_sized_roughly_or_not_at_all():
    rough = ModelFacts(name="R", hub_id="a/r", model="a/r", source="hub", params_b=7.0)
    blind = ModelFacts(name="B", hub_id="a/b", model="a/b", source="hub")
    result = plan([rough, blind], given_budget(24), "qlora", GPU)
    (sized,) = result.models
    assert sized.estimate_basis == "parameters" and 4 < sized.memory_gib < 8
    (unsized,) = result.hidden
    assert unsized.estimate_basis == "none" and unsized.memory_gib is None


def test_budgets_from_the_gpus_and_the_host():
    status = GpuStatus(gpus=[GpuInfo(index=0, name="small", memory_total_gib=8, memory_free_gib=7.5,
                                     memory_used_gib=0.5),
                             GpuInfo(index=1, name="big", memory_total_gib=24, memory_free_gib=20,
                                     memory_used_gib=4)])
    budget = gpu_budget(status)
    assert budget.device == "gpu" and budget.memory_gib == 20
    assert gpu_budget(GpuStatus(cause="no_driver", reason="none")) is None
    host = cpu_budget()
    assert host.device == "cpu" and host.memory_gib > 0 and host.cpu_cores >= 1
