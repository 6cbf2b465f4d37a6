"""The ``generate_pairs`` tool: its arguments and result, and the run from index to written files.

The tool loads the index, builds the :class:`~.repo.Repo`, runs the generator of each requested category
(:data:`~.generators.GENERATORS`), adds the brain pass's checked pairs when there are some, de-duplicates,
splits and caps (:mod:`.select`), adds the user's own pairs (never dropped), counts (:mod:`.stats`,
:mod:`.dashboard`) and writes ``train.jsonl``, ``eval.jsonl``, ``dataset_info.json`` and ``stats.json``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from ...errors import FailureKind, ToolFailure, disk_full_from_oserror
from ...secrets import Finding, redact, secret_values
from ...workspace import slugify, write_atomic, write_json
from ..index_models import INDEX_FILENAME, load_index
from ..registry import ToolContext, tool
from . import dashboard
from .docs import doc_files, doc_texts
from .exploration import load_exploration
from .generators import CATEGORIES, GENERATORS, CategoryName
from .grounding import Vocabulary
from .language import detect_language
from .repo import Pair, Repo
from .select import cap_pairs, dedup_pairs, priority, split_pairs
from .stats import FIT_MAX_TOKENS, TEMPLATE_OVERHEAD_TOKENS, TokenCounter, train_minutes
from .text import stable_hash
from .extras import external_imports, extra_pairs, pair_languages, split_user

TRAIN_FILE = "train.jsonl"
EVAL_FILE = "eval.jsonl"
DATASET_INFO_FILE = "dataset_info.json"
STATS_FILE = "stats.json"
MAX_SCAN_BYTES = 2 * 1024 * 1024  # larger files are not scanned for secret values to redact elsewhere


class GeneratePairsArgs(BaseModel):
    repo_path: str = Field(description="The repository the index describes; its files are read for code spans.")
    out_dir: str = Field(description="Where train.jsonl, eval.jsonl, dataset_info.json and stats.json go.")
    repo_name: str | None = Field(
        default=None, description="Project name used in questions; defaults to the repository folder's name."
    )
    index_path: str | None = Field(
        default=None, description=f"The code index; defaults to <repo_path>/{INDEX_FILENAME}."
    )
    seed: int = Field(default=0, description="Changes the held-out files, the cap's choice and the line order.")
    held_out_ratio: float = Field(default=0.1, gt=0.0, le=0.5, description="Share of pairs held out for eval.")
    min_pairs: int = Field(default=40, ge=1, description="Fewer pairs than this is an insufficient_data failure.")
    max_pairs: int = Field(default=400, ge=1, description="Cap on pairs, taken round-robin across categories.")
    categories: list[CategoryName] = Field(
        default_factory=lambda: list(CATEGORIES), min_length=1, description="Categories to generate."
    )
    max_answer_chars: int = Field(default=900, ge=300, le=20000, description="Longest answer, in characters.")
    max_code_lines: int = Field(default=25, ge=4, le=200, description="Longest code block in an answer, in lines.")
    tokenizer_path: str | None = Field(
        default=None, description="A local tokenizer folder for exact token counts (default: chars / 4)."
    )
    epochs: float = Field(default=3.0, gt=0, description="Epochs assumed by est_train_minutes.")
    seconds_per_1k_tokens: float | None = Field(
        default=None, gt=0, description="Training seconds per 1,000 tokens assumed by est_train_minutes; default: "
        "measured on the workspace's latest runs, else 5."
    )
    phrasings: int = Field(default=3, ge=1, le=8, description="Questions asked per fact (defaults, behaviour, "
                           "relations, docs).")
    pairs_file: str | None = Field(
        default=None, description="The user's own pairs (alpaca JSONL, JSON, prompt/completion, question/answer or "
        "chat messages), merged and never dropped by the cap; format errors are fixed and reported."
    )
    brain_pairs_file: str | None = Field(
        default=None, description="Pairs written by the brain pass and checked against the repository (JSONL)."
    )
    language: str | None = Field(
        default=None, description="Keep only the user's pairs in this language (e.g. 'en') when the file mixes several."
    )
    pairs_only: bool = Field(default=False, description="Use the user's pairs alone (no generated pairs).")
    exploration_report: str | None = Field(
        default=None, description="The running app's exploration-report.json (explore_ui), or its folder: its "
        "pages, forms, routes and issues become uiux pairs."
    )

    @model_validator(mode="after")
    def _check_bounds(self) -> "GeneratePairsArgs":
        if self.max_pairs < self.min_pairs:
            raise ValueError(f"max_pairs ({self.max_pairs}) is smaller than min_pairs ({self.min_pairs})")
        return self


class PairStats(BaseModel):
    per_category: dict[str, int] = Field(description="Pairs written, per category (train + eval).")
    per_category_train: dict[str, int]
    per_category_eval: dict[str, int]
    candidates: int = Field(description="Pairs generated before de-duplication and the cap.")
    dedup_removed: int = Field(description="Exact and near duplicates dropped.")
    capped_removed: int = Field(description="Pairs left out by max_pairs.")
    avg_tokens: float = Field(description="Mean tokens of instruction + output.")
    max_tokens: int
    long_pairs: int = Field(description=f"Pairs above {FIT_MAX_TOKENS} tokens.")
    token_counter: Literal["chars/4", "tokenizer"]
    train_tokens: int = Field(description="Tokens of the train side, template overhead included.")
    est_train_minutes: float
    epochs: float
    seconds_per_1k_tokens: float
    quality_score: int = Field(ge=0, le=100)
    split_by: Literal["file", "symbol"]
    files_indexed: int
    files_used: int = Field(description="Files at least one written pair is about.")
    train_files: int
    eval_files: int
    stale_files: list[str] = Field(description="Files changed since indexing; used through the index only.")
    secrets_redacted: int = Field(default=0, description="Secrets replaced by a placeholder in the written pairs.")
    secrets_pairs: int = Field(default=0, description="Written pairs that had a secret replaced.")
    secrets_per_kind: dict[str, int] = Field(default_factory=dict, description="Secrets redacted, per kind.")
    secrets_per_file: dict[str, list[str]] = Field(
        default_factory=dict, description="The kinds of secrets redacted, per source file (never the values)."
    )
    per_origin: dict[str, int] = Field(default_factory=dict, description="Pairs written per origin: code, docs, "
                                       "user, brain.")
    per_source: dict[str, int] = Field(default_factory=dict, description="Pairs written per source file (top 40).")
    grounded_share: float = Field(default=1.0, description="Share of written pairs whose answer names only files, "
                                  "symbols and values of the repository.")
    knowledge_share: float = Field(default=0.0, description="Share of fact and documentation pairs.")
    quality_parts: dict[str, float] = Field(default_factory=dict, description="The quality score's parts, 0..1 each "
                                            "(see the dashboard module).")
    throughput: Literal["given", "measured", "default"] = Field(
        default="default", description="Where seconds_per_1k_tokens comes from.")
    throughput_runs: int = Field(default=0, description="Runs the measured throughput is the median of.")
    phrasings: int = 3
    doc_files: int = Field(default=0, description="Documentation files read (README, docs/, ...).")
    doc_skipped: list[dict[str, str]] = Field(default_factory=list, description="Documentation files skipped, "
                                              "with the reason.")
    user_pairs: int = Field(default=0, description="The user's own pairs written (never dropped by the cap).")
    user_fixed: dict[str, int] = Field(default_factory=dict, description="Format fixes made to the user's pairs.")
    user_skipped: list[dict[str, Any]] = Field(default_factory=list, description="The user's rows that could not "
                                               "be used, with line and reason (first 50).")
    user_languages: dict[str, int] = Field(default_factory=dict, description="The user's pairs per language.")
    brain_pairs: int = Field(default=0, description="Pairs from the brain pass written.")
    user_file_error: str = Field(default="", description="Why the user's pairs file was skipped, if it was.")
    external_imports: list[str] = Field(default_factory=list, description="Outside packages the code imports most "
                                        "(related sources worth learning too).")


class GeneratePairsResult(BaseModel):
    dataset_dir: str
    train_file: str
    eval_file: str
    dataset_info_path: str
    stats_path: str
    dataset_name_train: str
    dataset_name_eval: str
    train_pairs: int
    eval_pairs: int
    stats: PairStats
    actions: list[str] = Field(default_factory=list, description="What PREPARE did beyond the plain generation "
                               "(more phrasings for a small dataset, the brain pass), in words.")
    brain: dict[str, Any] | None = Field(default=None, description="The brain pass's report, when it ran.")


def _record(p: Pair) -> dict[str, str]:
    """One JSONL line's fields: alpaca columns plus category, origin, source, group and a stable id."""
    return {
        "category": p.category,
        "group": p.group,
        "id": hashlib.sha256(f"{p.category}\x1f{p.instruction}".encode("utf-8")).hexdigest()[:16],
        "input": "",
        "instruction": p.instruction,
        "origin": p.origin,
        "output": p.output,
        "source": p.source,
    }


def pair_file(p: Pair) -> str:
    """The file a pair comes from: its group, or the path of its ``path:lines`` source."""
    return p.group or p.source.rpartition(":")[0] or p.source


def source_secrets(repo: Repo, root: Path, pairs: list[Pair]) -> dict[str, str]:
    """The secret values (value → kind) in the indexed files and in the other files under ``root`` the pairs
    come from (documentation), so that a pair that quotes or paraphrases one gets it redacted too."""
    texts = {path: "\n".join(f.lines) for path, f in repo.files.items() if f.lines is not None}
    for path in sorted({pair_file(p) for p in pairs} - texts.keys()):
        target = root / path
        try:
            if ".." in path.split("/") or target.is_symlink() or not target.is_file() or \
                    target.stat().st_size > MAX_SCAN_BYTES:
                continue
            texts[path] = target.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    known: dict[str, str] = {}
    for path, text in texts.items():
        known.update(secret_values(text, where=path))
    return known


def redact_pairs(pairs: list[Pair], known: dict[str, str] | None = None) -> tuple[list[Pair], dict[int, list[Finding]]]:
    """The pairs with every secret in their texts (and every ``known`` value) replaced by a placeholder, and
    the findings per new pair."""
    out: list[Pair] = []
    found: dict[int, list[Finding]] = {}
    known = known or {}
    for p in pairs:
        instruction = redact(p.instruction, where=p.source, known=known)
        output = redact(p.output, where=p.source, known=known)
        if instruction.findings or output.findings:
            p = dataclasses.replace(p, instruction=instruction.text, output=output.text)
            found[id(p)] = instruction.findings + output.findings
        out.append(p)
    return out, found


def secret_stats(chosen: list[Pair], found: dict[int, list[Finding]]) -> dict[str, Any]:
    """The ``secrets_*`` fields of :class:`PairStats` for the written pairs: counts, kinds and files."""
    per_kind: dict[str, int] = {}
    per_file: dict[str, set[str]] = {}
    hit = [found[id(p)] for p in chosen if id(p) in found]
    for p in chosen:
        for f in found.get(id(p), []):
            per_kind[f.kind] = per_kind.get(f.kind, 0) + 1
            per_file.setdefault(pair_file(p), set()).add(f.kind)
    return {"secrets_redacted": sum(len(h) for h in hit), "secrets_pairs": len(hit),
            "secrets_per_kind": dict(sorted(per_kind.items())),
            "secrets_per_file": {k: sorted(v) for k, v in sorted(per_file.items())}}


def _jsonl(pairs: list[Pair]) -> str:
    """The pairs as JSON lines with sorted keys."""
    return "".join(json.dumps(_record(p), ensure_ascii=False, sort_keys=True) + "\n" for p in pairs)


def dataset_info(name_train: str, name_eval: str) -> dict[str, Any]:
    """LLaMA-Factory's ``dataset_info.json`` entries for the two alpaca files."""
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    return {
        name_train: {"file_name": TRAIN_FILE, "formatting": "alpaca", "columns": dict(columns)},
        name_eval: {"file_name": EVAL_FILE, "formatting": "alpaca", "columns": dict(columns)},
    }


@tool("generate_pairs", tab="prepare", primary=True, idempotent=True)
def generate_pairs(args: GeneratePairsArgs, ctx: ToolContext) -> GeneratePairsResult:
    """Build instruction/answer training pairs from the code index, split by file into train and eval.

    Deterministic and model-free: answers are assembled from the repository's own signatures, docstrings,
    calls, imports, raise statements and tests. Writes LLaMA-Factory alpaca JSONL plus dataset_info.json.
    """
    repo_root = Path(args.repo_path).expanduser()
    if not repo_root.is_dir():
        raise ToolFailure(FailureKind.not_found, f"There is no repository folder at {repo_root}.",
                          hint="Check the path, or fetch the source first (clone).",
                          details={"repo_path": str(repo_root)})
    index_path = Path(args.index_path).expanduser() if args.index_path else repo_root / INDEX_FILENAME
    index = load_index(index_path)
    name = (args.repo_name or "").strip() or repo_root.resolve().name or "repo"
    ctx.progress(stage="index", files=len(index.files))

    repo = Repo(index, repo_root, name, args.max_answer_chars, args.max_code_lines)
    repo.phrasings = args.phrasings
    repo.exploration = load_exploration(args.exploration_report) if args.exploration_report else None
    requested = [c for c in CATEGORIES if c in set(args.categories)]
    per_category_limit = max(4 * args.max_pairs, 2000)
    candidates: list[Pair] = []
    tried: dict[str, int] = {}
    for category in ([] if args.pairs_only else requested):
        made = [p for p in GENERATORS[category](repo, set(requested)) if p.output.strip()]
        tried[category] = len(made)
        if len(made) > per_category_limit:
            made = sorted(made, key=lambda p: priority(p, args.seed))[:per_category_limit]
        candidates += made
        ctx.progress(stage="generate", category=category, candidates=len(made))
    brain = extra_pairs(args.brain_pairs_file, "brain", requested)
    candidates += brain.pairs
    user = extra_pairs(args.pairs_file, "user", None)
    user_pairs = [p for p in user.pairs if not args.language or detect_language(p.instruction + " " + p.output)
                  == args.language]

    known = source_secrets(repo, repo_root, candidates)
    candidates, secrets_found = redact_pairs(candidates, known)
    user_pairs, user_secrets = redact_pairs(user_pairs, known)
    secrets_found.update(user_secrets)
    unique, removed = dedup_pairs(candidates)
    ctx.progress(stage="dedup", kept=len(unique), removed=removed)
    train_pool, held_pool, split_by = split_pairs(unique, args.held_out_ratio, args.seed)
    train, held_out = cap_pairs(train_pool, held_pool, args.max_pairs, args.held_out_ratio, args.seed)
    if user_pairs:
        kept_user, held_user = split_user(user_pairs, args.held_out_ratio, args.seed, bool(held_out))
        train, held_out = train + kept_user, held_out + held_user
    chosen = train + held_out
    requested = requested + sorted({p.category for p in chosen} - set(requested))
    per_category = {c: sum(1 for p in chosen if p.category == c) for c in requested}
    if len(chosen) < args.min_pairs:
        raise ToolFailure(
            FailureKind.insufficient_data,
            f"Only {len(chosen)} training pairs could be built from {len(index.files)} indexed files "
            f"(tried {', '.join(requested)}); at least {args.min_pairs} are needed.",
            hint="Point the studio at a repository with more source code (functions, docstrings, tests), "
            "index more of it, or lower --min-pairs.",
            details={"pairs": len(chosen), "min_pairs": args.min_pairs, "per_category": per_category,
                     "candidates_per_category": tried, "files_indexed": len(index.files),
                     "dedup_removed": removed},
        )

    if not held_out:
        raise ToolFailure(
            FailureKind.insufficient_data,
            f"The {len(chosen)} pairs cannot be split into train and eval: they all come from one place.",
            hint="Index more files of the repository, so that some can be held out for evaluation.",
            details={"pairs": len(chosen), "min_pairs": args.min_pairs, "per_category": per_category,
                     "files_indexed": len(index.files)},
        )
    order = lambda p: (stable_hash(args.seed, "order", p.instruction), p.instruction)  # noqa: E731
    train.sort(key=order)
    held_out.sort(key=order)

    counter = TokenCounter(args.tokenizer_path)
    docs, doc_skipped = doc_files(repo)
    vocabulary = Vocabulary(repo, doc_texts(docs))
    grounded = sum(1 for p in chosen if p.origin != "user" and vocabulary.grounded(p.output, p.instruction))
    generated = sum(1 for p in chosen if p.origin != "user")
    if args.seconds_per_1k_tokens is not None:
        rate, rate_from, rate_runs = args.seconds_per_1k_tokens, "given", 0
    else:
        measured, rate_runs = dashboard.measured_throughput(ctx.workspace.root)
        rate = measured or dashboard.DEFAULT_SECONDS_PER_1K_TOKENS
        rate_from = "measured" if measured else "default"
    tokens = {id(p): counter.count(p.instruction) + counter.count(p.output) for p in chosen}
    counts = [tokens[id(p)] for p in chosen]
    train_tokens = sum(tokens[id(p)] + TEMPLATE_OVERHEAD_TOKENS for p in train)
    est_minutes = train_minutes(train_tokens, args.epochs, rate)
    grounded_share = round(grounded / generated, 4) if generated else 1.0
    knowledge = dashboard.knowledge_share(chosen)
    score, parts = dashboard.quality(per_category, len(requested), [tokens[id(p)] for p in chosen], grounded_share,
                                     knowledge)
    group_key = (lambda p: p.group) if split_by == "file" else (lambda p: p.source if p.group else "")
    train_groups = {group_key(p) for p in train if group_key(p)}
    eval_groups = {group_key(p) for p in held_out if group_key(p)}
    used_files = {p.group for p in chosen if p.group}
    stats = PairStats(
        per_category=per_category,
        per_category_train={c: sum(1 for p in train if p.category == c) for c in requested},
        per_category_eval={c: sum(1 for p in held_out if p.category == c) for c in requested},
        candidates=len(candidates),
        dedup_removed=removed,
        capped_removed=len(unique) - len(chosen),
        avg_tokens=round(sum(counts) / len(counts), 1),
        max_tokens=max(counts),
        long_pairs=sum(1 for t in counts if t > FIT_MAX_TOKENS),
        token_counter=counter.kind,
        train_tokens=train_tokens,
        est_train_minutes=round(est_minutes, 1),
        epochs=args.epochs,
        seconds_per_1k_tokens=rate,
        quality_score=score,
        split_by=split_by,  # type: ignore[arg-type]
        files_indexed=len(index.files),
        files_used=len(used_files),
        train_files=len(train_groups),
        eval_files=len(eval_groups),
        stale_files=sorted(repo.stale),
        **secret_stats(chosen, secrets_found),
        per_origin=dashboard.per_origin(chosen),
        per_source=dashboard.per_source(chosen),
        grounded_share=grounded_share,
        knowledge_share=round(knowledge, 4),
        quality_parts=parts,
        throughput=rate_from,  # type: ignore[arg-type]
        throughput_runs=rate_runs,
        phrasings=args.phrasings,
        doc_files=len(docs),
        doc_skipped=[{"path": path, "reason": reason} for path, reason in doc_skipped[:50]],
        user_pairs=sum(1 for p in chosen if p.origin == "user"),
        user_fixed=dict(sorted(user.fixed.items())),
        user_skipped=user.skipped[:50],
        user_languages=pair_languages(user.pairs),
        brain_pairs=sum(1 for p in chosen if p.origin == "brain"),
        user_file_error=user.error,
        external_imports=external_imports(repo),
    )

    base = slugify(name, "repo").replace("-", "_")
    name_train, name_eval = f"{base}_train", f"{base}_eval"
    out_dir = Path(args.out_dir).expanduser()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(out_dir / TRAIN_FILE, _jsonl(train))
        write_atomic(out_dir / EVAL_FILE, _jsonl(held_out))
        write_json(out_dir / DATASET_INFO_FILE, dataset_info(name_train, name_eval))
        write_json(out_dir / STATS_FILE, {
            **stats.model_dump(mode="json"),
            "dataset_name_train": name_train,
            "dataset_name_eval": name_eval,
            "train_file": TRAIN_FILE,
            "eval_file": EVAL_FILE,
            "train_pairs": len(train),
            "eval_pairs": len(held_out),
            "categories_requested": requested,
        })
    except OSError as exc:
        failure = disk_full_from_oserror(exc, str(out_dir))
        if failure:
            raise failure from exc
        raise ToolFailure(FailureKind.invalid_input, f"Cannot write the dataset to {out_dir}: {exc}",
                          hint="Choose an output folder you can write to.",
                          details={"out_dir": str(out_dir), "errno": exc.errno}) from None
    ctx.progress(stage="write", train=len(train), eval=len(held_out))
    resolved = out_dir.resolve()
    return GeneratePairsResult(
        dataset_dir=str(resolved),
        train_file=str(resolved / TRAIN_FILE),
        eval_file=str(resolved / EVAL_FILE),
        dataset_info_path=str(resolved / DATASET_INFO_FILE),
        stats_path=str(resolved / STATS_FILE),
        dataset_name_train=name_train,
        dataset_name_eval=name_eval,
        train_pairs=len(train),
        eval_pairs=len(held_out),
        stats=stats,
    )
