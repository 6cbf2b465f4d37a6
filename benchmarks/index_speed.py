"""How fast ``index_code`` indexes a repository, against raw tree-sitter parsing.

Usage::

    python benchmarks/index_speed.py [REPO_DIR ...] [--repeat N]

Without a directory, the sources of two libraries installed next to the studio (``huggingface_hub`` and
``peft``, a few hundred Python files) are used. Every directory is first copied into a temporary folder
(file times kept), so the index file is written there and never into site-packages.

Figures printed:
  (a) raw parse: each file's bytes (read beforehand) parsed with the indexer's own parser, nothing else;
  (b) first index: ``build_index(force=True)`` — walk, read, hash, parse, extract, write the index —
      with the worker processes it picks on this machine, and again in one process; "index throughput"
      is (b)'s files/s over (a)'s (target >= 0.8x);
  (c) re-index of the unchanged copy, and its speed-up over (b) (target >= 10x).
Each is the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from goose_studio.tools.code_index import build_index, get_parser  # noqa: E402
from goose_studio.tools.code_index.parallel import auto_workers  # noqa: E402
from goose_studio.tools.code_index.scan import scan_repo  # noqa: E402

DEFAULT_PACKAGES = ("huggingface_hub", "peft")


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name} is not installed; pass a directory instead")
    return Path(next(iter(spec.submodule_search_locations)))


def _copy(sources: list[Path], dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".studio-index.json")
    for src in sources:
        shutil.copytree(src, dest / src.name, ignore=ignore, copy_function=shutil.copy2)


def _best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    opts = ap.parse_args()
    sources = opts.repos or [_package_dir(p) for p in DEFAULT_PACKAGES]

    with tempfile.TemporaryDirectory(prefix="index-speed-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        _copy(sources, repo)
        scan = scan_repo(repo, 512_000, True)
        blobs = [(c.language, Path(c.path).read_bytes()) for c in scan.candidates]
        total_bytes = sum(len(b) for _, b in blobs)
        parsers = {lang: get_parser(lang) for lang in {lang for lang, _ in blobs}}

        def raw_parse() -> None:
            for lang, data in blobs:
                parsers[lang].parse(data)

        def first_index():
            return build_index(repo, force=True)

        def first_index_serial():
            return build_index(repo, force=True, workers=1)

        def reindex():
            return build_index(repo)

        raw_parse()  # warm-up: grammars loaded, caches hot
        t_raw, _ = _best(raw_parse, opts.repeat)
        t_first, (index, stats_first) = _best(first_index, opts.repeat)
        t_serial, _ = _best(first_index_serial, opts.repeat)
        workers = auto_workers([(c.rel, c.language, c.is_test, b, "", 0)
                                for c, (_, b) in zip(scan.candidates, blobs)])
        t_re, (_, stats_re) = _best(reindex, max(opts.repeat, 5))

        n = len(blobs)
        raw_fps, first_fps, re_fps = n / t_raw, n / t_first, n / t_re
        langs = ", ".join(f"{k} {v}" for k, v in index.languages.items())
        print(f"repository: {', '.join(str(s) for s in sources)}")
        print(f"files: {n} ({langs}), {total_bytes / 1e6:.2f} MB, symbols: {stats_first.symbols}")
        print(f"re-index: reparsed={stats_re.reparsed} cached={stats_re.cached} written={stats_re.written}")
        print()
        print(f"{'measure':<34}{'seconds':>10}{'files/s':>12}{'MB/s':>9}")
        print("-" * 65)
        for label, t in (("(a) raw tree-sitter parse", t_raw),
                         (f"(b) first index, {workers} process(es)", t_first),
                         ("    first index, 1 process", t_serial),
                         ("(c) re-index, unchanged", t_re)):
            print(f"{label:<34}{t:>10.3f}{n / t:>12.0f}{total_bytes / 1e6 / t:>9.2f}")
        print("-" * 65)
        print(f"index throughput = {first_fps / raw_fps:.2f}x raw   (target >= 0.8x; "
              f"{t_raw / t_serial:.2f}x in 1 process; raw parse uses 1 process)")
        print(f"re-index speed-up = {t_first / t_re:.1f}x first   (target >= 10x)")
        sizes = sorted(len(b) for _, b in blobs)
        print(f"file size median {statistics.median(sizes) / 1e3:.1f} kB, max {sizes[-1] / 1e3:.1f} kB; "
              f"re-index {re_fps:.0f} files/s")


if __name__ == "__main__":
    main()
