"""A base model, with a LoRA adapter on it or none, and the chat template it was trained with.

What evaluation, chat and serving share: prompts are built with LLaMA-Factory's own template (so they match
training exactly), answers are scored by their negative log-likelihood (in batches), multiple-choice
answers by their mean per-token loss after one shared prompt (its key/value cache computed once), and
generation is greedy or sampled, batched (left padding) or streamed token by token, stopping at the
template's stop words. :meth:`Scorer.adapter` switches the adapter on or off in place, so the base model
and the core are scored with one set of weights loaded once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

MAX_BATCH_TOKENS = 2048  # padded tokens in one scoring forward pass


def fast_dtype_available(torch: Any, device: str) -> bool:
    """Whether bfloat16 is computed natively here (a CUDA GPU with bf16, or a CPU with AVX512-BF16/AMX)."""
    if device == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    cpu = getattr(torch, "cpu", None)
    checks = [getattr(cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(bool(check()) for check in checks if check is not None)


class Scorer:
    """A base model (with a LoRA adapter on it, or none when ``adapter_dir`` is None) and its chat template."""

    def __init__(self, model_path: str, adapter_dir: str | None, template_name: str, cutoff_len: int) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from ..tools.models import quiet_libraries

        quiet_libraries()
        import torch
        from llamafactory.data import get_template_and_fix_tokenizer
        from llamafactory.hparams import DataArguments
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.template = get_template_and_fix_tokenizer(self.tokenizer, DataArguments(template=template_name))
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        base = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32)
        self.has_adapter = bool(adapter_dir)
        self.model = (PeftModel.from_pretrained(base, adapter_dir) if adapter_dir else base).eval().to(self.device)
        self.dtype = torch.float32
        self.cutoff_len = cutoff_len
        stop = [self.tokenizer.eos_token_id] + [self.tokenizer.convert_tokens_to_ids(w) for w in self.template.stop_words]
        self.stop_ids = [s for s in dict.fromkeys(stop) if s is not None]
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.stop_ids[0]

    # ---------------------------------------------------------------- prompts

    def encode(self, prompt: str, answer: str, system: str | None = None) -> tuple[list[int], list[int]]:
        """Prompt and answer token ids of one turn, cut to ``cutoff_len`` (the prompt's oldest tokens go first)."""
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
        prompt_ids, answer_ids = self.template.encode_oneturn(self.tokenizer, messages, system)
        keep_prompt = max(8, self.cutoff_len - len(answer_ids))
        prompt_ids = prompt_ids[-keep_prompt:]
        return prompt_ids, answer_ids[: max(1, self.cutoff_len - len(prompt_ids))]

    def encode_turns(self, turns: list[dict[str, str]], system: str | None = None, budget: int | None = None) -> list[int]:
        """Prompt ids of a conversation (user/assistant turns, ending with the user's) for the next answer."""
        turns = list(turns)
        if turns and turns[0]["role"] != "user":  # the template's turns start with the user
            turns.insert(0, {"role": "user", "content": ""})
        prompt_ids, _ = self.template.encode_oneturn(self.tokenizer, [*turns, {"role": "assistant", "content": ""}],
                                                     system or None)
        return prompt_ids[-max(16, budget or self.cutoff_len):]

    def use_fast_dtype(self) -> str:
        """Cast the weights in place to bfloat16 where the hardware computes in it natively (a CUDA GPU that
        supports it, a CPU with AVX512-BF16 or AMX): about three times faster on such CPUs. Returns the dtype."""
        if fast_dtype_available(self.torch, self.device) and self.dtype is not self.torch.bfloat16:
            self.model.to(self.torch.bfloat16)
            self.dtype = self.torch.bfloat16
        return str(self.dtype).replace("torch.", "")

    def tensor(self, data: Any) -> Any:
        return self.torch.tensor(data, device=self.device)

    @contextmanager
    def adapter(self, on: bool) -> Iterator[None]:
        """Within the block the adapter is on (the core) or off (the base model)."""
        if on or not self.has_adapter:
            yield
        else:
            with self.model.disable_adapter():
                yield

    # ---------------------------------------------------------------- scoring

    def nll(self, prompt_ids: list[int], answer_ids: list[int]) -> tuple[float, int]:
        """Summed negative log-likelihood of ``answer_ids`` after ``prompt_ids``, and their count."""
        return self.nll_batch([(prompt_ids, answer_ids)])[0]

    def nll_batch(self, items: list[tuple[list[int], list[int]]]) -> list[tuple[float, int]]:
        """:meth:`nll` of many (prompt, answer) pairs, in left-padded batches of similar length.

        Left padding puts every answer at the end of its row, so the output layer runs only over the last
        (longest answer + 1) positions; position ids skip the padding.
        """
        torch = self.torch
        order = sorted(range(len(items)), key=lambda i: len(items[i][0]) + len(items[i][1]))
        out: list[tuple[float, int]] = [(0.0, 0)] * len(items)
        start = 0
        while start < len(order):
            longest, end = 0, start
            while end < len(order):
                size = len(items[order[end]][0]) + len(items[order[end]][1])
                if end > start and max(longest, size) * (end - start + 1) > MAX_BATCH_TOKENS:
                    break
                longest, end = max(longest, size), end + 1
            batch = [items[i] for i in order[start:end]]
            keep = max(len(a) for _, a in batch) + 1
            ids = torch.full((len(batch), longest), self.pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), longest), dtype=torch.long)
            for row, (p, a) in enumerate(batch):
                seq = p + a
                ids[row, longest - len(seq):] = torch.tensor(seq)
                mask[row, longest - len(seq):] = 1
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            with torch.inference_mode():
                logits = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                                    position_ids=positions.to(self.device), logits_to_keep=keep).logits
                logp = torch.log_softmax(logits.float(), dim=-1).cpu()
            for row, (_, a) in enumerate(batch):
                at = torch.arange(keep - len(a) - 1, keep - 1)
                token_logp = logp[row, at, torch.tensor(a)]
                out[order[start + row]] = (float(-token_logp.sum()), len(a))
            start = end
        return out

    def choice_losses(self, prompt_ids: list[int], choices: list[list[int]]) -> list[float]:
        """Mean per-token loss of each choice's ids after one shared prompt (its cache computed once)."""
        torch = self.torch
        choices = [c or [self.pad_id] for c in choices]
        with torch.inference_mode():
            first = self.model(input_ids=self.tensor([prompt_ids]), use_cache=True, logits_to_keep=1)  # the last position only
            cache = first.past_key_values
            last = torch.log_softmax(first.logits[0, -1].float(), dim=-1).cpu()
            longest = max(len(c) for c in choices)
            cache.batch_repeat_interleave(len(choices))
            ids = torch.full((len(choices), longest), self.pad_id, dtype=torch.long)
            for row, c in enumerate(choices):
                ids[row, :len(c)] = torch.tensor(c)
            positions = torch.arange(len(prompt_ids), len(prompt_ids) + longest).unsqueeze(0).expand(len(choices), -1)
            # Padding sits after each choice's own tokens, so causal attention never lets it touch them.
            logp = torch.log_softmax(self.model(input_ids=ids.to(self.device), past_key_values=cache,
                                                position_ids=positions.to(self.device),
                                                use_cache=False).logits.float(), dim=-1).cpu()
        losses = []
        for row, c in enumerate(choices):
            total = -float(last[c[0]])
            if len(c) > 1:
                total -= float(logp[row, torch.arange(len(c) - 1), torch.tensor(c[1:])].sum())
            losses.append(total / len(c))
        return losses

    # ---------------------------------------------------------------- generating

    def _sampling(self, temperature: float) -> dict[str, Any]:
        return {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}

    def _finish(self, new_ids: list[int], max_new_tokens: int) -> tuple[str, int, bool]:
        """Text, token count and stop of one row: cut at its first stop token (batch padding follows it)."""
        cut = next((i for i, t in enumerate(new_ids) if t in self.stop_ids), None)
        stopped = cut is not None
        kept = new_ids[:cut] if stopped else new_ids
        return (self.tokenizer.decode(kept, skip_special_tokens=True).strip(), len(kept),
                stopped or len(new_ids) < max_new_tokens)

    def generate(self, prompt_ids: list[int], max_new_tokens: int, temperature: float = 0.0) -> str:
        """The model's continuation of ``prompt_ids``: greedy by default, sampled when ``temperature`` > 0."""
        return self.generate_ids(prompt_ids, max_new_tokens, temperature)[0]

    def generate_ids(self, prompt_ids: list[int], max_new_tokens: int,
                     temperature: float = 0.0) -> tuple[str, int, bool]:
        """Like :meth:`generate`, also returning how many tokens were generated and whether a stop token ended it."""
        return self.generate_batch([prompt_ids], max_new_tokens, temperature)[0]

    def generate_batch(self, prompts: list[list[int]], max_new_tokens: int, temperature: float = 0.0,
                       batch_size: int = 16) -> list[tuple[str, int, bool]]:
        """:meth:`generate_ids` for many prompts at once (left padding), ``batch_size`` at a time."""
        torch = self.torch
        results: list[tuple[str, int, bool]] = []
        for start in range(0, len(prompts), batch_size):
            chunk = prompts[start:start + batch_size]
            longest = max(len(p) for p in chunk)
            ids = torch.full((len(chunk), longest), self.pad_id, dtype=torch.long)
            mask = torch.zeros((len(chunk), longest), dtype=torch.long)
            for row, p in enumerate(chunk):
                ids[row, longest - len(p):] = torch.tensor(p)
                mask[row, longest - len(p):] = 1
            with torch.inference_mode():
                out = self.model.generate(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                                          max_new_tokens=max_new_tokens,
                                          eos_token_id=self.stop_ids, pad_token_id=self.pad_id,
                                          **self._sampling(temperature))
            results += [self._finish(row[longest:].tolist(), max_new_tokens) for row in out.cpu()]
        return results

    def stream(self, prompt_ids: list[int], max_new_tokens: int, temperature: float = 0.0,
               lock: threading.Lock | None = None) -> Iterator[str]:
        """The continuation of ``prompt_ids`` as it is generated: text pieces, in order.

        Generation runs in a thread of its own; the pieces come through ``TextIteratorStreamer``. ``lock``
        (held for the whole generation) keeps other generations off the same model meanwhile.
        """
        from transformers import TextIteratorStreamer

        torch = self.torch
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
        kwargs = dict(input_ids=self.tensor([prompt_ids]),
                      attention_mask=torch.ones(1, len(prompt_ids), dtype=torch.long, device=self.device),
                      max_new_tokens=max_new_tokens, eos_token_id=self.stop_ids, pad_token_id=self.pad_id,
                      streamer=streamer, **self._sampling(temperature))
        failure: list[BaseException] = []
        guard = lock if lock is not None else nullcontext()

        def work() -> None:
            try:
                with torch.inference_mode():
                    self.model.generate(**kwargs)
            except BaseException as exc:  # handed to the reading side
                failure.append(exc)
                streamer.end()

        with guard:
            thread = threading.Thread(target=work, name="goose-studio-generate", daemon=True)
            thread.start()
            try:
                for piece in streamer:
                    if piece:
                        yield piece
            finally:
                thread.join()
        if failure:
            raise failure[0]
