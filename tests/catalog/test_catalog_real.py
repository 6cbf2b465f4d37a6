"""The estimate's arithmetic against the real implementations (transformers, PEFT, torch autograd).

- Parameter counts: every catalog architecture family built by transformers (on the meta device, so no
  memory) has exactly the parameters :meth:`Architecture.counts` says.
- Activations: a small decoder with LoRA adapters, set up as the CPU trainer runs it (bf16 weights, fp32
  adapters, bf16 autocast, dropout 0.05), keeps for backward about the bytes per token the estimate says;
  measured by summing the storages autograd saves (parameters excluded).
"""

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoConfig, AutoModelForCausalLM

from goose_studio.catalog import Architecture, EstimateSettings, load_catalog
from goose_studio.catalog.vram import layer_activation_bytes

ACTIVATION_TOLERANCE = 0.15


def hf_config(arch: Architecture):
    extra = {}
    if arch.moe:
        extra.update(num_experts=arch.moe.experts, n_routed_experts=arch.moe.experts,
                     num_experts_per_tok=arch.moe.experts_per_token,
                     moe_intermediate_size=arch.moe.expert_intermediate,
                     n_shared_experts=arch.moe.shared_intermediate // arch.moe.expert_intermediate,
                     first_k_dense_replace=arch.moe.dense_layers)
    if arch.mla:
        extra.update(arch.mla.model_dump())
    if arch.head_dim:
        extra["head_dim"] = arch.head_dim
    return AutoConfig.for_model(arch.model_type, hidden_size=arch.hidden, intermediate_size=arch.intermediate,
                                num_hidden_layers=arch.layers, num_attention_heads=arch.heads,
                                num_key_value_heads=arch.kv_heads, vocab_size=arch.vocab,
                                tie_word_embeddings=arch.tie_embeddings, **extra)


def one_per_family():
    seen = {}
    for model in load_catalog().models:
        if model.arch.vision_params == 0:
            seen.setdefault(model.arch.model_type, model)
    return list(seen.values())


@pytest.mark.parametrize("model", one_per_family(), ids=lambda m: m.arch.model_type)
def test_parameter_counts_match_transformers(model):
    with torch.device("meta"):
        built = AutoModelForCausalLM.from_config(hf_config(model.arch))
    real = sum(p.numel() for p in built.parameters())
    assert model.arch.counts().total == pytest.approx(real, rel=0.001)


def saved_bytes_per_token(arch: Architecture, target: str, dropout: float, seq: int = 128) -> float:
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(hf_config(arch), dtype=torch.bfloat16, attn_implementation="sdpa")
    modules = ["q_proj", "k_proj", "v_proj", "o_proj"] + (["gate_proj", "up_proj", "down_proj"]
                                                          if target == "all" else [])
    peft = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=dropout, target_modules=modules))
    for param in peft.parameters():
        if param.requires_grad:
            param.data = param.data.float()  # LLaMA-Factory keeps adapters fp32
    peft.train()
    weights = {p.untyped_storage().data_ptr() for p in peft.parameters()}
    saved: dict[int, int] = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    ids = torch.randint(0, arch.vocab, (1, seq))
    with torch.autocast("cpu", dtype=torch.bfloat16), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        peft.base_model.model.model(input_ids=ids)  # the decoder only: the loss is sized apart
    return sum(saved.values()) / seq


SMALL = {
    "llama": Architecture(model_type="llama", layers=2, hidden=256, intermediate=704, heads=8, kv_heads=2,
                          vocab=1000),
    "qwen3": Architecture(model_type="qwen3", layers=2, hidden=256, intermediate=704, heads=8, kv_heads=2,
                          head_dim=64, vocab=1000),
}


@pytest.mark.parametrize("family,target,dropout", [("llama", "all", 0.05), ("qwen3", "all", 0.05),
                                                   ("llama", "all", 0.0), ("llama", "attention", 0.05)])
def test_activation_bytes_match_what_autograd_saves(family, target, dropout):
    arch = SMALL[family]
    measured = saved_bytes_per_token(arch, target, dropout)
    settings = EstimateSettings(device="cpu", lora_rank=8, lora_target=target, lora_dropout=dropout,
                                gradient_checkpointing=False)
    estimated, _largest = layer_activation_bytes(arch, "lora", settings)
    assert estimated == pytest.approx(measured, rel=ACTIVATION_TOLERANCE)
