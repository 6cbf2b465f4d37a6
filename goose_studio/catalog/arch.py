"""A decoder's architecture as the numbers memory depends on, and the arithmetic on them.

:class:`Architecture` holds what a model's ``config.json`` says about its shape (layers, widths, heads,
vocabulary, mixture-of-experts and latent-attention details). From it come the parameter counts by kind
(:meth:`Architecture.counts`: embeddings, Linear layers, fused expert tensors, the rest) and the Linear
layers of one decoder layer (:meth:`Architecture.linears`), which is what LoRA adapts and bitsandbytes
quantizes. :func:`architecture_from_config` reads a Hugging Face ``config.json`` dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Model types whose decoder layer has two extra norms (after attention and after the MLP).
SANDWICH_NORMS = ("glm4",)
#: Model types with per-head RMSNorm on queries and keys.
QK_NORMS = ("qwen3", "qwen3_moe")
#: Model types whose q/k/v and gate/up projections are single fused Linear layers.
FUSED_QKV = ("phi3",)
FUSED_GATE_UP = ("phi3", "glm4")


class MoE(BaseModel):
    """Mixture-of-experts layers: routed experts, an optional always-on shared expert, leading dense layers."""

    model_config = ConfigDict(extra="forbid")

    experts: int = Field(ge=2)
    experts_per_token: int = Field(ge=1)
    expert_intermediate: int = Field(ge=1)
    shared_intermediate: int = Field(0, ge=0, description="Width of the shared expert MLP (0: none).")
    dense_layers: int = Field(0, ge=0, description="Leading layers with a dense MLP instead of experts.")
    fused_experts: bool = Field(True, description="Experts stored as 3-D tensors (transformers 5), not Linear "
                                                  "layers: LoRA 'all' and bitsandbytes leave them alone.")


class MLA(BaseModel):
    """Multi-head latent attention (DeepSeek-V2): low-rank key/value projections."""

    model_config = ConfigDict(extra="forbid")

    kv_lora_rank: int = Field(ge=1)
    q_lora_rank: int | None = Field(None, ge=1)
    qk_nope_head_dim: int = Field(ge=1)
    qk_rope_head_dim: int = Field(ge=1)
    v_head_dim: int = Field(ge=1)


@dataclass(frozen=True)
class Linear:
    """One Linear layer of a decoder layer: its name, widths, and how many of it the model has."""

    name: str
    fan_in: int
    fan_out: int
    count: int  # layers that have it

    @property
    def params(self) -> int:
        return self.fan_in * self.fan_out * self.count


@dataclass(frozen=True)
class Counts:
    """Parameters by kind: what each method keeps at which precision."""

    embedding: int  # input embedding (16-bit under every method)
    head: int  # output projection when not tied to the embedding (kept 16-bit by bitsandbytes)
    linear: int  # Linear layers in the decoder (quantized by QLoRA)
    experts: int  # routed expert tensors
    other: int  # norms, routers, vision tower
    active: int  # parameters one token passes through

    @property
    def total(self) -> int:
        return self.embedding + self.head + self.linear + self.experts + self.other


class Architecture(BaseModel):
    """The shape of a decoder-only model (its text part), as in its ``config.json``."""

    model_config = ConfigDict(extra="forbid")

    model_type: str
    layers: int = Field(ge=1)
    hidden: int = Field(ge=1)
    intermediate: int = Field(ge=1, description="Dense MLP width.")
    heads: int = Field(ge=1)
    kv_heads: int = Field(ge=1)
    head_dim: int | None = Field(None, ge=1, description="Defaults to hidden / heads.")
    vocab: int = Field(ge=1)
    tie_embeddings: bool = False
    moe: MoE | None = None
    mla: MLA | None = None
    vision_params: int = Field(0, ge=0, description="Vision tower and projector parameters (frozen).")

    @model_validator(mode="after")
    def _shape(self) -> "Architecture":
        if self.heads % self.kv_heads:
            raise ValueError(f"heads ({self.heads}) must be a multiple of kv_heads ({self.kv_heads})")
        if self.moe and self.moe.dense_layers > self.layers:
            raise ValueError("moe.dense_layers is larger than layers")
        if self.moe and self.moe.experts_per_token > self.moe.experts:
            raise ValueError("moe.experts_per_token is larger than moe.experts")
        return self

    # -- widths -------------------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return self.head_dim or self.hidden // self.heads

    @property
    def q_width(self) -> int:
        """Width of the queries (and, after expansion, of the keys) over all heads."""
        if self.mla:
            return self.heads * (self.mla.qk_nope_head_dim + self.mla.qk_rope_head_dim)
        return self.heads * self.dim

    @property
    def kv_width(self) -> int:
        """Width of the keys (or values) as stored: all KV heads."""
        if self.mla:
            return self.heads * (self.mla.qk_nope_head_dim + self.mla.qk_rope_head_dim)
        return self.kv_heads * self.dim

    @property
    def v_width(self) -> int:
        return self.heads * self.mla.v_head_dim if self.mla else self.kv_heads * self.dim

    @property
    def out_width(self) -> int:
        """Width entering the output projection (all heads' values)."""
        return self.heads * self.mla.v_head_dim if self.mla else self.heads * self.dim

    @property
    def moe_layers(self) -> int:
        return self.layers - self.moe.dense_layers if self.moe else 0

    @property
    def dense_layers(self) -> int:
        return self.layers - self.moe_layers

    # -- layers -------------------------------------------------------------------------------------------

    def attention_linears(self) -> list[Linear]:
        h, n = self.hidden, self.layers
        if self.mla:
            m = self.mla
            q = ([Linear("q_a_proj", h, m.q_lora_rank, n), Linear("q_b_proj", m.q_lora_rank, self.q_width, n)]
                 if m.q_lora_rank else [Linear("q_proj", h, self.q_width, n)])
            return [*q, Linear("kv_a_proj_with_mqa", h, m.kv_lora_rank + m.qk_rope_head_dim, n),
                    Linear("kv_b_proj", m.kv_lora_rank, self.heads * (m.qk_nope_head_dim + m.v_head_dim), n),
                    Linear("o_proj", self.out_width, h, n)]
        if self.model_type in FUSED_QKV:
            qkv = [Linear("qkv_proj", h, self.q_width + 2 * self.kv_width, n)]
        else:
            qkv = [Linear("q_proj", h, self.q_width, n), Linear("k_proj", h, self.kv_width, n),
                   Linear("v_proj", h, self.kv_width, n)]
        return [*qkv, Linear("o_proj", self.out_width, h, n)]

    def mlp_linears(self, width: int, count: int) -> list[Linear]:
        if count == 0 or width == 0:
            return []
        h = self.hidden
        if self.model_type in FUSED_GATE_UP:
            return [Linear("gate_up_proj", h, 2 * width, count), Linear("down_proj", width, h, count)]
        return [Linear("gate_proj", h, width, count), Linear("up_proj", h, width, count),
                Linear("down_proj", width, h, count)]

    def linears(self) -> list[Linear]:
        """Every Linear layer of the decoder (attention, dense MLPs, shared experts); routed experts are
        Linear layers too when ``moe.fused_experts`` is false."""
        found = [*self.attention_linears(), *self.mlp_linears(self.intermediate, self.dense_layers)]
        if self.moe:
            found += [Linear(f"shared_{x.name}", x.fan_in, x.fan_out, x.count)
                      for x in self.mlp_linears(self.moe.shared_intermediate, self.moe_layers)]
            if not self.moe.fused_experts:
                found += [Linear(f"expert_{x.name}", x.fan_in, x.fan_out, x.count * self.moe.experts)
                          for x in self.mlp_linears(self.moe.expert_intermediate, self.moe_layers)]
        return found

    def expert_params(self) -> int:
        """Parameters of all routed experts (3 matrices each)."""
        if not self.moe:
            return 0
        return self.moe_layers * self.moe.experts * 3 * self.hidden * self.moe.expert_intermediate

    def counts(self) -> Counts:
        h = self.hidden
        embedding = self.vocab * h
        head = 0 if self.tie_embeddings else self.vocab * h
        linear = sum(x.params for x in self.linears())
        experts = self.expert_params() if (self.moe and self.moe.fused_experts) else 0
        norms = self.layers * h * (2 + (2 if self.model_type in SANDWICH_NORMS else 0)) + h
        routers = self.moe_layers * h * self.moe.experts if self.moe else 0
        other = norms + routers + self.vision_params
        total_experts = self.expert_params()
        idle = (total_experts * (self.moe.experts - self.moe.experts_per_token) // self.moe.experts
                if self.moe else 0)
        active = embedding + head + linear + experts + other - self.vision_params - idle
        return Counts(embedding, head, linear, experts, other, active)


def _first(cfg: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for key in keys:
        if cfg.get(key) is not None:
            return cfg[key]
    return default


def architecture_from_config(config: dict[str, Any]) -> Architecture:
    """An :class:`Architecture` from a Hugging Face ``config.json`` (its ``text_config`` for vision models).

    Raises ``ValueError`` (or pydantic's ``ValidationError``) when the config lacks the decoder's shape."""
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    cfg = {**config, **text}
    hidden = _first(cfg, "hidden_size", "n_embd", "d_model")
    heads = _first(cfg, "num_attention_heads", "n_head")
    if not hidden or not heads or not _first(cfg, "num_hidden_layers", "n_layer"):
        raise ValueError("the config has no hidden_size / num_attention_heads / num_hidden_layers")
    experts = _first(cfg, "num_experts", "n_routed_experts", "num_local_experts")
    moe = None
    if experts and int(experts) > 1:
        expert_width = _first(cfg, "moe_intermediate_size", "intermediate_size")
        shared = _first(cfg, "shared_expert_intermediate_size", default=0) or (
            int(_first(cfg, "n_shared_experts", default=0) or 0) * int(expert_width))
        moe = MoE(experts=int(experts), experts_per_token=int(_first(cfg, "num_experts_per_tok", default=2)),
                  expert_intermediate=int(expert_width), shared_intermediate=int(shared),
                  dense_layers=int(_first(cfg, "first_k_dense_replace", default=0) or 0))
    mla = None
    if cfg.get("kv_lora_rank"):
        mla = MLA(kv_lora_rank=cfg["kv_lora_rank"], q_lora_rank=cfg.get("q_lora_rank"),
                  qk_nope_head_dim=cfg["qk_nope_head_dim"], qk_rope_head_dim=cfg["qk_rope_head_dim"],
                  v_head_dim=cfg["v_head_dim"])
    return Architecture(
        model_type=str(cfg.get("model_type") or "unknown"),
        layers=int(_first(cfg, "num_hidden_layers", "n_layer")), hidden=int(hidden),
        intermediate=int(_first(cfg, "intermediate_size", "ffn_hidden_size", default=4 * int(hidden))),
        heads=int(heads), kv_heads=int(_first(cfg, "num_key_value_heads", "multi_query_group_num", default=heads)),
        head_dim=_first(cfg, "head_dim"), vocab=int(_first(cfg, "vocab_size", "padded_vocab_size")),
        tie_embeddings=bool(_first(cfg, "tie_word_embeddings", default=False)), moe=moe, mla=mla,
    )
