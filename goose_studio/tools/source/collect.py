"""The ``collect_sources`` tool (tab "source", its primary tool): every kind of source into one source folder.

Sources (:mod:`.spec`): git repositories (``URL#REF`` for a branch or tag, ``GITHUB_TOKEN`` for private
ones), local folders, files (pairs, documents, code, ZIP archives, chat exports), Hugging Face datasets
(``hf:OWNER/NAME``) and Quick Recipes (``recipe:NAME``), any number of them.

- One repository or folder alone is cloned or copied exactly as the ``clone`` tool does, into
  ``repos/<name>``; in a plain folder (not a git tree) every file is then ingested as an upload
  (:mod:`.ingest`), in a repository only PDF/DOCX/HTML files are converted to Markdown.
- Anything else builds ``repos/<name>`` from parts: each repository or folder in a sub-folder of its
  own, documents given as files under ``docs/``, code files under ``files/``, an archive unpacked in a
  sub-folder (or as the whole folder when it is the only source). So BUILD and PREPARE see one root.

Pairs found anywhere (the user's own, a chat export's, a dataset's) are written as one alpaca JSON Lines
file (``pairs_file``; the contract is in :mod:`.models`). With several sources, one that cannot be used
(not found, private, unreadable) is skipped with its reason and the others are used; a network failure
or a full disk fails the step (so it is retried), and so does a source given alone. Nothing to learn from
at all is ``insufficient_data`` (the Guide offers Quick Recipes); a table whose columns are unclear, or
pairs in several languages, is ``needs_user`` with the choices in its details.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ...errors import FailureKind, ToolFailure
from ..registry import ToolContext, tool
from .copy import content_hash, install, new_temp_dir, tree_stats
from .filters import by_language, dedupe, languages_of, mixed
from .hfdata import parse_ref
from .hfsource import DatasetFilters, add_dataset
from .ingest import DOCS_DIR, FILES_DIR, Ingest, IngestOptions
from .locate import name_from_source, safe_name
from .models import MAX_INPUTS_LISTED, SourcePart, SourceResult
from .pairsfile import preview, write_pairs
from .recipes import offline_source, recipe, recipes
from .records import parse_mappings
from .spec import Spec, parse_spec
from .tool import CloneArgs, clone

RETRYABLE = (FailureKind.transient, FailureKind.timeout, FailureKind.disk_full)
OFFLINE_KINDS = (FailureKind.missing_dependency, FailureKind.transient, FailureKind.timeout)


class CollectSourcesArgs(BaseModel):
    sources: list[str] = Field(min_length=1, max_length=10_000, description=(
        "What to learn from, any number and kind: git URLs or owner/repo (URL#REF for a branch or tag), "
        "local folders, files (JSON/JSONL/CSV/TSV/Parquet pairs, chat exports, TXT/Markdown/PDF/DOCX/HTML, "
        "source files, ZIP archives), hf:OWNER/NAME datasets (?split=..&config=..), recipe:NAME."))
    branch: str | None = Field(None, description="Branch or tag for git sources that name none.")
    name: str | None = Field(None, description="Folder name inside repos/; derived from the sources if omitted.")
    columns: str | None = Field(None, description="Column mapping for tables: instruction=COL,output=COL[,input=COL]"
                                                  " (';' between mappings for different files).")
    unclear_columns: Literal["ask", "guess"] = Field("ask", description="Tables with unclear columns: ask the "
                                                     "user (needs_user) or take the best guess.")
    language: str | None = Field(None, description="Keep only pairs in this language (ISO code, e.g. en); 'all' "
                                                   "keeps every language without asking.")
    max_rows: int = Field(5000, ge=1, le=1_000_000, description="Most pairs taken from each dataset.")
    min_chars: int = Field(2, ge=0, description="Dataset pairs with a shorter question or answer are filtered out.")
    max_chars: int = Field(20_000, ge=1, description="Dataset pairs longer than this in all are filtered out.")
    pairs_only: bool = Field(False, description="Train on the given pairs alone, even when there is code.")
    depth: int = Field(1, ge=0, description="History depth for git clones; 0 clones the full history.")
    timeout_s: float = Field(600.0, gt=0, description="Time limit for each git clone, in seconds.")
    max_files: int = Field(200_000, ge=1, description="Refuse local folders with more files than this.")
    max_bytes: int = Field(4 * 1024**3, ge=1, description="Refuse local folders larger than this (bytes).")


@dataclass
class Item:
    spec: Spec
    origin: str  # the source as the user gave it (a recipe's sources keep the recipe's name)
    fallback: Spec | None = None


def expand(sources: list[str]) -> list[Item]:
    """The sources as items, each Quick Recipe replaced by its own sources (with its offline alternative)."""
    items: list[Item] = []
    for text in sources:
        spec = parse_spec(text)
        if spec.kind != "recipe":
            items.append(Item(spec, spec.given))
            continue
        found = recipe(spec.where)
        fallback = parse_spec(offline_source(found.offline)) if found.offline else None
        items += [Item(parse_spec(s), spec.given, fallback) for s in found.sources]
    return items


def _missing(spec: Spec) -> ToolFailure:
    return ToolFailure(FailureKind.not_found, f"There is no file or folder at {spec.where}.",
                       hint="Check the path (or pass a git URL, owner/repo, or hf:OWNER/NAME).",
                       details={"source": spec.where})


def _default_name(items: list[Item]) -> str:
    names = []
    for item in items:
        spec = item.spec
        if spec.kind in ("git", "dir", "dataset-dir", "missing"):
            base = name_from_source("git" if spec.kind == "git" else "local", spec.where)
        elif spec.kind == "hf":
            base = spec.where[3:].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        else:
            base = Path(spec.where).stem
        names.append(base or "source")
    origins = list(dict.fromkeys(i.origin for i in items))
    if len(origins) == 1 and origins[0].lower().startswith("recipe:"):
        return origins[0][7:]
    return "-".join(dict.fromkeys(names[:3]))[:60] + (f"-and-{len(names) - 3}-more" if len(names) > 3 else "")


class Collector:
    def __init__(self, args: CollectSourcesArgs, ctx: ToolContext, items: list[Item], name: str,
                 started: float) -> None:
        self.args, self.ctx, self.items, self.name, self.started = args, ctx, items, name, started
        self.opts = IngestOptions(columns=parse_mappings(args.columns), unclear_columns=args.unclear_columns)
        self.filters = DatasetFilters(args.max_rows, args.min_chars, args.max_chars, args.language)
        self.parts: list[SourcePart] = []
        self.errors: list[ToolFailure] = []  # sources skipped for a failure
        self.notes: list[str] = []
        self.used_folders = {DOCS_DIR, FILES_DIR}

    def clone_args(self, spec: Spec, name: str) -> CloneArgs:
        a = self.args
        return CloneArgs(source=spec.where, branch=spec.ref or a.branch, name=name, depth=a.depth,
                         timeout_s=a.timeout_s, max_files=a.max_files, max_bytes=a.max_bytes)

    def progress(self, ing_seen: int) -> None:
        self.ctx.progress(stage=f"reading files ({ing_seen})")

    # ------------------------------------------------------------------------------------------ one repository

    def single(self) -> SourceResult:
        item = self.items[0]
        res = clone(self.clone_args(item.spec, self.name), self.ctx)
        root = Path(res.repo_path)
        ing = Ingest(root, self.opts, self.progress)
        ing.process_tree(root, item.origin, upload=res.source_type == "local")
        self.parts.append(SourcePart(source=res.source, kind=res.source_type, status="used", folder="",
                                     commit=res.commit, files=res.files))
        self.check(ing)
        base = res.model_dump()
        return self.finish(ing, root, base, keep_commit=True)

    # ------------------------------------------------------------------------------------------ parts

    def combined(self) -> SourceResult:
        repos = self.ctx.workspace.repos
        tmp = new_temp_dir(repos, self.name)
        try:
            root = tmp / "root"
            root.mkdir()
            ing = Ingest(root, self.opts, self.progress)
            for i, item in enumerate(self.items, 1):
                self.ctx.progress(stage="collecting", done=i - 1, total=len(self.items))
                self.add(ing, item)
            if self.errors and len(self.errors) == len(self.parts):
                raise self.errors[0]  # not one source could be used: say why the first could not
            self.check(ing)
            final = repos / self.name
            install(root, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        kinds = {p.kind for p in self.parts if p.status == "used"}
        source_type = ("files" if kinds <= {"file"} else "hf-dataset" if kinds == {"hf-dataset"} else "mixed")
        shown = ", ".join(p.source for p in self.parts)
        base = {"repo_path": str(final), "name": self.name, "source": shown[:2000], "source_type": source_type,
                "commit": "", "branch": None, "dirty": False, "files": 0, "bytes": 0}
        return self.finish(ing, final, base, keep_commit=False)

    def add(self, ing: Ingest, item: Item) -> None:
        try:
            self.parts.append(self.part(ing, item.spec, item.origin))
        except ToolFailure as failure:
            if item.fallback is not None and failure.kind in OFFLINE_KINDS:
                self.notes.append(f"{item.spec.given} cannot be fetched here ({failure.message}); learned the "
                                  f"recipe's offline alternative instead")
                self.parts.append(self.part(ing, item.fallback, item.origin))
                return
            if len(self.items) == 1 or failure.kind in RETRYABLE:
                raise
            self.errors.append(failure)
            self.parts.append(SourcePart(source=item.spec.given, kind=_kind_of(item.spec), status="skipped",
                                         failure=failure.to_dict()))
            ing.note(item.spec.given, item.origin, "repository" if item.spec.kind in ("git", "dir") else "other",
                     item.spec.kind, "skipped", f"{failure.message} {failure.hint}".strip())

    def folder_for(self, spec: Spec) -> str:
        base = safe_name(name_from_source("git" if spec.kind == "git" else "local", spec.where) or "source")
        sub, n = base, 2
        while sub.lower() in self.used_folders:
            sub, n = f"{base}-{n}", n + 1
        self.used_folders.add(sub.lower())
        return sub

    def part(self, ing: Ingest, spec: Spec, origin: str) -> SourcePart:
        before = len(ing.pairs)
        if spec.kind == "missing":
            raise _missing(spec)
        if spec.kind in ("hf", "dataset-dir"):
            ref = parse_ref(spec.where if spec.kind == "hf" else "hf:" + spec.where)
            pairs = add_dataset(ing, ref, origin, self.filters)
            ok = pairs > 0 or ing.inputs[-1].status != "skipped"
            return SourcePart(source=ref.shown, kind="hf-dataset", status="used" if ok else "skipped", pairs=pairs,
                              failure=None if ok else {"kind": "insufficient_data", "message": ing.inputs[-1].reason})
        if spec.kind == "file":
            seen = len(ing.inputs)
            ing.add_file(Path(spec.where), origin, shown=spec.given, single=len(self.items) == 1)
            mine = ing.inputs[seen:]
            ok = any(r.status != "skipped" for r in mine)
            return SourcePart(source=spec.given, kind="file", status="used" if ok else "skipped",
                              pairs=len(ing.pairs) - before,
                              failure=None if ok else {"kind": "insufficient_data", "message": mine[0].reason or ""})
        sub = self.folder_for(spec)
        tmp_name = safe_name(f"{self.name}-part-{uuid.uuid4().hex[:8]}")
        res = clone(self.clone_args(spec, tmp_name), self.ctx)
        copy = Path(res.repo_path)
        try:
            os.replace(copy, ing.root / sub)
        finally:
            shutil.rmtree(copy, ignore_errors=True)
        ing.note(res.source, origin, "repository", res.source_type, "used", f"{res.files} file(s)", placed=sub)
        ing.process_tree(ing.root / sub, origin, upload=res.source_type == "local", prefix=f"{sub}/")
        return SourcePart(source=res.source, kind=res.source_type, status="used", folder=sub, commit=res.commit,
                          files=res.files, pairs=len(ing.pairs) - before)

    # ------------------------------------------------------------------------------------------ the end

    def check(self, ing: Ingest) -> None:
        """Raise what the user must decide (unclear columns, mixed languages) or fill (nothing to learn)."""
        if ing.unclear:
            raise unclear_failure(ing, self.args.columns)
        if not (ing.pairs or ing.documents or ing.code_files):
            raise nothing_failure(ing)
        if ing.pairs and not self.args.language:
            langs = languages_of(ing.pairs)
            both = mixed(langs)
            if both:
                raise mixed_failure(langs, *both)

    def finish(self, ing: Ingest, root: Path, base: dict, keep_commit: bool) -> SourceResult:
        pairs, repeats = dedupe(ing.pairs)
        if repeats:
            self.notes.append(f"removed {repeats} repeated pair(s)")
        if self.args.language and self.args.language.lower() != "all":
            pairs, foreign = by_language(pairs, self.args.language)
            if foreign:
                self.notes.append(f"left out {foreign} pair(s) not in language '{self.args.language}'")
        ws = self.ctx.workspace
        pairs_path = ws.data / "sources" / safe_name(self.ctx.run_id or self.name) / "pairs.jsonl"
        secrets = 0
        if pairs:
            secrets = write_pairs(pairs, pairs_path)
            if secrets:
                self.notes.append(f"replaced {secrets} secret(s) in the pairs with placeholders")
        else:
            pairs_path.unlink(missing_ok=True)
        files, size = tree_stats(root)
        commit = base["commit"] if keep_commit else content_hash(root)
        if pairs:
            digest = hashlib.sha256((commit + hashlib.sha256(pairs_path.read_bytes()).hexdigest()).encode())
            commit = "sha256:" + digest.hexdigest()
        counts = Counter(r.status for r in ing.inputs)
        return SourceResult(**{**base, "commit": commit, "files": files, "bytes": size,
                               "duration_s": round(time.monotonic() - self.started, 3)},
                            pairs_file=str(pairs_path) if pairs else None, pairs=len(pairs),
                            documents=ing.documents, code_files=ing.code_files,
                            index_optional=bool(pairs or ing.documents),
                            pairs_only=self.args.pairs_only or bool(pairs and not ing.documents and not ing.code_files),
                            parts=self.parts, inputs=ing.inputs[:MAX_INPUTS_LISTED], inputs_total=len(ing.inputs),
                            counts=dict(counts), languages=dict(languages_of(pairs)) if pairs else {},
                            preview=preview(pairs), notes=self.notes, secrets_redacted=secrets)


def _kind_of(spec: Spec) -> str:
    return {"hf": "hf-dataset", "dataset-dir": "hf-dataset", "git": "git", "dir": "local"}.get(spec.kind, "file")


def unclear_failure(ing: Ingest, columns: str | None) -> ToolFailure:
    u = ing.unclear[0]
    keep = f"{columns};" if columns else ""  # earlier answers stay, for the other files
    return ToolFailure(
        FailureKind.needs_user,
        f"The columns of {u.path} do not say which holds the questions and which the answers ({u.reason}). "
        f"The studio guesses {u.guess}; the other reading is {u.alternative}.",
        hint="Choose the guess, the other reading, or name the columns: instruction=COLUMN,output=COLUMN.",
        details={"file": u.path, "columns": u.columns, "guess": keep + u.guess, "alternative": keep + u.alternative,
                 "sample": u.sample, "unclear_files": [x.path for x in ing.unclear][:20]})


def nothing_failure(ing: Ingest) -> ToolFailure:
    skipped = [r for r in ing.inputs if r.status == "skipped"]
    return ToolFailure(
        FailureKind.insufficient_data,
        "The source has nothing to learn from: no code, no documents and no question/answer pairs"
        + (f" ({len(skipped)} input(s) skipped)." if skipped else "."),
        hint="Give files with text, code or pairs, or start from a Quick Recipe (goose-studio sources recipes).",
        details={"skipped": [{"path": r.path, "reason": r.reason} for r in skipped[:20]],
                 "recipes": list(recipes())})


def mixed_failure(langs: Counter, main: str, second: str) -> ToolFailure:
    shown = ", ".join(f"{k} {v}" for k, v in langs.most_common(6))
    return ToolFailure(
        FailureKind.needs_user,
        f"The pairs are in several languages ({shown}).",
        hint=f"Keep the pairs in '{main}' only, keep every language, or give another source.",
        details={"languages": dict(langs), "main_language": main, "second_language": second})


@tool("collect_sources", tab="source", primary=True, open_world=True)
def collect_sources(args: CollectSourcesArgs, ctx: ToolContext) -> SourceResult:
    """Bring every source into one source folder: repositories, folders, files, datasets, Quick Recipes.

    Returns the folder (as ``clone`` does) plus the user's pairs (``pairs_file``, alpaca JSON Lines) and what
    became of each input: used, converted, or skipped with its reason.
    """
    started = time.monotonic()
    items = expand(args.sources)
    name = safe_name(args.name) if args.name else safe_name(_default_name(items) or "source")
    collector = Collector(args, ctx, items, name, started)
    ctx.progress(stage="collecting", status="started", sources=len(items), name=name)
    if len(items) == 1 and items[0].fallback is None and items[0].spec.kind in ("git", "dir"):
        result = collector.single()
    else:
        result = collector.combined()
    ctx.progress(stage="collecting", status="done", files=result.files, pairs=result.pairs,
                 skipped=result.counts.get("skipped", 0))
    return result
