"""The scorer on a tiny real model: batched answer losses equal one-at-a-time ones, multiple-choice losses
after a shared cached prompt equal losses of whole sequences, batched (left-padded) greedy generation equals
one-at-a-time generation, streaming yields the same text, and the adapter switches in place."""
from __future__ import annotations

import math

import pytest

from evals_helpers import TEMPLATE, tiny_model_and_adapter
from goose_studio.evals.scorer import Scorer


@pytest.fixture(scope="module")
def scorer(tmp_path_factory) -> Scorer:
    model, adapter = tiny_model_and_adapter(tmp_path_factory.getbasetemp() / "evals-shared")
    return Scorer(str(model), str(adapter), TEMPLATE, cutoff_len=512)


QUESTIONS = [("What does reserve do?", "It holds items for an order."),
             ("Which file defines ReorderRule?", "inventory/rules.py"),
             ("What is the capital of France? Answer in one word, please, and nothing else.", "Paris."),
             ("Hi", "The Stock class counts items on hand and reserved, keyed by SKU.")]


def test_batched_answer_losses_equal_one_at_a_time(scorer):
    items = [scorer.encode(q, a) for q, a in QUESTIONS]
    batched = scorer.nll_batch(items)
    for item, (total, n) in zip(items, batched):
        alone, n_alone = scorer.nll(*item)
        assert n == n_alone == len(item[1]) and total == pytest.approx(alone, rel=1e-4)


def test_choice_losses_after_a_cached_prompt_equal_whole_sequence_losses(scorer):
    prompt_ids, _ = scorer.encode("Which file defines ReorderRule?", "")
    choices = [scorer.encode("x", c)[1] for c in ("inventory/rules.py", "inventory/stock.py", "a")]
    losses = scorer.choice_losses(prompt_ids, choices)
    for choice, loss in zip(choices, losses):
        total, n = scorer.nll_batch([(prompt_ids, choice)])[0]
        assert loss == pytest.approx(total / n, rel=1e-4)


def test_the_adapter_switches_in_place(scorer):
    item = scorer.encode(*QUESTIONS[0])
    with scorer.adapter(True):
        core = scorer.nll(*item)[0]
    with scorer.adapter(False):
        base = scorer.nll(*item)[0]
    with scorer.adapter(True):
        again = scorer.nll(*item)[0]
    assert not math.isclose(core, base, rel_tol=1e-3) and again == pytest.approx(core, rel=1e-6)


def test_batched_generation_equals_one_at_a_time_and_streaming(scorer):
    prompts = [scorer.encode(q, "")[0] for q, _ in QUESTIONS]
    batched = scorer.generate_batch(prompts, max_new_tokens=12)
    for prompt, (text, n, stopped) in zip(prompts, batched):
        alone = scorer.generate_ids(prompt, max_new_tokens=12)
        assert (text, n, stopped) == alone
        assert 0 <= n <= 12
    streamed = "".join(scorer.stream(prompts[0], max_new_tokens=12))
    assert streamed.strip() == batched[0][0]


def test_conversation_prompts_keep_the_turns_and_fit_the_budget(scorer):
    turns = [{"role": "user", "content": "Name a fruit."}, {"role": "assistant", "content": "Apple."},
             {"role": "user", "content": "Another one."}]
    ids = scorer.encode_turns(turns, system="Be brief.")
    text = scorer.tokenizer.decode(ids)
    assert text.index("Name a fruit.") < text.index("Apple.") < text.index("Another one.")
    assert "Be brief." in text and text.rstrip().endswith("assistant")
    assert len(scorer.encode_turns(turns * 50, budget=64)) == 64
