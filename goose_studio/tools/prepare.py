"""The ``prepare`` tool: SOURCE and PREPARE alone — fetch the sources, index the code, build the pairs —
and write them where the caller asks, in LLaMA-Factory's format, with the data quality dashboard's figures.

``out`` names the training file (``data.jsonl``); the held-out pairs go beside it (``data.eval.jsonl``),
with ``dataset_info.json`` registering both (as ``<stem>`` and ``<stem>_eval``) and ``<stem>.stats.json``
holding the dashboard. The work folder is ``data/prepared/<name>`` in the workspace. No model is asked:
the brain pass belongs to ``learn``'s PREPARE step.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..errors import FailureKind, ToolFailure, disk_full_from_oserror
from ..workspace import slugify, write_json
from .pairs import GeneratePairsArgs, PairStats, generate_pairs
from .pairs.tool import EVAL_FILE, TRAIN_FILE
from .registry import REGISTRY, ToolContext, call_tool, tool


class PrepareArgs(BaseModel):
    sources: list[str] = Field(min_length=1, description="Repositories, folders, files or datasets to learn from.")
    out: str = Field(description="The training pairs file to write (JSON Lines); the held-out pairs, "
                                 "dataset_info.json and the stats go beside it.")
    name: str | None = Field(None, description="Dataset name; the first source's name by default.")
    branch: str | None = Field(None, description="Git branch to clone.")
    min_pairs: int = Field(1, ge=1, description="Fewer pairs than this is an insufficient_data failure.")
    max_pairs: int = Field(400, ge=1, description="Most pairs to keep (the user's own pairs are never dropped).")
    phrasings: int = Field(3, ge=1, le=8, description="Questions asked per fact.")
    seed: int = Field(0, description="Changes the held-out files and the cap's choice.")
    held_out_ratio: float = Field(0.1, gt=0.0, le=0.5, description="Share of pairs held out for evaluation.")
    tokenizer_path: str | None = Field(None, description="A local tokenizer folder for exact token counts.")
    language: str | None = Field(None, description="Keep only the user's pairs in this language ('all': every one).")


class PrepareResult(BaseModel):
    out: str
    eval_file: str
    dataset_info_path: str
    stats_path: str
    dataset_name_train: str
    dataset_name_eval: str
    train_pairs: int
    eval_pairs: int
    source: dict[str, Any] = Field(description="What SOURCE fetched: its folder, files, the user's pairs.")
    stats: PairStats
    actions: list[str] = Field(default_factory=list)


def _fetch(args: PrepareArgs, ctx: ToolContext) -> BaseModel:
    if "collect_sources" in REGISTRY:
        fields = REGISTRY["collect_sources"].args_model.model_fields
        given = {"sources": args.sources, "branch": args.branch, "name": args.name, "language": args.language}
        return call_tool("collect_sources", {k: v for k, v in given.items() if k in fields and v is not None}, ctx)
    return call_tool("clone", {"source": args.sources[0], "branch": args.branch, "name": args.name}, ctx)


@tool("prepare", tab="prepare", idempotent=True)
def prepare(args: PrepareArgs, ctx: ToolContext) -> PrepareResult:
    """Fetch the sources and build their training pairs (SOURCE and PREPARE alone), written to ``out``."""
    src = _fetch(args, ctx)
    repo_path = getattr(src, "repo_path")
    index = call_tool("index_code", {"repo_path": repo_path, "allow_empty": True}, ctx)
    name = args.name or getattr(src, "name", None) or Path(repo_path).name
    work = ctx.workspace.data / "prepared" / slugify(name, "dataset")
    pairs_file = getattr(src, "pairs_file", None)
    language = args.language if args.language and args.language != "all" else None
    result = generate_pairs(GeneratePairsArgs(
        repo_path=repo_path, index_path=index.index_path, out_dir=str(work), repo_name=name, seed=args.seed,
        held_out_ratio=args.held_out_ratio, min_pairs=args.min_pairs, max_pairs=max(args.max_pairs, args.min_pairs),
        phrasings=args.phrasings, tokenizer_path=args.tokenizer_path, pairs_file=pairs_file, language=language,
        pairs_only=bool(getattr(src, "pairs_only", False) and pairs_file)), ctx)
    out = Path(args.out).expanduser()
    if out.suffix != ".jsonl":
        raise ToolFailure(FailureKind.invalid_input, f"{out} should end in .jsonl (the pairs are JSON Lines).",
                          hint="Pass --out data.jsonl or another name ending in .jsonl.", details={"out": str(out)})
    eval_out = out.with_name(out.stem + ".eval.jsonl")
    stats_out = out.with_name(out.stem + ".stats.json")
    info_out = out.with_name("dataset_info.json")
    name_train = slugify(out.stem, "data").replace("-", "_")
    columns = {"prompt": "instruction", "query": "input", "response": "output"}
    info = {name_train: {"file_name": out.name, "formatting": "alpaca", "columns": dict(columns)},
            f"{name_train}_eval": {"file_name": eval_out.name, "formatting": "alpaca", "columns": dict(columns)}}
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / TRAIN_FILE, out)
        shutil.copyfile(work / EVAL_FILE, eval_out)
        existing = json.loads(info_out.read_text()) if info_out.is_file() else {}
        write_json(info_out, {**(existing if isinstance(existing, dict) else {}), **info})
        write_json(stats_out, {**result.stats.model_dump(mode="json"), "train_pairs": result.train_pairs,
                               "eval_pairs": result.eval_pairs})
    except (OSError, ValueError) as exc:
        failure = disk_full_from_oserror(exc, str(out)) if isinstance(exc, OSError) else None
        if failure:
            raise failure from exc
        raise ToolFailure(FailureKind.invalid_input, f"Cannot write the pairs to {out}: {exc}",
                          hint="Choose a folder you can write to.", details={"out": str(out)}) from None
    fetched = {k: getattr(src, k) for k in ("repo_path", "name", "source", "source_type", "files", "pairs",
                                            "pairs_file", "documents", "code_files") if hasattr(src, k)}
    return PrepareResult(out=str(out.resolve()), eval_file=str(eval_out.resolve()), dataset_info_path=str(info_out),
                         stats_path=str(stats_out), dataset_name_train=name_train,
                         dataset_name_eval=f"{name_train}_eval", train_pairs=result.train_pairs,
                         eval_pairs=result.eval_pairs, source=fetched, stats=result.stats, actions=result.actions)
