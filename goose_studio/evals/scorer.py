"""A base model, with a LoRA adapter on it or none, and the chat template it was trained with.

What evaluation, chat and serving share: prompts are built with LLaMA-Factory's own template (so they match
training exactly), answers are scored by their negative log-likelihood, and generation stops at the
template's stop words. The adapter can be switched off in place (``model.disable_adapter()``) to score or
ask the base model with the same weights.
"""

from __future__ import annotations

import os


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
        base = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32)
        self.model = (PeftModel.from_pretrained(base, adapter_dir) if adapter_dir else base).eval()
        self.cutoff_len = cutoff_len

    def encode(self, prompt: str, answer: str) -> tuple[list[int], list[int]]:
        messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
        prompt_ids, answer_ids = self.template.encode_oneturn(self.tokenizer, messages)
        keep_prompt = max(8, self.cutoff_len - len(answer_ids))
        prompt_ids = prompt_ids[-keep_prompt:]
        return prompt_ids, answer_ids[: max(1, self.cutoff_len - len(prompt_ids))]

    def nll(self, prompt_ids: list[int], answer_ids: list[int]) -> tuple[float, int]:
        torch = self.torch
        ids = torch.tensor([prompt_ids + answer_ids])
        labels = torch.tensor([[-100] * len(prompt_ids) + answer_ids])
        with torch.inference_mode():
            out = self.model(input_ids=ids, labels=labels)
        n = len(answer_ids)
        return float(out.loss) * n, n

    def generate(self, prompt_ids: list[int], max_new_tokens: int, temperature: float = 0.0) -> str:
        """The model's continuation of ``prompt_ids``: greedy by default, sampled when ``temperature`` > 0."""
        return self.generate_ids(prompt_ids, max_new_tokens, temperature)[0]

    def generate_ids(self, prompt_ids: list[int], max_new_tokens: int,
                     temperature: float = 0.0) -> tuple[str, int, bool]:
        """Like :meth:`generate`, also returning how many tokens were generated and whether a stop token ended it."""
        torch = self.torch
        stop = [self.tokenizer.eos_token_id] + [self.tokenizer.convert_tokens_to_ids(w) for w in self.template.stop_words]
        stop = [s for s in stop if s is not None]
        sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
        with torch.inference_mode():
            out = self.model.generate(input_ids=torch.tensor([prompt_ids]), attention_mask=torch.ones(1, len(prompt_ids), dtype=torch.long),
                                      max_new_tokens=max_new_tokens, eos_token_id=stop,
                                      pad_token_id=self.tokenizer.pad_token_id, **sampling)
        new_ids = out[0][len(prompt_ids):].tolist()
        stopped = bool(new_ids) and new_ids[-1] in stop
        return (self.tokenizer.decode(new_ids, skip_special_tokens=True).strip(), len(new_ids) - int(stopped),
                stopped or len(new_ids) < max_new_tokens)
