"""Scale-out on LLaMA-Factory's own engines: the exact launch for each node of a multi-GPU or multi-node run.

- ``torchrun``: LLaMA-Factory's ``FORCE_TORCHRUN`` path (``NNODES``, ``NODE_RANK``, ``NPROC_PER_NODE``,
  ``MASTER_ADDR``, ``MASTER_PORT``; ``llamafactory-cli train`` then starts ``torchrun`` itself): DDP for
  LoRA and QLoRA, FSDP (a config file written here) for full fine-tuning.
- ``deepspeed``: the same launch with a DeepSpeed config written here and named in the recipe (ZeRO-2 for
  adapters, ZeRO-3 for full fine-tuning).
- ``ray``: LLaMA-Factory's Ray integration (``USE_RAY=1``, ``ray_num_workers``): ``ray start`` on every node,
  the training command on the head node.

:func:`launch_plan` writes the recipe (and the config file it names) into a folder and returns each node's
environment and command. On a CPU (``device="cpu"``) the recipe trains with the gloo backend — how this
machine proves the path with two processes.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from ...workspace import write_atomic

Launcher = Literal["torchrun", "deepspeed", "ray"]
LAUNCHERS: tuple[str, ...] = ("torchrun", "deepspeed", "ray")
MASTER_PLACEHOLDER = "<address of node 0>"
RAY_PORT = 6379

ZERO = {
    2: {"stage": 2, "allgather_partitions": True, "allgather_bucket_size": 5e8, "overlap_comm": False,
        "reduce_scatter": True, "reduce_bucket_size": 5e8, "contiguous_gradients": True, "round_robin_gradients": True},
    3: {"stage": 3, "overlap_comm": False, "contiguous_gradients": True, "sub_group_size": 1e9,
        "reduce_bucket_size": "auto", "stage3_prefetch_bucket_size": "auto",
        "stage3_param_persistence_threshold": "auto", "stage3_max_live_parameters": 1e9,
        "stage3_max_reuse_distance": 1e9, "stage3_gather_16bit_weights_on_model_save": True},
}
FSDP = {"fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP", "fsdp_backward_prefetch": "BACKWARD_PRE",
        "fsdp_forward_prefetch": False, "fsdp_cpu_ram_efficient_loading": True, "fsdp_offload_params": False,
        "fsdp_sharding_strategy": "FULL_SHARD", "fsdp_state_dict_type": "FULL_STATE_DICT",
        "fsdp_sync_module_states": True, "fsdp_use_orig_params": True}


class NodeLaunch(BaseModel):
    node_rank: int
    role: str = Field(description="'master' (node 0) or 'worker'.")
    env: dict[str, str]
    commands: list[list[str]] = Field(description="Run in this order on the node (argv lists).")
    shell: list[str] = Field(description="The same commands as shell lines.")


class LaunchPlan(BaseModel):
    name: str
    launcher: Launcher
    strategy: Literal["ddp", "fsdp", "zero2", "zero3", "ray"]
    nodes: int
    gpus_per_node: int
    world_size: int
    device: Literal["cuda", "cpu"]
    folder: str = Field(description="Where the recipe and config files were written.")
    recipe_path: str
    files: list[str] = Field(description="Files written (copy the folder to every node, same path).")
    per_node: list[NodeLaunch]
    notes: list[str] = Field(default_factory=list)


def _zero(stage: int) -> dict[str, Any]:
    return {"train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto",
            "gradient_accumulation_steps": "auto", "gradient_clipping": "auto", "zero_allow_untested_optimizer": True,
            "bf16": {"enabled": "auto"}, "fp16": {"enabled": "auto", "loss_scale": 0, "loss_scale_window": 1000,
                                                  "initial_scale_power": 16, "hysteresis": 2, "min_loss_scale": 1},
            "zero_optimization": ZERO[stage]}


def launch_plan(config: dict[str, Any], name: str, nodes: int, gpus_per_node: int, launcher: Launcher,
                folder: Path, master_addr: str | None = None, master_port: int = 29500,
                device: Literal["cuda", "cpu"] = "cuda") -> LaunchPlan:
    """Write ``folder/recipe.yaml`` (and the DeepSpeed or FSDP file) for ``config``; return each node's launch."""
    if nodes < 1 or gpus_per_node < 1:
        raise ValueError("nodes and gpus per node must be at least 1")
    recipe = {k: v for k, v in config.items() if k != "studio"}
    full = recipe.get("finetuning_type") == "full"
    folder.mkdir(parents=True, exist_ok=True)
    files, notes = [], []
    master = master_addr or ("127.0.0.1" if nodes == 1 else MASTER_PLACEHOLDER)
    if device == "cpu":
        recipe.update(use_cpu=True, ddp_backend="gloo")
        recipe.pop("quantization_bit", None)
        recipe.pop("quantization_method", None)
        recipe.pop("double_quantization", None)
        recipe["use_unsloth"] = False
        notes.append("CPU processes talk over gloo; QLoRA and Unsloth need CUDA and are left out.")
    strategy = "ray" if launcher == "ray" else ("zero3" if full else "zero2") if launcher == "deepspeed" else (
        "fsdp" if full else "ddp")
    if strategy in ("zero2", "zero3"):
        path = folder / f"ds_{strategy[:1]}{strategy[-1]}_config.json"
        write_atomic(path, json.dumps(_zero(int(strategy[-1])), indent=2) + "\n")
        recipe["deepspeed"] = str(path)
        files.append(str(path))
        if recipe.get("use_unsloth") and strategy == "zero3":
            recipe["use_unsloth"] = False
            notes.append("Unsloth does not run under ZeRO-3; it is off in this recipe.")
    elif strategy == "fsdp":
        path = folder / "fsdp_config.json"
        write_atomic(path, json.dumps(FSDP, indent=2) + "\n")
        recipe.update(fsdp="full_shard auto_wrap", fsdp_config=str(path))
        files.append(str(path))
    elif strategy == "ray":
        recipe.update(ray_num_workers=nodes * gpus_per_node, ray_init_kwargs={"address": "auto"})
        if device == "cpu":
            recipe["resources_per_worker"] = {"CPU": 1}
    recipe_path = folder / "recipe.yaml"
    write_atomic(recipe_path, f"# {name}: {launcher} on {nodes} node(s) x {gpus_per_node} "
                              f"{'GPU' if device == 'cuda' else 'process'}(es)\n" + yaml.safe_dump(recipe, sort_keys=False))
    files.insert(0, str(recipe_path))
    train = ["llamafactory-cli", "train", str(recipe_path)]
    per_node = []
    for rank in range(nodes):
        role = "master" if rank == 0 else "worker"
        if launcher == "ray":
            env = {"USE_RAY": "1"}
            start = ["ray", "start", f"--num-gpus={gpus_per_node}" if device == "cuda" else f"--num-cpus={gpus_per_node}"]
            start[2:2] = ["--head", f"--port={RAY_PORT}"] if rank == 0 else [f"--address={master}:{RAY_PORT}"]
            commands = [start, train] if rank == 0 else [start]
        else:
            env = {"FORCE_TORCHRUN": "1", "NNODES": str(nodes), "NODE_RANK": str(rank),
                   "NPROC_PER_NODE": str(gpus_per_node), "MASTER_ADDR": master, "MASTER_PORT": str(master_port)}
            commands = [train]
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        shell = [(prefix + " " if c is train or launcher != "ray" else "") + shlex.join(c) for c in commands]
        per_node.append(NodeLaunch(node_rank=rank, role=role, env=env, commands=commands, shell=shell))
    if nodes > 1:
        notes.append(f"Replace {MASTER_PLACEHOLDER} with node 0's address, and copy {folder} and the dataset to "
                     "the same paths on every node." if master == MASTER_PLACEHOLDER else
                     f"Copy {folder} and the dataset to the same paths on every node.")
    return LaunchPlan(name=name, launcher=launcher, strategy=strategy, nodes=nodes, gpus_per_node=gpus_per_node,
                      world_size=nodes * gpus_per_node, device=device, folder=str(folder), recipe_path=str(recipe_path),
                      files=files, per_node=per_node, notes=notes)
