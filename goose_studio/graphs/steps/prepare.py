"""PREPARE: question/answer pairs from the indexed code and the documentation, the user's own pairs merged
in, split into train and held-out sets.

No dead ends: a dataset under :data:`SMALL_DATASET` pairs (or under ``min_pairs``) is generated again with
every category and more phrasings per fact, and what was done is said in the result's ``actions`` (with
related sources to add when it is still small); an empty result goes to the Guide, whose choices offer the
Quick Recipes; a user's pairs file that mixes languages stops for the user's choice of language; format
errors in that file are fixed and files that cannot be read are skipped, both reported in the stats.
With a brain (an OpenAI-compatible endpoint or the MCP host's model), :mod:`goose_studio.agents.pair_writer`
first writes more natural pairs, each checked against the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ...errors import FailureKind, ToolFailure
from ...options import RunOptions
from ...presets import preset
from ...tools.pairs import CATEGORIES, GeneratePairsArgs, GeneratePairsResult
from ...tools.pairs.language import languages
from ...tools.pairs.userpairs import read_pairs_file
from ...tools.registry import ToolContext, call_tool
from ...workspace import RunPaths, Workspace
from ..state import RunState
from .build import exploration_report

SMALL_DATASET = 100  # fewer pairs than this: generate more (all categories, more phrasings)
MORE_PHRASINGS = 6
BRAIN_FILE = "brain_pairs.jsonl"


def tokenizer_for(model: str, ws: Workspace) -> str | None:
    """A local folder with the chosen model's tokenizer: the embedded model's (made ready now, as TRAIN would),
    a local model folder, else None (a hub model is not downloaded here; tokens are then estimated)."""
    from ...tools.models import EMBEDDED, materialize_embedded

    try:
        folder = materialize_embedded(ws.cache) if model == EMBEDDED else Path(model).expanduser()
    except (ToolFailure, OSError):
        return None
    if folder.is_dir() and any((folder / n).is_file() for n in ("tokenizer.json", "tokenizer_config.json")):
        return str(folder)
    return None


def mixed_languages(pairs_file: str | None, chosen: str | None) -> dict[str, int]:
    """The languages of the user's pairs when there are two or more and none was chosen yet."""
    if not pairs_file or chosen:
        return {}
    got = read_pairs_file(pairs_file)
    found = languages([p.instruction + " " + p.output for p in got.pairs])
    return found if len(found) >= 2 else {}


def pairs_args(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> GeneratePairsArgs:
    """The generate_pairs arguments for this run (the brain pass's file added when it wrote one)."""
    src = state["source"]
    epochs = opts.epochs or preset(opts.preset).values().get("num_train_epochs", 1.0)
    explored = exploration_report(state["build"])  # BUILD's look at the running app: UI/UX pairs
    extra: dict[str, Any] = {"exploration_report": explored} if explored else {}
    pairs_file = getattr(src, "pairs_file", None)
    language = opts.language if opts.language and opts.language != "all" else None
    return GeneratePairsArgs(
        repo_path=src.repo_path, index_path=state["build"].index.index_path, out_dir=str(paths.dataset_dir),
        repo_name=src.name, seed=opts.seed, min_pairs=opts.min_pairs, max_pairs=max(opts.max_pairs, opts.min_pairs),
        epochs=epochs, phrasings=opts.phrasings, pairs_file=pairs_file, language=language,
        pairs_only=bool(opts.pairs_only and pairs_file), tokenizer_path=tokenizer_for(opts.model, ctx.workspace),
        **extra)


def body(state: RunState, opts: RunOptions, ctx: ToolContext, paths: RunPaths) -> BaseModel:
    args = pairs_args(state, opts, ctx, paths)
    found = mixed_languages(args.pairs_file, opts.language)
    if found:
        main = max(sorted(found), key=lambda k: found[k])
        raise ToolFailure(
            FailureKind.needs_user,
            f"Your pairs are in {len(found)} languages ({', '.join(f'{k}: {v}' for k, v in found.items())}).",
            hint="Keep the main language, or every language (the core then answers in all of them).",
            details={"languages": found, "main_language": main})
    actions: list[str] = []
    brain_note = None
    if opts.brain_pass and not args.pairs_only:
        from ...agents.pair_writer import write_brain_pairs

        report = write_brain_pairs(args, Path(paths.dataset_dir) / BRAIN_FILE, ctx)
        if report is not None:
            brain_note = report.model_dump()
            if report.kept:
                args = args.model_copy(update={"brain_pairs_file": report.path})
                actions.append(f"The brain wrote {report.kept} more pairs ({report.dropped} dropped: they named "
                               f"files, symbols or values the repository does not have).")
    try:
        result = call_tool("generate_pairs", args, ctx)
    except ToolFailure as failure:
        if failure.kind != FailureKind.insufficient_data or args.pairs_only:
            raise
        result = _more(args, ctx, failure, actions)
    total = result.train_pairs + result.eval_pairs
    if total < SMALL_DATASET and not args.pairs_only and args.phrasings < MORE_PHRASINGS:
        try:
            bigger = call_tool("generate_pairs", _bigger(args), ctx)
        except ToolFailure:
            bigger = None
        if bigger is not None and bigger.train_pairs + bigger.eval_pairs > total:
            actions.append(f"Only {total} pairs at first: asked each fact in {MORE_PHRASINGS} phrasings and used every "
                           f"category, which gave {bigger.train_pairs + bigger.eval_pairs}.")
            result, total = bigger, bigger.train_pairs + bigger.eval_pairs
    if total < SMALL_DATASET:
        related = related_sources(result)
        actions.append(f"The dataset is small ({total} pairs). Adding related sources helps"
                       + (f": {', '.join(related)}." if related else " (more code, its documentation, your own pairs)."))
    if opts.drop_generic_pairs:  # TEST's fix for generic data
        from ...evals.diagnose import drop_generic

        kept, dropped = drop_generic(Path(result.train_file), state["build"].index.index_path, state["source"].name)
        if dropped:
            actions.append(f"Left out {dropped} generic training pairs (they name nothing of the repository).")
            result = result.model_copy(update={"train_pairs": kept})
    return result.model_copy(update={"actions": actions, "brain": brain_note})


def _bigger(args: GeneratePairsArgs) -> GeneratePairsArgs:
    return args.model_copy(update={"phrasings": MORE_PHRASINGS, "categories": list(CATEGORIES)})


def _more(args: GeneratePairsArgs, ctx: ToolContext, failure: ToolFailure, actions: list[str]) -> GeneratePairsResult:
    """Too few pairs: try again with every category and more phrasings; say what was done either way."""
    before = failure.details.get("pairs", 0)
    if args.phrasings >= MORE_PHRASINGS and set(args.categories) == set(CATEGORIES):
        raise failure
    try:
        result = call_tool("generate_pairs", _bigger(args), ctx)
    except ToolFailure as again:
        if again.kind == FailureKind.insufficient_data:
            again.details["tried"] = [f"every category with {MORE_PHRASINGS} phrasings per fact"]
            again.details.setdefault("pairs", before)
        raise again from None
    actions.append(f"Only {before} pairs at first: asked each fact in {MORE_PHRASINGS} phrasings and used every "
                   f"category, which gave {result.train_pairs + result.eval_pairs}.")
    return result


def related_sources(result: GeneratePairsResult) -> list[str]:
    """Outside packages the repository imports most, as sources worth learning with it."""
    return list(result.stats.external_imports[:3])


def summary(result: Any) -> dict[str, Any]:
    stats = result.stats
    return {"pairs": result.train_pairs + result.eval_pairs, "train": result.train_pairs,
            "held_out": result.eval_pairs, "quality": stats.quality_score, "per_category": stats.per_category,
            "per_origin": stats.per_origin, "grounded": stats.grounded_share, "avg_tokens": stats.avg_tokens,
            "est_train_minutes": stats.est_train_minutes, "secrets_redacted": stats.secrets_redacted,
            "user_pairs": stats.user_pairs, "actions": list(getattr(result, "actions", []))}
