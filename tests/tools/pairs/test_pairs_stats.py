"""Counting the dataset: the token estimate and training time follow the documented formula, a local
tokenizer gives exact counts, and a missing one is a typed failure."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.pairs import stats as stats_mod
from pairs_helpers import acme, ctx, read_jsonl, run  # noqa: F401  (fixtures)


def test_token_estimate_and_training_time_follow_the_documented_formula(acme: Path, tmp_path: Path, ctx) -> None:
    result = run(acme, tmp_path / "out", ctx, epochs=2, seconds_per_1k_tokens=30)
    train = read_jsonl(Path(result.train_file))
    everything = train + read_jsonl(Path(result.eval_file))
    tokens = lambda r: math.ceil(len(r["instruction"]) / 4) + math.ceil(len(r["output"]) / 4)  # noqa: E731
    assert result.stats.token_counter == "chars/4"
    assert result.stats.avg_tokens == round(sum(map(tokens, everything)) / len(everything), 1)
    assert result.stats.max_tokens == max(map(tokens, everything))
    train_tokens = sum(tokens(r) + stats_mod.TEMPLATE_OVERHEAD_TOKENS for r in train)
    assert result.stats.train_tokens == train_tokens
    assert result.stats.est_train_minutes == round(train_tokens * 2 * 30 / 1000 / 60, 1)
    assert 0 <= result.stats.quality_score <= 100


def test_a_local_tokenizer_gives_exact_counts(acme: Path, tmp_path: Path, ctx) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel({"[UNK]": 0, "the": 1}, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tok_dir = tmp_path / "tok"
    PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]").save_pretrained(str(tok_dir))

    result = run(acme, tmp_path / "out", ctx, tokenizer_path=str(tok_dir))
    tok = AutoTokenizer.from_pretrained(str(tok_dir))
    count = lambda text: len(tok(text, add_special_tokens=False)["input_ids"])  # noqa: E731
    everything = read_jsonl(Path(result.train_file)) + read_jsonl(Path(result.eval_file))
    exact = [count(r["instruction"]) + count(r["output"]) for r in everything]
    assert result.stats.token_counter == "tokenizer"
    assert result.stats.avg_tokens == round(sum(exact) / len(exact), 1)
    assert result.stats.max_tokens == max(exact)

    with pytest.raises(ToolFailure) as info:
        run(acme, tmp_path / "out2", ctx, tokenizer_path=str(tmp_path / "no-such-tokenizer"))
    assert info.value.kind is FailureKind.not_found
