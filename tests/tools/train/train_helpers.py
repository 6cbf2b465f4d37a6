"""Shared fixtures of the train tests: a tiny pretrained chat model made on the spot (seconds, no network),
small datasets in LLaMA-Factory's alpaca layout, and a tool context that records progress events."""

from __future__ import annotations

import fcntl
import json
import random
from pathlib import Path
from typing import Any

from goose_studio.tools.registry import ToolContext
from goose_studio.workspace import Workspace

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = ("{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
                 "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
DATASET = "calc_train"


def calc_rows(n: int = 40, seed: int = 0, random_labels: bool = False) -> list[dict[str, str]]:
    """Questions about a tiny calculator module, with true answers (or random strings for answers)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b = rng.randint(1, 99), rng.randint(1, 99)
        answer = f"add({a}, {b}) returns {a + b}, the sum of its arguments."
        if random_labels:
            answer = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(len(answer)))
        rows.append({"instruction": f"What does add({a}, {b}) return?", "input": "", "output": answer})
    return rows


def long_rows(n: int = 16, words: int = 300) -> list[dict[str, str]]:
    """Rows with answers of several hundred tokens (slower steps, larger activations)."""
    return [{"instruction": f"Describe item {i}.", "input": "",
             "output": " ".join(f"word{j % 97} value{(i * j) % 89}" for j in range(words))} for i in range(n)]


def write_dataset(folder: Path, rows: list[dict[str, str]], name: str = DATASET) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    (folder / "dataset_info.json").write_text(json.dumps(
        {name: {"file_name": "train.jsonl", "formatting": "alpaca", "columns": columns}}))
    return folder


SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face."  # LLaMA-Factory's smollm2


def _chat_texts(rows: list[dict[str, str]]) -> list[str]:
    return [f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{r['instruction']}<|im_end|>\n"
            f"<|im_start|>assistant\n{r['output']}<|im_end|>\n" for r in rows]


def make_tiny_model(folder: Path, vocab: int = 512, steps: int = 120) -> Path:
    """A 2-layer Llama chat model (~40k parameters) with its own byte-level BPE tokenizer and the ChatML
    template, pretrained for ``steps`` full-batch steps on the calculator rows (those of ``calc_rows()``, in
    LLaMA-Factory's smollm2 layout) so that its loss on them starts low, as a real model's would."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    texts = _chat_texts(calc_rows())
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIAL,
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                   pad_token="<|im_end|>", unk_token="<|endoftext|>")
    fast.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=2048,
                         bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
                         pad_token_id=fast.pad_token_id, tie_word_embeddings=True)
    model = LlamaForCausalLM(config)
    batch = fast(texts, return_tensors="pt", padding=True)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    loss = torch.tensor(float("nan"))
    for _ in range(steps):
        loss = model(**batch, labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    (folder / "pretrain_loss.txt").write_text(f"{float(loss):.4f}\n")
    return folder


def shared_tiny_model(base: Path, vocab: int = 512, steps: int = 120) -> Path:
    """The tiny model, made once per test session (every module asks with the session's base temp dir)."""
    folder = base / f"tiny-smollm2-v{vocab}-s{steps}"
    base.mkdir(parents=True, exist_ok=True)
    with open(base / f".tiny-{vocab}-{steps}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "pretrain_loss.txt").is_file():
            make_tiny_model(folder, vocab, steps)
    return folder


def trainer_env(locks: Path) -> dict[str, str]:
    """Environment for the tests' trainers: one thread each (the machine is shared), a queue of their own."""
    return {"OMP_NUM_THREADS": "1", "GOOSE_STUDIO_DEVICE_LOCKS": str(locks), "HF_HUB_OFFLINE": "1"}


def wait_for(condition: Any, timeout: float = 120.0, every: float = 0.02) -> Any:
    """Poll ``condition`` (another process's progress) until it returns something true; fail after ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = condition()
        if got:
            return got
        time.sleep(every)  # polling a child process's files, not waiting for an outcome
    raise AssertionError(f"gave up after {timeout} s waiting for {condition}")


def logged_step(output_dir: Path) -> int:
    """The highest step in a trainer's log so far."""
    try:
        lines = (output_dir / "trainer_log.jsonl").read_text().splitlines()
    except OSError:
        return 0
    steps = []
    for line in lines:
        try:
            steps.append(json.loads(line).get("current_steps") or 0)
        except json.JSONDecodeError:
            continue
    return max(steps, default=0)


class Recorder(ToolContext):
    """A tool context whose progress events are kept in ``events``."""

    def __init__(self, workspace: Workspace, run_id: str | None = None) -> None:
        super().__init__(workspace=workspace, run_id=run_id)
        self.events: list[dict[str, Any]] = []

    def progress(self, **payload: Any) -> None:
        self.events.append(payload)

    def stages(self) -> list[str]:
        return [e["stage"] for e in self.events if "stage" in e]
