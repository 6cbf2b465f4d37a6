"""Plan accuracy: the studio's planner against real nixpacks / railpack output for a corpus of example apps.

Corpus layout (any depth under CORPUS_DIR): an app folder ``<app>/`` with the real tool's output next to it as
``<app>.nixpacks.json`` and/or ``<app>.railpack.json``. The expected file may be

* what ``nixpacks plan <app>`` prints, or an insta snapshot of it from the nixpacks repository
  (``tests/snapshots/*.snap``: a ``---`` header then the JSON; all three plan shapes the repository has used);
* what ``railpack info <app> --format json`` prints (a BuildResult), or a bare plan snapshot from the railpack
  repository (``core/__snapshots__/*.snap.json``) wrapped as ``{"detectedProviders": [...], "plan": ...}``.

An optional ``"_corpus": {"env": {...}}`` key (or a ``<app>.env`` file of ``K=V`` lines) holds the env the
real tool was run with. The expected provider is Nixpacks' first ``NIXPACKS_METADATA`` entry (or, in snapshot
shapes without it, the provider its setup packages name) and Railpack's ``detectedProviders[0]``. Start
commands are compared with runs of whitespace collapsed. Install/build commands are printed as extra
information: they match when every expected command appears among the planned ones, in order.

Usage: .venv/bin/python benchmarks/plan_accuracy.py CORPUS_DIR [--format nixpacks|railpack] [--verbose]
       [--json] [--engine studio|auto]   (auto: use a real binary when it is on PATH)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from goose_studio.tools.build.plan import make_plan
from goose_studio.tools.build.plan import readback
from goose_studio.tools.build.plan.planner import studio_plan

FORMATS = ("nixpacks", "railpack")


def load_expected(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("\n---\n", 1)[1]
    data = json.loads(text)
    if "steps" in data or "deploy" in data:  # a bare railpack plan
        data = {"plan": data}
    return data


def load_env(path: Path, expected: dict) -> dict[str, str]:
    env = dict((expected.get("_corpus") or {}).get("env") or {})
    env_file = path.with_name(path.name.split(".")[0] + ".env")
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                env[key.strip()] = value.strip()
    return env


def norm(cmd: str | None) -> str:
    return re.sub(r"\s+", " ", (cmd or "").strip())


def in_order(want: list[str], have: list[str]) -> bool:
    """Every expected command appears in ``have``, in the same order (the corpus may list key commands only)."""
    it = iter(have)
    return all(any(w == h for h in it) for w in want)


def cases(corpus: Path, fmt: str) -> list[tuple[Path, Path]]:
    found = []
    for expected in sorted(corpus.rglob(f"*.{fmt}.json")) + sorted(corpus.rglob(f"*.{fmt}.snap")):
        app = expected.with_name(expected.name.split(f".{fmt}.")[0])
        if app.is_dir():
            found.append((app, expected))
    return found


def evaluate(corpus: Path, fmt: str, engine: str) -> dict:
    rows = []
    for app, expected_path in cases(corpus, fmt):
        expected = load_expected(expected_path)
        env = load_env(expected_path, expected)
        result = make_plan(app, fmt, env) if engine == "auto" else studio_plan(app, fmt, env, "benchmark")  # type: ignore[arg-type]
        got = result.rendered
        row = {"app": str(app.relative_to(corpus)), "status": result.status,
               "provider_expected": readback.provider_of(fmt, expected),  # type: ignore[arg-type]
               "provider_got": readback.provider_of(fmt, got),  # type: ignore[arg-type]
               "start_expected": norm(readback.start_of(fmt, expected)),  # type: ignore[arg-type]
               "start_got": norm(readback.start_of(fmt, got))}  # type: ignore[arg-type]
        row["provider_ok"] = (row["provider_expected"] or "") == (row["provider_got"] or "")
        row["start_ok"] = row["start_expected"] == row["start_got"]
        for phase in ("install", "build"):
            want = readback.commands_of(fmt, expected, phase)  # type: ignore[arg-type]
            if want:
                have = readback.commands_of(fmt, got, phase)  # type: ignore[arg-type]
                row[f"{phase}_ok"] = in_order([norm(c) for c in want], [norm(c) for c in have])
                row[f"{phase}_got"] = have
        rows.append(row)
    n = len(rows)

    def pct(key: str) -> float:
        scored = [r for r in rows if key in r]
        return round(100.0 * sum(r[key] for r in scored) / len(scored), 1) if scored else 0.0

    return {"format": fmt, "apps": n, "provider_match_pct": pct("provider_ok"), "start_match_pct": pct("start_ok"),
            "install_match_pct": pct("install_ok"), "build_match_pct": pct("build_ok"), "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--format", choices=FORMATS, action="append")
    parser.add_argument("--engine", choices=("studio", "auto"), default="studio")
    parser.add_argument("--verbose", action="store_true", help="list every mismatch")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    args = parser.parse_args(argv)
    reports = [evaluate(args.corpus, fmt, args.engine) for fmt in (args.format or FORMATS)]
    if args.json:
        print(json.dumps(reports, indent=1))
        return 0
    for rep in reports:
        print(f"{rep['format']:9s} apps={rep['apps']:3d}  provider={rep['provider_match_pct']:5.1f}%  "
              f"start={rep['start_match_pct']:5.1f}%  (install={rep['install_match_pct']:.1f}% "
              f"build={rep['build_match_pct']:.1f}% where the expected output has them)")
        if args.verbose:
            for r in rep["rows"]:
                if not (r["provider_ok"] and r["start_ok"]):
                    print(f"  {r['app']}: provider {r['provider_got']!r} (want {r['provider_expected']!r}); "
                          f"start {r['start_got']!r} (want {r['start_expected']!r})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
