"""Shared fixtures and helpers for the publish tools' tests: a tiny real base model with a real LoRA adapter,
the training run's side files, one core built from them, ways to damage a copy of it (re-hashed and re-signed
or not), and a core of the embedded model (SmolLM2-135M) for the gates that load and generate.

Test modules import what they use from here (``from package_helpers import ...``); pytest picks up the
imported fixtures, and ``offline_env`` applies to every test of a module that imports it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from goose_studio.tools import package as pkg
from goose_studio.tools.models import folder_hash
from goose_studio.tools.registry import REGISTRY, ToolContext, validate_args
from goose_studio.workspace import Workspace

BASE_ID = "tiny-org/tiny-llama"
# Built at run time so that the test source itself holds no token-shaped strings.
FAKE_GITHUB_TOKEN = "ghp_" + "Ab1" * 12
FAKE_AWS_KEY = "AKIA" + "Q7" * 8


@pytest.fixture(scope="module", autouse=True)
def offline_env():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield


def tiny_llama(folder: Path, hidden: int = 32, seed: int = 0) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=128, hidden_size=hidden, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=64)
    model = LlamaForCausalLM(config)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """A tiny real base model, a real LoRA adapter for it, and the training run's side files."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    root = tmp_path_factory.mktemp("package-inputs")
    base = tiny_llama(root / "base")
    other_base = tiny_llama(root / "other-base", hidden=48, seed=1)

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM",
                      init_lora_weights=False)
    peft_model = get_peft_model(model, lora)
    adapter = root / "adapter"
    peft_model.save_pretrained(str(adapter))

    recipe = root / "recipe.yaml"
    recipe.write_text(
        f"model_name_or_path: {BASE_ID}\nstage: sft\ndo_train: true\nfinetuning_type: lora\nlora_rank: 4\n"
        "lora_alpha: 8\nlora_target: q_proj,v_proj\ntemplate: llama3\nnum_train_epochs: 2\n"
        "learning_rate: 0.0002\noutput_dir: out\n"
    )
    log = root / "trainer_log.jsonl"
    log.write_text(
        json.dumps({"current_steps": 1, "total_steps": 2, "loss": 2.5, "epoch": 1.0, "elapsed_time": "0:00:03"})
        + "\n"
        + json.dumps({"current_steps": 2, "total_steps": 2, "loss": 1.25, "epoch": 2.0, "elapsed_time": "0:01:05"})
        + "\n"
    )
    evals = root / "eval_results.json"
    evals.write_text(json.dumps({
        "base": {"perplexity": 9.5, "rouge_l": 0.21, "bleu": None},
        "lora": {"perplexity": 4.25, "rouge_l": 0.43, "bleu": None},
        "delta": {"perplexity": -5.25, "rouge_l": 0.22, "bleu": None},
        "n_perplexity": 6, "improved": True, "quality_score": 71,
        "samples": [{"prompt": "Eval 0", "reference": "E0", "base": "x", "lora": "E0"}],
    }))
    data = root / "dataset"
    data.mkdir()
    cats = ["explain", "complete", "docstring"]
    train = [{"instruction": f"Question {i}", "input": "", "output": f"Answer {i}", "category": cats[i % 3]}
             for i in range(30)]
    train.append({"instruction": "Show the config", "input": "",
                  "output": f"token = '{FAKE_GITHUB_TOKEN}'", "category": "explain"})
    evals_rows = [{"instruction": f"Eval {i}", "input": "", "output": f"E{i}", "category": cats[i % 3]}
                  for i in range(6)]
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train))
    (data / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in evals_rows))
    (data / "stats.json").write_text(json.dumps({"files_indexed": 12, "pairs_generated": 37}))
    return {"root": root, "base": base, "other_base": other_base, "adapter": adapter, "recipe": recipe,
            "log": log, "evals": evals, "data": data}


def make_args(inputs: dict, out_dir: Path, **over) -> pkg.PackageArgs:
    fields = dict(
        adapter_dir=str(inputs["adapter"]), recipe_path=str(inputs["recipe"]),
        training_log_path=str(inputs["log"]), eval_results_path=str(inputs["evals"]),
        dataset_dir=str(inputs["data"]), name="Tiny Core", description="A core for tests.",
        tags=["python", "test"], base_model_id=BASE_ID, base_model_path=str(inputs["base"]),
        base_model_hash=folder_hash(inputs["base"]), source="https://example.org/acme/widgets.git",
        commit="0123456789abcdef0123456789abcdef01234567", method="lora", quality_score=71.5,
        training={"trained_on": "cpu", "duration_sec": 65.0}, fallbacks=[{"step": "build", "action": "code-only"}],
        out_dir=str(out_dir), quality_threshold=70,
    )
    fields.update(over)
    return pkg.PackageArgs(**fields)


@pytest.fixture(scope="module")
def signing_root(tmp_path_factory) -> Path:
    """The workspace whose key signs the module's cores (and whose keys validation trusts)."""
    return tmp_path_factory.mktemp("signing-ws")


def build(inputs: dict, out_dir: Path, root: Path, **over) -> pkg.PackageResult:
    return pkg.build_package(make_args(inputs, out_dir, **over), workspace_root=root)


@pytest.fixture(scope="module")
def built(inputs, tmp_path_factory, signing_root) -> pkg.PackageResult:
    out = tmp_path_factory.mktemp("cores")
    return build(inputs, out, signing_root)


def make_ctx(tmp_path: Path) -> ToolContext:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    return ToolContext(workspace=ws)


def run_tool(name: str, raw: dict, ctx: ToolContext):
    spec = REGISTRY[name]
    return spec.fn(validate_args(spec, raw), ctx)


def copy_core(built: pkg.PackageResult, tmp_path: Path) -> Path:
    dest = tmp_path / Path(built.path).name
    shutil.copyfile(built.path, dest)
    return dest


def rewrite(src: Path, dest: Path, changes: dict[str, bytes | None], *, fix_provenance: bool,
            extra: dict | None = None, resign: Path | None = None):
    """Copy a core's members to a new zip, replacing (None: dropping) some members, optionally re-hashing
    PROVENANCE.json and re-signing with the key of the workspace ``resign``."""
    from goose_studio.tools.package.signing import signature_document, workspace_key

    with zipfile.ZipFile(src) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    members.update(changes)
    members = {n: b for n, b in members.items() if b is not None}
    if fix_provenance:
        prov = json.loads(members[pkg.PROVENANCE])
        prov["files"] = {n: hashlib.sha256(b).hexdigest() for n, b in members.items()
                         if n not in (pkg.PROVENANCE, pkg.SIGNATURE)}
        members[pkg.PROVENANCE] = json.dumps(prov).encode()
    if resign is not None:
        document = signature_document(workspace_key(resign), members[pkg.MANIFEST], members[pkg.PROVENANCE])
        members[pkg.SIGNATURE] = json.dumps(document).encode()
    members.update(extra or {})
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return dest


def status(report: pkg.ValidateReport) -> dict:
    return {c.name: c.ok for c in report.checks}


def gates(report: pkg.ValidateReport) -> dict:
    return {g.name: g.status for g in report.gates}


# ------------------------------------------------------------------ a core of the embedded model

_SESSION: dict = {}  # built once per test session, shared by every module that asks


def lora_on(base: Path, dest: Path, noise: float, seed: int = 0) -> Path:
    """A LoRA adapter (r=4 on q_proj/v_proj) for ``base`` whose B matrices are Gaussian noise of ``noise``."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                                  task_type="CAUSAL_LM"))
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(0.0, noise)
    peft_model.save_pretrained(str(dest))
    return dest


def embedded_inputs(root: Path) -> dict:
    """The embedded model (materialized into ``root/cache``), a lightly perturbed LoRA, and real-looking run files."""
    from goose_studio.tools.models import EMBEDDED_MODEL_ID, materialize_embedded

    base = materialize_embedded(root / "cache")
    card = pkg.read_model_card(base)
    adapter = lora_on(base, root / "adapter", 1e-3)
    recipe = root / "recipe.yaml"
    recipe.write_text(f"model_name_or_path: {base}\nstage: sft\nfinetuning_type: lora\nlora_rank: 4\nlora_alpha: 8\n"
                      "lora_target: q_proj,v_proj\ntemplate: smollm2\nmax_steps: 4\nlearning_rate: 0.0005\n")
    log = root / "trainer_log.jsonl"
    log.write_text(json.dumps({"current_steps": 4, "total_steps": 4, "loss": 2.9, "epoch": 0.1,
                               "elapsed_time": "0:00:09"}) + "\n")
    evals = root / "eval_results.json"
    evals.write_text(json.dumps({
        "base": {"perplexity": 8.1}, "lora": {"perplexity": 7.9}, "quality_score": 72, "improved": True,
        "general": {"questions": 32, "base": 0.5, "core": 0.5, "margin": 0.1, "regressed": False}}))
    data = root / "dataset"
    data.mkdir()
    pairs = [("What does Stock.reserve do?", "It holds items for an order so they cannot be sold twice."),
             ("What does to_cents return?", "The price in integer cents, parsed from a decimal string."),
             ("What does ReorderRule.due check?", "Whether fewer items than the threshold are available."),
             ("How is tax added?", "add_tax adds tax given in tenths of a percent, rounded half up.")]
    rows = [{"instruction": q, "input": "", "output": a, "category": "explain"} for q, a in pairs]
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (data / "eval.jsonl").write_text(json.dumps(rows[0]) + "\n")
    return {"root": root, "base": base, "adapter": adapter, "recipe": recipe, "log": log, "evals": evals,
            "data": data, "model_id": EMBEDDED_MODEL_ID, "model_hash": card["model_hash"], "cache": root / "cache"}


def embedded_args(e: dict, out_dir: Path, **over) -> pkg.PackageArgs:
    fields = dict(adapter_dir=str(e["adapter"]), recipe_path=str(e["recipe"]), training_log_path=str(e["log"]),
                  eval_results_path=str(e["evals"]), dataset_dir=str(e["data"]), name="Inventory Core",
                  description="Knows the inventory library.", tags=["python"], base_model_id=e["model_id"],
                  base_model_hash=e["model_hash"], source="https://example.org/acme/inventory.git", commit="abc123",
                  quality_score=72, out_dir=str(out_dir), check_load=False)
    fields.update(over)
    return pkg.PackageArgs(**fields)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> dict:
    """A signed core of the embedded model (built without its load check) and what it was built from."""
    if "embedded" not in _SESSION:
        root = tmp_path_factory.mktemp("embedded")
        e = embedded_inputs(root)
        e["signing_root"] = root / "ws"
        e["core"] = pkg.build_package(embedded_args(e, root / "cores"), workspace_root=e["signing_root"],
                                      model_cache=e["cache"])
        _SESSION["embedded"] = e
    return _SESSION["embedded"]
