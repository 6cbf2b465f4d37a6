"""PREPARE on a small real library: an installed pure-Python package copied from site-packages (with its
README taken from the package metadata), indexed, and turned into pairs by generate_pairs.

Prints: pairs written, per category and per origin, grounded share, exact duplicates, held-out leakage
(a file, an instruction or an answer on both sides), and the generation speed (pairs generated per
second, index excluded).

Targets: >= 1,000 pairs/s; >= 300 pairs across >= 5 categories; >= 95% grounded; 0 duplicates; 0 leaks.
Usage: .venv/bin/python benchmarks/pairs_real.py [--package tenacity] [--max-pairs 400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from goose_studio.tools.code_index import build_index
from goose_studio.tools.pairs import GeneratePairsArgs, generate_pairs
from goose_studio.tools.pairs.text import norm
from goose_studio.tools.registry import ToolContext
from goose_studio.workspace import Workspace


def copy_package(name: str, dest: Path) -> Path:
    """The package's source folder and a README.md from its metadata's long description, under ``dest``."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not an installed package")
    src = Path(list(spec.submodule_search_locations)[0])
    root = dest / name
    shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"))
    try:
        meta = importlib.metadata.metadata(name)
        body = meta.get_payload() if hasattr(meta, "get_payload") else ""  # type: ignore[attr-defined]
        body = body or meta.get("Description", "")
    except importlib.metadata.PackageNotFoundError:
        body = ""
    if body.strip():
        (root / "README.md").write_text(body)
    return root


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--package", default="tenacity")
    ap.add_argument("--max-pairs", type=int, default=400)
    ap.add_argument("--phrasings", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3, help="timed generations (the median is reported)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="gs-pairs-real-"))
    root = copy_package(args.package, work)
    build_index(root)
    lines = sum(len(p.read_text(errors="replace").splitlines()) for p in root.rglob("*.py"))
    ctx = ToolContext(workspace=Workspace(work / "ws"))
    times, result = [], None
    for i in range(args.repeat):
        start = time.perf_counter()
        result = generate_pairs(GeneratePairsArgs(repo_path=str(root), out_dir=str(work / f"out{i}"),
                                                  repo_name=args.package, max_pairs=args.max_pairs,
                                                  phrasings=args.phrasings, seconds_per_1k_tokens=5.0), ctx)
        times.append(time.perf_counter() - start)
    assert result is not None
    train = [json.loads(x) for x in Path(result.train_file).read_text().splitlines()]
    held = [json.loads(x) for x in Path(result.eval_file).read_text().splitlines()]
    rows = train + held
    seconds = statistics.median(times)
    leaks = {
        "files": len({r["group"] for r in train if r["group"]} & {r["group"] for r in held if r["group"]}),
        "instructions": len({norm(r["instruction"]) for r in train} & {norm(r["instruction"]) for r in held}),
        "answers": len({norm(r["output"]) for r in train} & {norm(r["output"]) for r in held}),
    }
    report = {
        "package": args.package, "python_lines": lines, "doc_files": result.stats.doc_files,
        "pairs": len(rows), "train": len(train), "held_out": len(held),
        "categories": sum(1 for n in result.stats.per_category.values() if n),
        "per_category": {k: v for k, v in result.stats.per_category.items() if v},
        "per_origin": result.stats.per_origin, "grounded_share": result.stats.grounded_share,
        "knowledge_share": result.stats.knowledge_share, "quality_score": result.stats.quality_score,
        "exact_duplicates": len(rows) - len({norm(r["instruction"]) for r in rows}),
        "leaks": leaks, "candidates": result.stats.candidates, "seconds": round(seconds, 3),
        "candidates_per_s": round(result.stats.candidates / seconds), "written_per_s": round(len(rows) / seconds),
    }
    print(json.dumps(report, indent=2))
    ok = (report["candidates_per_s"] >= 1000 and len(rows) >= 300 and report["categories"] >= 5
          and report["grounded_share"] >= 0.95 and report["exact_duplicates"] == 0 and not any(leaks.values()))
    print(f"{args.package}: {len(rows)} pairs in {report['categories']} categories, grounded "
          f"{report['grounded_share']:.1%}, {report['candidates_per_s']} pairs/s generated -> "
          f"{'targets met' if ok else 'TARGETS MISSED'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
