"""The ``generate_pairs`` tool (tab "prepare"): instruction/answer training pairs from the code index.

No model is involved: every question and answer is assembled from the repository itself, from what the
code index (``.studio-index.json``, written by ``index_code``) records about each file and symbol
(signatures, docstrings, calls, imports, decorators, test flags, line spans) and from the source lines
those spans point at (function bodies, ``raise``/``throw`` statements, ``except`` handlers, JSX tags).
A file whose content changed since it was indexed is used through the index only, never through its
lines, so spans never point at the wrong code.

Categories (each pair carries one):

* ``explain``      what a function, method or class does: where it lives, signature, docstring, calls.
* ``generate``     the implementation of a symbol, the signature matching a docstring, and how to add a
                   new subclass / decorated function following the project's existing pattern.
* ``debug``        when a function raises an exception (condition and statement), where an error
                   message comes from, how an ``except`` handler deals with an error, which arguments a
                   function takes (the usual cause of a ``TypeError``).
* ``architecture`` what a module is responsible for, what it imports, who imports it, what a directory
                   holds, where a symbol is defined, an overview of the codebase.
* ``testing``      how a symbol is tested (the real test functions), what a test checks, which tests a
                   test file holds, and test skeletons built from real signatures and raise conditions.
* ``uiux``         React/JSX components: props, hooks, rendered child components, implementation.

Question wordings vary per symbol (picked by a stable hash) so that a model does not learn one template.

Output (in ``out_dir``): ``train.jsonl`` and ``eval.jsonl`` in alpaca form (``instruction``, ``input``,
``output`` plus ``category``, ``source`` = ``path:start-end``, ``group`` = the split key, ``id``),
``dataset_info.json`` registering both for LLaMA-Factory, and ``stats.json``. The same index, sources
and arguments give byte-identical files: keys are sorted, orders come from hashes and sorts, and only
repo-relative paths appear.

Selection: exact duplicates (whitespace- and case-normalized instruction, or output) are dropped, then
near-duplicate outputs within a category (Jaccard similarity of word 3-gram sets >= 0.85, candidates
found with a deterministic MinHash/LSH). The split (below) comes next, then the cap: above ``max_pairs``,
the number of pairs per category is that of a round-robin across categories over both sides together, so
the cap keeps them balanced; each category's number is then shared out, about ``held_out_ratio`` of it
(at least one for a category of 10 or more, and ``held_out_ratio * max_pairs`` rounded overall) taken
from the held-out files' pairs and the rest from the train files' pairs, each in a seeded hash order. The
cap thus never moves a pair to the other side, nor leaves the held-out side empty.

Split: by file, before the cap, and stratified by category. A pair's group is the one file it is about;
pairs about a directory or several files have no group and always go to train. Files are weighed in the
order of ``sha256(seed, path)``, and held-out files are added one at a time, each step taking the first
file that lowers a cost at least half as much as the best file would (the best of the first 256 files
that fit, in a very large repository). The cost is, for each category of
10 pairs or more, the squared relative gap between its held-out pairs and ``held_out_ratio`` of its pairs
(a surplus weighs a quarter of a shortfall), plus the same gap for all pairs together, plus 1 for a
smaller category whose pairs would all be held out. No step takes the held-out side past 1.5 times
``held_out_ratio`` of all pairs, and the train side keeps at least one file. A category of 10 pairs or
more with none held out then gets the file that fits best, or, when none fits, one swapped in for a
held-out file. With two or more files the held-out side gets at least one (the smallest, when no file
fits). With fewer than two files the same is done over source spans (``split_by = "symbol"``). The split
depends only on the pairs, the ratio and the seed, never on the order pairs are generated in.

Estimated training time::

    est_train_minutes = (sum over train pairs of (tokens + 12 template tokens)) * epochs
                        * seconds_per_1k_tokens / 1000 / 60

``tokens`` is ``ceil(chars / 4)`` of instruction plus output, or exact counts from ``tokenizer_path``.
The default 10 s per 1k tokens is a rough CPU figure for LoRA on a ~135M-parameter model.

Quality score (0-100), a coarse guide, not a measurement::

    30 * min(1, categories present / min(4, categories requested))     coverage
  + 25 * min(1, pairs / 200)                                          volume
  + 20 * normalized entropy of the per-category counts                balance (0 with one category)
  + 25 * share of pairs with 16..320 tokens                           fits a 384-token context

Modules: :mod:`.text` (hashing, picks, normalisation, summaries, brackets, truncation, code blocks),
:mod:`.signatures` (parameters, bases, decorators), :mod:`.raises` (raise/throw statements and their
conditions), :mod:`.jstests` (JS/TS test blocks), :mod:`.repo` (the repository through the index),
one module per category (:mod:`.explain`, :mod:`.generate`, :mod:`.debug`, :mod:`.architecture`,
:mod:`.testing`, :mod:`.uiux`), :mod:`.generators` (the categories and their generators),
:mod:`.select` (de-duplication, split, cap), :mod:`.stats` (tokens, training time, quality score) and
:mod:`.tool` (the tool itself). Importing this package registers the tool.
"""

from .generators import CATEGORIES, GENERATORS, CategoryName, PairGenerator
from .stats import FIT_MAX_TOKENS, FIT_MIN_TOKENS, TEMPLATE_OVERHEAD_TOKENS
from .tool import (
    DATASET_INFO_FILE,
    EVAL_FILE,
    STATS_FILE,
    TRAIN_FILE,
    GeneratePairsArgs,
    GeneratePairsResult,
    PairStats,
    dataset_info,
    generate_pairs,
)

__all__ = [
    "CATEGORIES",
    "DATASET_INFO_FILE",
    "EVAL_FILE",
    "FIT_MAX_TOKENS",
    "FIT_MIN_TOKENS",
    "GENERATORS",
    "STATS_FILE",
    "TEMPLATE_OVERHEAD_TOKENS",
    "TRAIN_FILE",
    "CategoryName",
    "GeneratePairsArgs",
    "GeneratePairsResult",
    "PairGenerator",
    "PairStats",
    "dataset_info",
    "generate_pairs",
]
