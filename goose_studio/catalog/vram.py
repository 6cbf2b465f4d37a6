"""How much memory training a model takes: a sum of parts, each from the model's shape and the settings.

:func:`estimate_vram` models the studio's trainer (LLaMA-Factory on transformers 5 with PEFT and
bitsandbytes) for three methods:

- ``qlora``: the decoder's Linear layers in 4-bit NF4 with double quantization (0.516 bytes a parameter);
  the embedding, the output head, norms, routers and a vision tower stay 16-bit. Fused expert tensors (MoE
  models on transformers 5) are not Linear layers, so bitsandbytes leaves them 16-bit unless
  ``experts_4bit`` says they are quantized too (as transformers 4's per-expert Linear layers were).
- ``lora``: every weight 16-bit (bf16).
- ``full``: every weight trainable; fp32 under bf16 mixed precision (4 bytes, plus 4 for the gradient, 8 for
  AdamW and 2 for autocast's bf16 copy: 18 bytes a parameter) or bf16 throughout with ``pure_bf16``
  (2 + 2 + 4 = 8).

LoRA adapters are trainable parameters: LLaMA-Factory keeps them fp32 (4 + 4 gradient + optimizer state +
2 autocast copy) unless ``pure_bf16``. Optimizer state is 8 bytes a parameter for ``adamw_torch`` (4 in
pure bf16) and 2 for ``adamw_8bit``.

Activations are what the backward pass keeps per token: with gradient checkpointing, each layer's input
plus one layer recomputed at a time; without, every layer's saved tensors (fp32 norm inputs, each adapted
layer's input with its dropout mask, the attention kernel's q/k/v/output, the MLP's gate/up/activation).
The loss keeps the logits: bf16 logits, their fp32 copy and the log-softmax (about 12 bytes per token and
vocabulary entry) for transformers' loss; about 4 with Unsloth's fused loss, which also moves the
checkpoints to host memory. A fixed overhead covers the CUDA context and allocator (0.5 GiB).

``device="cpu"`` estimates host memory for the CPU trainer: no quantization, dropout masks stored as
fp32 (CUDA keeps them as bytes), 1 GiB for the process; ``bf16=False`` is for CPUs without bf16 (fp32
weights and activations). Figures are GiB (2**30 bytes).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .arch import QK_NORMS, SANDWICH_NORMS, Architecture, Linear

Method = Literal["qlora", "lora", "full"]
METHODS: tuple[str, ...] = ("qlora", "lora", "full")
GIB = 2**30
#: NF4 with double quantization: 4 bits, an 8-bit absmax per 64 weights, an fp32 scale per 256 absmax.
NF4_BYTES = 0.5 + (8 / 64 + 32 / (64 * 256)) / 8
#: Bytes per token and vocabulary entry the loss holds: transformers' (bf16 logits, fp32 copy, log-softmax
#: and its gradient) and Unsloth's fused, chunked loss.
LOGITS_BYTES = {"transformers": 12, "unsloth": 4}
CUDA_OVERHEAD_GIB = 0.5
CPU_OVERHEAD_GIB = 1.0
OPTIMIZER_BYTES = {"adamw_torch": 8, "adamw_8bit": 2}
#: Bytes a dropout mask keeps per element: a bool on CUDA, the input's fp32 on a CPU.
DROPOUT_MASK_BYTES = {"cuda": 1, "cpu": 4}


class EstimateSettings(BaseModel):
    """What besides the model decides the memory: sequence, batch, adapter and trainer settings."""

    model_config = ConfigDict(extra="forbid")

    seq_len: int = Field(1024, ge=16, le=1_048_576, description="Tokens per sequence (cutoff_len).")
    batch_size: int = Field(1, ge=1, le=1024, description="Sequences per device step.")
    lora_rank: int = Field(16, ge=1, le=1024)
    lora_target: Literal["all", "attention"] = Field("all", description="'all' Linear layers (LLaMA-Factory's "
                                                                        "lora_target: all) or attention only.")
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    gradient_checkpointing: bool = True
    optimizer: Literal["adamw_torch", "adamw_8bit"] = "adamw_torch"
    pure_bf16: bool = Field(False, description="bf16 weights, gradients and optimizer state (no fp32 copies).")
    unsloth: bool = Field(False, description="Unsloth's fused loss and checkpoints offloaded to host memory.")
    experts_4bit: bool = Field(False, description="QLoRA quantizes routed experts too (see the module doc).")
    bf16: bool = Field(True, description="bf16 compute (weights and activations); fp32 when false.")
    device: Literal["cuda", "cpu"] = "cuda"


class VramEstimate(BaseModel):
    """An estimate and its parts (GiB)."""

    method: Method
    total_gib: float
    weights_gib: float = Field(description="Frozen weights (trainable ones are under trainable_gib).")
    trainable_gib: float = Field(description="Trainable parameters, their gradients and autocast copies.")
    optimizer_gib: float
    activations_gib: float
    logits_gib: float
    overhead_gib: float
    trainable_params: int
    settings: EstimateSettings = Field(exclude=True)


def lora_targets(arch: Architecture, target: str) -> list[Linear]:
    """The Linear layers LoRA adapts: all of them, or the attention projections."""
    return arch.attention_linears() if target == "attention" else arch.linears()


def lora_params(arch: Architecture, rank: int, target: str = "all") -> int:
    """Adapter parameters: rank x (fan-in + fan-out) for every adapted layer."""
    return sum(rank * (x.fan_in + x.fan_out) * x.count for x in lora_targets(arch, target))


def _frozen_bytes(arch: Architecture, method: Method, s: EstimateSettings) -> float:
    counts = arch.counts()
    if method == "full":
        return 0.0
    if method == "lora":
        return (2.0 if s.bf16 else 4.0) * counts.total
    experts_bytes = NF4_BYTES if s.experts_4bit else 2.0
    return (NF4_BYTES * counts.linear + experts_bytes * counts.experts
            + 2.0 * (counts.embedding + counts.head + counts.other))


def _trainable_bytes(s: EstimateSettings) -> tuple[float, float]:
    """(parameter + gradient + autocast copy, optimizer state) bytes per trainable parameter."""
    if s.pure_bf16:
        return 4.0, 4.0 if s.optimizer == "adamw_torch" else 2.0
    return (10.0 if s.bf16 else 8.0), float(OPTIMIZER_BYTES[s.optimizer])


def _stream_bytes(method: Method, s: EstimateSettings) -> int:
    """Bytes per element of the residual stream (fp32 when the weights are)."""
    return 4 if not s.bf16 or (method == "full" and not s.pure_bf16) else 2


def _input_bytes(layers: list[Linear], adapted: set[str], method: Method, act: int, mask: int, rank: int) -> int:
    """Bytes per token the layers' inputs keep for weight (or adapter) gradients, for one decoder layer:
    the input (with its dropout mask) and the adapter's rank-wide middle."""
    if method == "full":
        return sum(x.fan_in * act for x in layers)
    return sum(x.fan_in * (act + mask) + rank * act for x in layers if x.name in adapted)


def layer_activation_bytes(arch: Architecture, method: Method, s: EstimateSettings) -> tuple[float, float]:
    """Bytes per token the decoder keeps for backward without checkpointing: (all layers, largest layer)."""
    act = 2 if s.bf16 else 4
    stream = _stream_bytes(method, s)
    h = arch.hidden
    mask = DROPOUT_MASK_BYTES[s.device] if s.lora_dropout > 0 else 0
    rank = s.lora_rank
    adapted = {x.name for x in lora_targets(arch, s.lora_target)}
    padded = s.batch_size > 1  # a padding mask makes SDPA expand grouped keys/values to every head
    norms = 2 + (2 if arch.model_type in SANDWICH_NORMS else 0)
    common = norms * h * (4 + (stream if method == "full" else 0))
    if arch.model_type in QK_NORMS:
        common += 4 * (arch.q_width + arch.kv_width)
    keys, values = (arch.q_width, arch.out_width) if padded else (arch.kv_width, arch.v_width)
    common += act * (arch.q_width + keys + values + arch.out_width) + 4 * arch.heads
    common += _input_bytes(arch.attention_linears(), adapted, method, act, mask, rank)
    dense = 3 * arch.intermediate * act + _input_bytes(arch.mlp_linears(arch.intermediate, 1), adapted, method,
                                                       act, mask, rank)
    moe = 0.0
    if arch.moe:
        m = arch.moe
        shared = [Linear(f"shared_{x.name}", x.fan_in, x.fan_out, 1)
                  for x in arch.mlp_linears(m.shared_intermediate, 1)]
        moe = (m.experts_per_token * (3 * m.expert_intermediate + h) * act + 4 * m.experts
               + 3 * m.shared_intermediate * act + _input_bytes(shared, adapted, method, act, mask, rank))
        if method == "full" or not m.fused_experts:
            moe += m.experts_per_token * (h + m.expert_intermediate) * act  # expert inputs for gradients
    total = arch.layers * common + arch.dense_layers * dense + arch.moe_layers * moe
    largest = common + max(dense if arch.dense_layers else 0.0, moe if arch.moe_layers else 0.0)
    return total, largest


def estimate_vram(arch: Architecture, method: Method, settings: EstimateSettings | None = None) -> VramEstimate:
    """Memory to train ``arch`` with ``method`` under ``settings`` (defaults: 1024 tokens, batch 1, rank 16,
    all Linear layers, gradient checkpointing, AdamW). Raises ValueError for QLoRA on a CPU."""
    s = settings or EstimateSettings()
    if s.device == "cpu" and method == "qlora":
        raise ValueError("QLoRA needs a CUDA GPU (bitsandbytes); estimate 'lora' for a CPU")
    cpu = s.device == "cpu"
    trainable = arch.counts().total if method == "full" else lora_params(arch, s.lora_rank, s.lora_target)
    per_param, per_state = _trainable_bytes(s)
    tokens = s.seq_len * s.batch_size
    stream = _stream_bytes(method, s)
    all_layers, largest = layer_activation_bytes(arch, method, s)
    unsloth = s.unsloth and method != "full" and not cpu
    if s.gradient_checkpointing:
        kept = 0 if unsloth else arch.layers * arch.hidden * stream
        activations = tokens * (kept + largest + 3 * arch.hidden * 4)
    else:
        activations = tokens * (all_layers + 3 * arch.hidden * 4)
    logits = tokens * arch.vocab * LOGITS_BYTES["unsloth" if unsloth else "transformers"]
    overhead = (CPU_OVERHEAD_GIB if cpu else CUDA_OVERHEAD_GIB) * GIB
    if method == "qlora":
        overhead += 2 * max(x.fan_in * x.fan_out for x in arch.linears())  # one weight dequantized at a time
    parts = {
        "weights_gib": _frozen_bytes(arch, method, s), "trainable_gib": trainable * per_param,
        "optimizer_gib": trainable * per_state, "activations_gib": activations, "logits_gib": logits,
        "overhead_gib": overhead,
    }
    gib = {k: round(v / GIB, 3) for k, v in parts.items()}
    return VramEstimate(method=method, total_gib=round(sum(parts.values()) / GIB, 2), trainable_params=trainable,
                        settings=s, **gib)
