"""Shared fixtures of the evaluation tests: a tiny chat model made on the spot (a 2-layer Llama with its own
byte-level BPE tokenizer and the ChatML turns of the smollm2 template) and a LoRA adapter on it whose
weights are not zero, so the adapter visibly changes the model. Seconds, no network."""

from __future__ import annotations

import fcntl
from pathlib import Path

TEMPLATE = "smollm2"
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT = ("{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
CORPUS = ["def reserve(self, sku: str, quantity: int) -> None: hold items for an order.",
          "The Stock class counts items on hand and reserved, keyed by SKU.", "What does apply_discount return?",
          "Which file defines ReorderRule? inventory/rules.py", "The capital of France is Paris."] * 20


def make_model(folder: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=420, special_tokens=SPECIAL,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                   pad_token="<|im_end|>", unk_token="<|endoftext|>")
    fast.chat_template = CHAT
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=512, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
                         bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
                         pad_token_id=fast.pad_token_id, tie_word_embeddings=True)
    folder.mkdir(parents=True, exist_ok=True)
    LlamaForCausalLM(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


def make_adapter(model: Path, folder: Path, scale: float = 0.5) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    peft = get_peft_model(AutoModelForCausalLM.from_pretrained(model),
                          LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"))
    with torch.no_grad():
        for name, weight in peft.named_parameters():
            if "lora_B" in name:
                weight.normal_(0, scale)
    peft.save_pretrained(folder)
    return folder


def tiny_model_and_adapter(base: Path) -> tuple[Path, Path]:
    """The tiny model and its adapter, made once per test session (shared through ``base``)."""
    base.mkdir(parents=True, exist_ok=True)
    model, adapter = base / "tiny-chat", base / "tiny-adapter"
    with open(base / ".tiny-chat.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (adapter / "adapter_model.safetensors").is_file():
            make_model(model)
            make_adapter(model, adapter)
    return model, adapter


def trained_run(ws, model: Path, adapter: Path, repo: Path) -> str:
    """A run record whose TRAIN is done (the adapter in its output folder, its recipe) and whose retrieval
    index is built from ``repo`` (already indexed): what chat and retrieve open for ``run_id``."""
    import shutil

    import yaml

    from goose_studio.retrieval import RETRIEVAL_DIR, build_index_folder
    from goose_studio.runstore import RunStore

    store = RunStore(ws)
    run_id = ws.new_run_id("inventory")
    store.create(run_id, str(repo), {"source": str(repo)})
    paths = store.paths(run_id)
    shutil.copytree(adapter, paths.output_dir, dirs_exist_ok=True)
    paths.recipe.write_text(yaml.safe_dump({"model_name_or_path": str(model), "template": TEMPLATE}))
    build_index_folder(repo, repo / ".studio-index.json", paths.run_dir / RETRIEVAL_DIR)
    return run_id
