"""The ``generate_pairs`` tool (tab "prepare"): instruction/answer training pairs from the code index and
the repository's documentation.

No model is involved: every question and answer is assembled from the repository itself, from what the
code index (``.studio-index.json``, written by ``index_code``) records about each file and symbol
(signatures, docstrings, calls, imports, decorators, test flags, line spans), from the source lines
those spans point at (function bodies, ``raise``/``throw`` statements, ``except`` handlers, JSX tags,
the syntax tree of Python files) and from the documentation files (README, ``docs/``).
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
* ``defaults``     values people ask about: module constants and the items of constant tables, enum
                   members, class attributes and dataclass / pydantic field defaults, parameter defaults,
                   command-line commands, option defaults and choices, environment variables.
* ``behaviour``    what functions and classes do, return and raise (and when), what arguments and
                   attributes mean, examples, each docstring sentence as the answer to its question, and
                   why a commented line is there.
* ``relations``    what a class extends, which classes derive from a base, the exception that covers all
                   of the library's errors, overrides and abstract methods, which code uses a class.
* ``docs``         README, ``docs/`` (Markdown, reStructuredText, AsciiDoc, text) and module docstrings,
                   section by section: heading questions, sentence questions, table rows both ways,
                   definition items, console and code examples.

Question wordings vary per symbol (picked by a stable hash) so that a model does not learn one template.
The last four categories ask each fact in several phrasings (``phrasings``, default 3: What / Why / Where
/ How, in the identifier's name and in people's words, :mod:`.phrasing`), answered in plain sentences that
end with ``(see path:lines)``; the phrasings of one fact share a ``fact`` key, so they are never each
other's duplicates and always land on the same side of the split.

Beside the generated pairs: the user's own pairs (``pairs_file``: alpaca, prompt/completion,
question/answer or chat rows, read leniently, fixes and skipped rows reported; never dropped by the cap,
always on the train side), and pairs written by PREPARE's brain pass (``brain_pairs_file``), which are
treated like generated ones.

Output (in ``out_dir``): ``train.jsonl`` and ``eval.jsonl`` in alpaca form (``instruction``, ``input``,
``output`` plus ``category``, ``source`` = ``path:start-end``, ``group`` = the split key, ``id``),
``dataset_info.json`` registering both for LLaMA-Factory, and ``stats.json``. The same index, sources
and arguments give byte-identical files: keys are sorted, orders come from hashes and sorts, and only
repo-relative paths appear.

Selection: exact duplicates (whitespace- and case-normalized instruction, or output outside the pair's
own fact) are dropped, then near-duplicate outputs within a category (Jaccard similarity of word 3-gram
sets >= 0.85, candidates found with a deterministic MinHash/LSH). The split (below) comes next, then the
cap: above ``max_pairs``, the number of pairs per category is that of a weighted round-robin across
categories over both sides together (``WEIGHTS``: 3 pairs per round for defaults, behaviour and docs,
1 for the others), a fact's first phrasing before any fact's second; each category's number is then shared out, about ``held_out_ratio`` of it
(at least one for a category of 10 or more, and ``held_out_ratio * max_pairs`` rounded overall) taken
from the held-out files' pairs and the rest from the train files' pairs, each in a seeded hash order. The
cap thus never moves a pair to the other side, nor leaves the held-out side empty.

Split: by file, before the cap, and stratified by category. A pair's group is the one file it is about;
pairs about a directory or several files have no group and always go to train. Every fact held out is
one the core does not learn, so files are weighed with the fewest fact pairs first (files with none,
usually tests, then files with few, then the rest), in the order of ``sha256(seed, path)`` among equals,
and files the facts come from are held out only while the held-out side is under half its target or a
category lacks held-out pairs. Held-out files are added one at a time, each step taking the first file
that lowers a cost at least half as much as the best file would (the best of the first 256 files that
fit, in a very large repository). The cost is, for each code category (the first six) of
10 pairs or more, the squared relative gap between its held-out pairs and ``held_out_ratio`` of its pairs
(a surplus weighs a quarter of a shortfall), plus the same gap for the code pairs together (all pairs
when there are only facts), plus 1 for a smaller category whose pairs would all be held out. No step
takes the held-out side past 1.5 times ``held_out_ratio`` of the pairs counted, and the train side keeps
at least one file. A code category of 10 pairs or more with none held out then gets the file with the
fewest facts that fits, or, when none fits, one swapped in for a held-out file. With two or more files the held-out side gets at least one (the smallest, when no file
fits). With fewer than two files the same is done over source spans (``split_by = "symbol"``). The split
depends only on the pairs, the ratio and the seed, never on the order pairs are generated in.

Estimated training time::

    est_train_minutes = (sum over train pairs of (tokens + 12 template tokens)) * epochs
                        * seconds_per_1k_tokens / 1000 / 60

``tokens`` is ``ceil(chars / 4)`` of instruction plus output, or exact counts from ``tokenizer_path``
(PREPARE passes the chosen model's tokenizer when it is on disk). ``seconds_per_1k_tokens`` is the
median measured on the workspace's latest trained runs, else 5 s (LoRA on the embedded 135M model on a
2-core CPU); see :mod:`.dashboard`, which also documents the quality score and its parts (coverage,
volume, balance, fit, grounded share, share of facts and docs).

Modules: :mod:`.text` (hashing, picks, normalisation, summaries, brackets, truncation, code blocks),
:mod:`.signatures` (parameters, bases, decorators), :mod:`.raises` (raise/throw statements and their
conditions), :mod:`.jstests` (JS/TS test blocks), :mod:`.repo` (the repository through the index),
one module per category (:mod:`.explain`, :mod:`.generate`, :mod:`.debug`, :mod:`.architecture`,
:mod:`.testing`, :mod:`.uiux`, :mod:`.defaults` with :mod:`.clifacts`, :mod:`.behaviour`,
:mod:`.relations`, :mod:`.docs`), their readers (:mod:`.pyfacts` the Python syntax tree,
:mod:`.docstrings`, :mod:`.sentences`, :mod:`.docsource` documentation files, :mod:`.lookup`) and
wording (:mod:`.phrasing`), :mod:`.generators` (the categories, their generators and weights),
:mod:`.select` (de-duplication, split, cap), :mod:`.userpairs` and :mod:`.extras` (the user's and the
brain's pairs), :mod:`.language`, :mod:`.grounding` (answers checked against the repository),
:mod:`.stats` (tokens, training time), :mod:`.dashboard` (the quality dashboard's figures) and
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
