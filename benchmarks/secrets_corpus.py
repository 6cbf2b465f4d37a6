"""How well and how fast the studio's secret detector (``goose_studio.secrets``) finds credentials.

Usage::

    python benchmarks/secrets_corpus.py [--repeat N] [--libraries] [--json]

Figures printed:
  (a) recall on the planted-secrets corpus of ``tests/secrets/secrets_helpers.py``: every kind of key and
      token in seven syntaxes (Python, JavaScript, YAML, .env, JSON, shell, Markdown) plus the same
      credentials in other places (comments, docstrings, prose, command lines, headers, other languages);
      a sample counts as found when it has a finding and no secret value survives ``redact``; per kind, and
      overall (target: 100%);
  (b) false positives: findings on the project's own sample data (the example repository, README,
      ARCHITECTURE, the test fixtures in tests/conftest.py), on the pairs ``generate_pairs`` writes for the
      example repository, and on look-alike lines (placeholders, references, digests); target 0. Also
      shown, not a target: findings on the studio's own source (goose_studio/), and with ``--libraries``
      on the Python sources of a few installed libraries (most findings there are real test tokens);
  (c) throughput of ``scan``: characters per second on the example's pair texts (the workload of
      PREPARE, each text scanned on its own) and on whole source files, best of ``--repeat`` runs in CPU
      time, and the cost of one call on a short line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "secrets"))

from goose_studio.secrets import redact, scan  # noqa: E402
from secrets_helpers import NEGATIVES, corpus, in_context  # noqa: E402

EXAMPLE = ROOT / "goose_studio" / "examples" / "minitask"
LIBRARIES = ("requests", "pydantic", "huggingface_hub", "httpx", "fastapi", "peft")


def recall() -> dict:
    per_kind: dict[str, list[int]] = {}
    missed = []
    samples = corpus() + in_context()
    for s in samples:
        out = redact(s.text, where=s.where)
        ok = bool(out.findings) and not any(v in out.text for v in s.values)
        hit = per_kind.setdefault(s.kind, [0, 0])
        hit[0] += ok
        hit[1] += 1
        if not ok:
            missed.append(f"{s.kind}/{s.syntax}")
    found = sum(h[0] for h in per_kind.values())
    return {"samples": len(samples), "found": found, "recall": found / len(samples),
            "kinds": len({s.kind for s in corpus()}), "per_kind": per_kind, "missed": missed}


def _files(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
            and p.suffix not in (".pyc", ".png", ".jpg", ".gcpkg", ".safetensors", ".bin", ".db", ".sqlite")]


def _findings(paths: list[Path]) -> tuple[int, list[str]]:
    shown, chars = [], 0
    for p in paths:
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        chars += len(text)
        shown += [f"{p.relative_to(p.anchor)}:{f.line} {f.kind}" for f in scan(text, where=str(p))]
    return chars, shown


def example_pairs(workdir: Path) -> list[tuple[str, str]]:
    """(text, source) of every instruction and answer ``generate_pairs`` writes for the example repository."""
    from goose_studio.tools.code_index import build_index
    from goose_studio.tools.pairs import GeneratePairsArgs, generate_pairs
    from goose_studio.tools.registry import ToolContext
    from goose_studio.workspace import Workspace

    repo = workdir / "minitask"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    build_index(repo)
    result = generate_pairs(GeneratePairsArgs(repo_path=str(repo), out_dir=str(workdir / "out")),
                            ToolContext(workspace=Workspace(workdir / "ws")))
    texts = []
    for path in (result.train_file, result.eval_file):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            texts += [(record["instruction"], record["source"]), (record["output"], record["source"])]
    return texts


def false_positives(workdir: Path, libraries: bool) -> dict:
    sample = _files(EXAMPLE) + [ROOT / "README.md", ROOT / "ARCHITECTURE.md", ROOT / "tests" / "conftest.py"]
    chars, hits = _findings(sample)
    pairs = example_pairs(workdir)
    pair_hits = [f"{src} {f.kind}" for text, src in pairs for f in scan(text, where=src)]
    negative_hits = [n for n in NEGATIVES if scan(n)]
    own_chars, own_hits = _findings([p for p in _files(ROOT / "goose_studio") if p.suffix in (".py", ".md", ".yaml")])
    out = {"sample_chars": chars, "sample_findings": hits, "pair_texts": len(pairs), "pair_findings": pair_hits,
           "negatives": len(NEGATIVES), "negative_findings": negative_hits,
           "studio_source_chars": own_chars, "studio_source_findings": own_hits}
    if libraries:
        dirs = []
        for name in LIBRARIES:
            spec = importlib.util.find_spec(name)
            if spec and spec.submodule_search_locations:
                dirs.append(Path(next(iter(spec.submodule_search_locations))))
        lib_chars, lib_hits = _findings([p for d in dirs for p in _files(d) if p.suffix == ".py"])
        out.update(library_chars=lib_chars, library_findings=lib_hits,
                   library_kinds=dict(Counter(h.rsplit(" ", 1)[1] for h in lib_hits)))
    return out, pairs


def _cpu_best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return max(best, 1e-9)


def throughput(pairs: list[tuple[str, str]], repeat: int) -> dict:
    pair_chars = sum(len(t) for t, _ in pairs)
    pair_s = _cpu_best(lambda: [scan(t, where=w) for t, w in pairs], repeat)
    files = [(p.read_text(encoding="utf-8"), str(p)) for p in _files(ROOT / "goose_studio") if p.suffix == ".py"]
    file_chars = sum(len(t) for t, _ in files)
    file_s = _cpu_best(lambda: [scan(t, where=w) for t, w in files], repeat)
    line = "        self.on_hand[sku] = self.on_hand.get(sku, 0) + quantity"
    line_s = _cpu_best(lambda: [scan(line) for _ in range(5000)], repeat) / 5000
    return {"pair_texts": len(pairs), "pair_chars": pair_chars, "pair_chars_per_s": pair_chars / pair_s,
            "pair_us_per_text": pair_s / len(pairs) * 1e6, "source_files": len(files), "source_chars": file_chars,
            "source_chars_per_s": file_chars / file_s, "short_line_us": line_s * 1e6}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--libraries", action="store_true", help="also count findings in installed libraries")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        r = recall()
        fp, pairs = false_positives(Path(tmp), args.libraries)
        speed = throughput(pairs, args.repeat)
    if args.json:
        print(json.dumps({"recall": r, "false_positives": fp, "throughput": speed}, indent=2))
        return
    print(f"(a) recall: {r['found']}/{r['samples']} samples = {100 * r['recall']:.1f}% "
          f"({r['kinds']} kinds x 7 syntaxes + {len(in_context())} other contexts)")
    for kind, (found, total) in sorted(r["per_kind"].items()):
        if not kind.startswith("context:"):
            print(f"    {kind:28s} {found}/{total}")
    ctx = [v for k, v in r["per_kind"].items() if k.startswith("context:")]
    print(f"    {'other contexts':28s} {sum(v[0] for v in ctx)}/{sum(v[1] for v in ctx)}")
    if r["missed"]:
        print("    missed:", ", ".join(r["missed"]))
    print(f"(b) false positives: sample data {len(fp['sample_findings'])} in {fp['sample_chars']:,} chars; "
          f"example pairs {len(fp['pair_findings'])} in {fp['pair_texts']} texts; "
          f"look-alikes {len(fp['negative_findings'])}/{fp['negatives']}")
    for hit in fp["sample_findings"] + fp["pair_findings"] + fp["negative_findings"]:
        print("    ", hit)
    print(f"    (not a target) studio source: {len(fp['studio_source_findings'])} findings in "
          f"{fp['studio_source_chars']:,} chars")
    if "library_chars" in fp:
        print(f"    (not a target) libraries {', '.join(LIBRARIES)}: {len(fp['library_findings'])} findings in "
              f"{fp['library_chars']:,} chars {fp['library_kinds']}")
    print(f"(c) throughput (CPU time, best of {args.repeat}): pair texts "
          f"{speed['pair_chars_per_s'] / 1e6:.2f} M chars/s "
          f"({speed['pair_texts']} texts, {speed['pair_us_per_text']:.0f} us each); source files "
          f"{speed['source_chars_per_s'] / 1e6:.2f} M chars/s ({speed['source_files']} files); "
          f"a short line {speed['short_line_us']:.0f} us")


if __name__ == "__main__":
    main()
