"""The ``index_code`` tool (tab "build") and :func:`build_index`, which it runs.

:func:`build_index` walks the repository, takes every unchanged file from the cached index, reads,
checks and hashes the rest, parses those whose content changed (in worker processes when that pays), and
writes the index when it differs from the cached one. A file whose size and ``mtime_ns`` match its cached
entry is reused without being read; an mtime within :data:`RACY_MTIME_NS` of the run is stored as 0, so
the file is hashed next time and a same-second edit is never missed. Files read here are skipped as
``unreadable`` on an OS error and ``binary`` when a NUL byte shows up in the first
:data:`BINARY_PROBE_BYTES`; the index lists at most :data:`MAX_SKIPPED_LISTED` skipped files.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, Field

from ..index_models import INDEX_FILENAME, CodeIndex, FileIndex, SkippedFile
from ..registry import ToolContext, tool
from .cache import read_cache, store, workspace_index_path
from .extract import EXTRACTOR_VERSION
from .parallel import parse_jobs
from .parse import Job
from .scan import check_repo, header_language, no_source_failure, scan_repo

MAX_SKIPPED_LISTED = 500
BINARY_PROBE_BYTES = 8192
RACY_MTIME_NS = 2_000_000_000


@dataclass
class IndexStats:
    """What one :func:`build_index` call did."""

    index_path: str
    files: int
    symbols: int
    reparsed: int  # files parsed in this call
    cached: int  # files reused from the cached index
    skipped_total: int
    tests_excluded: int
    files_with_parse_errors: int
    written: bool  # False when the index on disk was already up to date
    duration_s: float


def build_index(
    repo_path: str | os.PathLike[str],
    *,
    max_file_bytes: int = 512_000,
    include_tests: bool = True,
    force: bool = False,
    index_path: str | os.PathLike[str] | None = None,
    fallback_index_path: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    allow_empty: bool = False,
) -> tuple[CodeIndex, IndexStats]:
    """Index ``repo_path`` and write the index (default ``<repo>/.studio-index.json``).

    Unchanged files are taken from the previous index unless ``force``. When the index cannot be written
    where asked for lack of permission and ``fallback_index_path`` is given, it is written there (and read
    back from there next time). ``workers``: processes used to parse (None: chosen from the amount of work
    and the CPUs; 1: parse in this process). With ``allow_empty`` a repository without a readable source
    file gets an empty index instead of the ``insufficient_data`` failure. Raises :class:`ToolFailure` only.
    """
    t0 = time.perf_counter()
    now_ns = time.time_ns()
    repo = check_repo(repo_path)
    target = Path(index_path) if index_path is not None else repo / INDEX_FILENAME
    fallback = Path(fallback_index_path) if fallback_index_path is not None else None

    scan = scan_repo(repo, max_file_bytes, include_tests)
    if not scan.candidates and not allow_empty:
        raise no_source_failure(repo, scan, include_tests)

    found = None if force else read_cache([target] + ([fallback] if fallback else []))
    previous, previous_path = found if found else (None, None)
    cached_files = {f.path: f for f in previous.files} if previous else {}

    slots: list[FileIndex | None] = []
    jobs: list[tuple[int, Job]] = []
    skipped = list(scan.skipped)
    cached = 0
    for cand in scan.candidates:
        entry = cached_files.get(cand.rel)
        usable = entry is not None and entry.is_test == cand.is_test and (
            entry.language == cand.language or (cand.header and entry.language in ("c", "cpp")))
        if usable and entry.mtime_ns and entry.mtime_ns == cand.mtime_ns and entry.size == cand.size:
            slots.append(entry)
            cached += 1
            continue
        try:
            with open(cand.path, "rb") as fh:
                data = fh.read()
        except OSError:
            skipped.append(SkippedFile(path=cand.rel, reason="unreadable", size=cand.size))
            continue
        if b"\0" in data[:BINARY_PROBE_BYTES]:
            skipped.append(SkippedFile(path=cand.rel, reason="binary", size=len(data)))
            continue
        language = header_language(data, scan.cpp_project) if cand.header else cand.language
        sha = hashlib.sha256(data).hexdigest()
        mtime_ns = cand.mtime_ns if cand.mtime_ns < now_ns - RACY_MTIME_NS else 0
        if usable and entry.sha256 == sha and entry.size == len(data) and entry.language == language:
            slots.append(entry if entry.mtime_ns == mtime_ns else entry.model_copy(update={"mtime_ns": mtime_ns}))
            cached += 1
        else:
            jobs.append((len(slots), (cand.rel, language, cand.is_test, data, sha, mtime_ns)))
            slots.append(None)
    total = len(slots)
    if progress is not None and cached:
        progress(cached, total)

    def parsed(done: int) -> None:
        if progress is not None:
            progress(cached + done, total)

    for (slot, _), file_index in zip(jobs, parse_jobs([job for _, job in jobs], workers, parsed)):
        slots[slot] = file_index
    files = [f for f in slots if f is not None]
    reparsed = len(jobs)

    if not files and not allow_empty:
        scan.skipped = skipped
        raise no_source_failure(repo, scan, include_tests)

    skipped.sort(key=lambda s: s.path)
    languages = Counter(f.language for f in files)
    index = CodeIndex(
        repo_root=str(repo),
        files=files,
        skipped=skipped[:MAX_SKIPPED_LISTED],
        skipped_total=len(skipped),
        languages=dict(sorted(languages.items())),
        extractor_version=EXTRACTOR_VERSION,
    )
    if previous is not None and previous_path is not None and index == previous:
        written_to, written = previous_path, False
    else:
        written_to, written = store(index, target, fallback), True
    stats = IndexStats(
        index_path=str(written_to),
        files=len(files),
        symbols=sum(len(f.symbols) for f in files),
        reparsed=reparsed,
        cached=cached,
        skipped_total=len(skipped),
        tests_excluded=scan.tests_excluded,
        files_with_parse_errors=sum(1 for f in files if f.parse_errors),
        written=written,
        duration_s=round(time.perf_counter() - t0, 4),
    )
    return index, stats


class IndexCodeArgs(BaseModel):
    repo_path: str = Field(description="The repository's root directory.")
    max_file_bytes: int = Field(512_000, ge=1, description="Larger source files are skipped (too_large).")
    include_tests: bool = Field(True, description="Index test files too (they are flagged is_test).")
    force: bool = Field(False, description="Ignore the cached index and parse every file again.")
    allow_empty: bool = Field(False, description="Write an empty index instead of failing when there is no source "
                                                 "file (a source of documents or pairs only).")


class IndexCodeResult(BaseModel):
    index_path: str
    files: int  # files indexed
    symbols: int
    languages: dict[str, int]
    skipped: list[SkippedFile]  # the first MAX_SKIPPED_LISTED, sorted by path
    skipped_total: int
    tests_excluded: int
    files_with_parse_errors: int
    reparsed: int  # files parsed in this call
    cached: int  # files reused from the cached index
    duration_s: float


@tool("index_code", tab="build", primary=True, idempotent=True)
def index_code(args: IndexCodeArgs, ctx: ToolContext) -> IndexCodeResult:
    """Parse a repository with tree-sitter into a code index of files, imports, classes, functions and methods.

    Reads Python, JavaScript, TypeScript/TSX, Go, Rust, Java, Ruby and C/C++. The index is written to
    ``<repo>/.studio-index.json`` (or the workspace cache when the repository is read-only); unchanged
    files are reused from it on the next call.
    """
    repo = check_repo(args.repo_path)

    def report(done: int, total: int) -> None:
        ctx.progress(files_done=done, files_total=total)

    index, stats = build_index(
        repo,
        max_file_bytes=args.max_file_bytes,
        include_tests=args.include_tests,
        force=args.force,
        fallback_index_path=workspace_index_path(ctx.workspace.cache, repo),
        progress=report,
        allow_empty=args.allow_empty,
    )
    return IndexCodeResult(
        index_path=stats.index_path,
        files=stats.files,
        symbols=stats.symbols,
        languages=dict(index.languages),
        skipped=list(index.skipped),
        skipped_total=stats.skipped_total,
        tests_excluded=stats.tests_excluded,
        files_with_parse_errors=stats.files_with_parse_errors,
        reparsed=stats.reparsed,
        cached=stats.cached,
        duration_s=stats.duration_s,
    )
