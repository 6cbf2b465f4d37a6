"""Parsing many files: in worker processes (fork, Linux only) when there are enough of them to pay for it,
else in this process. The result does not depend on the number of workers."""

from __future__ import annotations

import os
import sys
from typing import Callable

from ..index_models import FileIndex
from .parse import Job, index_file

PARALLEL_MIN_FILES = 64
PARALLEL_MIN_BYTES = 512_000
MAX_WORKERS = 8
PROGRESS_EVERY = 50


def _parse_chunk(chunk: list[Job]) -> list[bytes]:
    """Worker side: parse a chunk of files; the results travel back as JSON (cheaper than pickling models)."""
    return [index_file(job).model_dump_json().encode("utf-8") for job in chunk]


def auto_workers(jobs: list[Job]) -> int:
    """How many processes to parse ``jobs`` with: 1 for little work or off Linux, else up to the CPUs."""
    if not sys.platform.startswith("linux"):  # fork is only cheap and safe enough on Linux
        return 1
    if len(jobs) < PARALLEL_MIN_FILES or sum(len(j[3]) for j in jobs) < PARALLEL_MIN_BYTES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, len(jobs) // (PARALLEL_MIN_FILES // 2)))


def _chunks(jobs: list[Job], n_chunks: int) -> list[list[Job]]:
    """Consecutive chunks of about equal byte size (order kept)."""
    budget = max(1, sum(len(j[3]) for j in jobs) // n_chunks)
    chunks: list[list[Job]] = [[]]
    size = 0
    for job in jobs:
        if size >= budget and chunks[-1]:
            chunks.append([])
            size = 0
        chunks[-1].append(job)
        size += len(job[3])
    return chunks


def parse_jobs(jobs: list[Job], workers: int | None, done: Callable[[int], None]) -> list[FileIndex]:
    """Parse every job, in several processes when that pays; results in the order of ``jobs``."""
    n = auto_workers(jobs) if workers is None else max(1, workers)
    if n > 1 and len(jobs) > 1:
        results = _parse_parallel(jobs, n, done)
        if results is not None:
            return results
    out: list[FileIndex] = []
    for k, job in enumerate(jobs, 1):
        out.append(index_file(job))
        if k % PROGRESS_EVERY == 0 or k == len(jobs):
            done(k)
    return out


def _parse_parallel(jobs: list[Job], workers: int, done: Callable[[int], None]) -> list[FileIndex] | None:
    """None when the process pool cannot be used; the caller then parses in this process."""
    import multiprocessing
    import warnings
    from concurrent.futures import ProcessPoolExecutor

    try:
        mp = multiprocessing.get_context("fork")
    except ValueError:
        return None
    out: list[FileIndex] = []
    try:
        with warnings.catch_warnings():
            # the children only parse and serialise; no lock of another thread is taken there
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            with ProcessPoolExecutor(max_workers=workers, mp_context=mp) as pool:
                for chunk in pool.map(_parse_chunk, _chunks(jobs, workers * 4)):
                    out.extend(FileIndex.model_validate_json(raw) for raw in chunk)
                    done(len(out))
    except Exception:  # a broken pool (killed worker, no /dev/shm, ...) or a failure that the serial path reports
        return None
    return out
