"""The shipped model catalog: it loads, holds the spec's models with the facts the studio needs, and a broken
catalog is reported with every problem at once."""

import importlib.util
import re
from pathlib import Path

import pytest

from goose_studio.catalog import find_model, load_catalog, parse_catalog
from goose_studio.catalog.arch import architecture_from_config
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.models import EMBEDDED_MODEL_ID

APPENDIX_A = ["Qwen3-8B", "GLM-4-9B-0414", "LLaMA-3.3-8B-Instruct", "DeepSeek-Coder-V2-Lite-Instruct",
              "Mistral-7B-v0.3", "Phi-4-14B", "Qwen3-14B", "Qwen3-30B-A3B", "GLM-4-32B-0414"]
SMALL = ["SmolLM2-360M-Instruct", "SmolLM2-1.7B-Instruct", "Qwen3-0.6B", "Qwen3-1.7B", "Qwen2.5-Coder-0.5B-Instruct",
         "Qwen2.5-Coder-1.5B-Instruct", "Llama-3.2-1B-Instruct", "Llama-3.2-3B-Instruct"]


def llamafactory_templates() -> set[str]:
    """Template names LLaMA-Factory registers, read from its source (importing it takes seconds)."""
    spec = importlib.util.find_spec("llamafactory")
    source = Path(spec.submodule_search_locations[0], "data", "template.py").read_text(encoding="utf-8")
    return set(re.findall(r'register_template\(\s*name="([\w.\-]+)"', source))


def test_catalog_holds_the_spec_models_the_embedded_default_and_small_ones():
    names = {m.name for m in load_catalog().models}
    assert set(APPENDIX_A) <= names
    assert set(SMALL) <= names
    embedded = find_model("embedded")
    assert embedded is not None and embedded.hub_id == EMBEDDED_MODEL_ID and embedded.embedded
    assert {c for m in load_catalog().models for c in m.categories} == {"coding", "chat", "reasoning", "vision"}


def test_every_template_is_one_llamafactory_knows():
    known = llamafactory_templates()
    assert len(known) > 50
    unknown = {m.name: m.template for m in load_catalog().models if m.template not in known}
    assert unknown == {}


def test_moe_entries_carry_active_parameters_and_experts():
    for name in ("Qwen3-30B-A3B", "DeepSeek-Coder-V2-Lite-Instruct"):
        model = find_model(name)
        counts = model.arch.counts()
        assert model.active_params_b is not None and model.arch.moe is not None
        assert counts.experts > 0.8 * counts.total
        assert counts.active < 0.2 * counts.total
    assert find_model("qwen3-30b-a3b").arch.counts().active / 1e9 == pytest.approx(3.3, rel=0.05)


def test_find_model_by_id_name_or_hub_id():
    assert find_model("qwen3-8b") is find_model("Qwen3-8B") is find_model("qwen/qwen3-8b")
    assert find_model("no-such-model") is None


def test_a_broken_catalog_reports_every_problem_at_once():
    text = """
models:
  - {id: good, name: Good, hub_id: a/good, params_b: 0.135, context_length: 8192, license: mit, template: x,
     categories: [chat], rank: 1, blurb: ok, studio_model: embedded,
     arch: {model_type: llama, layers: 30, hidden: 576, intermediate: 1536, heads: 9, kv_heads: 3, vocab: 49152,
            tie_embeddings: true}}
  - {id: wrong-size, name: W, hub_id: a/w, params_b: 70, context_length: 8192, license: mit, template: x,
     categories: [chat], rank: 2, blurb: ok,
     arch: {model_type: llama, layers: 30, hidden: 576, intermediate: 1536, heads: 9, kv_heads: 3, vocab: 49152}}
  - {id: bad-category, name: B, hub_id: a/b, params_b: 1, context_length: 8192, license: mit, template: x,
     categories: [poetry], rank: 3, blurb: ok,
     arch: {model_type: llama, layers: 16, hidden: 2048, intermediate: 8192, heads: 32, kv_heads: 7, vocab: 1}}
  - {id: missing, name: M, hub_id: a/m, context_length: 10, license: mit, template: x, categories: [chat],
     rank: 4, blurb: ok, arch: {model_type: llama, layers: 1, hidden: 8, intermediate: 8, heads: 1, kv_heads: 1,
     vocab: 8}}
"""
    with pytest.raises(ToolFailure) as caught:
        parse_catalog(text, "broken.yaml")
    failure = caught.value
    assert failure.kind is FailureKind.corrupted
    errors = failure.details["errors"]
    assert any(e.startswith("models.wrong-size: ") for e in errors)  # 0.135B counted, 70B published
    assert any(e.startswith("models.bad-category.categories") for e in errors)
    assert any(e.startswith("models.bad-category.arch") for e in errors)  # 32 heads over 7 KV heads
    assert any(e.startswith("models.missing.params_b") for e in errors)
    assert any(e.startswith("models.missing.context_length") for e in errors)
    assert not any(e.startswith("models.good") for e in errors)


def test_duplicate_ids_and_a_missing_embedded_default_are_refused():
    entry = """  - {{id: {id}, name: {id}, hub_id: a/{id}, params_b: 0.135, context_length: 8192, license: mit,
     template: x, categories: [chat], rank: {rank}, blurb: ok,
     arch: {{model_type: llama, layers: 30, hidden: 576, intermediate: 1536, heads: 9, kv_heads: 3, vocab: 49152,
            tie_embeddings: true}}}}
"""
    text = "models:\n" + entry.format(id="same", rank=1) + entry.format(id="same", rank=2)
    with pytest.raises(ToolFailure) as caught:
        parse_catalog(text)
    (problem,) = caught.value.details["errors"]  # the catalog's own checks, all in one
    assert problem.startswith("(root): ") and "same" in problem and "a/same" in problem
    with pytest.raises(ToolFailure) as caught:
        parse_catalog("models:\n" + entry.format(id="one", rank=1))  # valid entries, none embedded
    assert [e.split(":")[0] for e in caught.value.details["errors"]] == ["(root)"]


def test_not_yaml_is_a_corrupted_catalog():
    with pytest.raises(ToolFailure) as caught:
        parse_catalog("models: [unclosed")
    assert caught.value.kind is FailureKind.corrupted


def test_architecture_from_hf_configs():
    dense = architecture_from_config({"model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336,
                                      "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
                                      "vocab_size": 128256, "tie_word_embeddings": False})
    assert dense.dim == 128 and dense.counts().total == find_model("llama-3.3-8b-instruct").arch.counts().total
    deepseek = architecture_from_config({
        "model_type": "deepseek_v2", "hidden_size": 2048, "intermediate_size": 10944, "num_hidden_layers": 27,
        "num_attention_heads": 16, "num_key_value_heads": 16, "vocab_size": 102400, "n_routed_experts": 64,
        "n_shared_experts": 2, "num_experts_per_tok": 6, "moe_intermediate_size": 1408, "first_k_dense_replace": 1,
        "kv_lora_rank": 512, "q_lora_rank": None, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
        "v_head_dim": 128})
    assert deepseek == find_model("deepseek-coder-v2-lite").arch
    vision = architecture_from_config({"model_type": "qwen2_5_vl", "tie_word_embeddings": True,
                                       "text_config": {"hidden_size": 2048, "intermediate_size": 11008,
                                                       "num_hidden_layers": 36, "num_attention_heads": 16,
                                                       "num_key_value_heads": 2, "vocab_size": 151936}})
    assert vision.tie_embeddings and vision.layers == 36 and vision.dim == 128
    with pytest.raises(ValueError):
        architecture_from_config({"model_type": "bert", "vocab_size": 30522})
