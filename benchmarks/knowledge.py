"""Does the core know the repository? Base model vs core on questions people wrote about it.

The questions (``benchmarks/data/minitask_knowledge.jsonl`` by default) were written by hand about the
bundled example repository; each has its right answer and three plausible wrong ones of the same kind.
They are never read by the studio: a check below confirms that no training or held-out pair contains a
question verbatim.

Figures, for the base model (adapter switched off) and the core (base + adapter), both through the core's
chat template (the prompts the core was trained with):

* multiple-choice accuracy: the pick is the answer with the lowest mean per-token loss after the question;
* perplexity of the right answers, and the ratio core / base.

Targets on the bundled set: core >= base + 8 right answers, perplexity ratio <= 0.55, and ``learn
--example`` within its time budget (<= 10 min wall on a 2-core CPU).

Usage::

    .venv/bin/python benchmarks/knowledge.py --learn              # learn --example in a fresh workspace, then score
    .venv/bin/python benchmarks/knowledge.py --run-dir RUN_DIR    # score the core of a finished run
    .venv/bin/python benchmarks/knowledge.py --learn -- --epochs 2 --max-pairs 800   # extra learn options
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_QUESTIONS = ROOT / "benchmarks" / "data" / "minitask_knowledge.jsonl"


def load_questions(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        if len(row["wrong"]) != 3 or row["answer"] in row["wrong"]:
            raise SystemExit(f"malformed question: {row['question']!r}")
    return rows


def run_learn(home: Path, extra: list[str]) -> tuple[Path, float, dict[str, Any]]:
    """``learn --example`` in ``home``; returns the run folder, the wall time and the CLI's JSON outcome."""
    env = {**os.environ, "GOOSE_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    log = home / "learn.log"
    home.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with log.open("w") as out:
        rc = subprocess.call([sys.executable, "-m", "goose_studio.cli", "learn", "--example", "--json", *extra],
                             env=env, stdout=out, stderr=subprocess.STDOUT)
    wall = time.monotonic() - start
    text = log.read_text()
    start_at = text.find('{\n  "run_id"')
    outcome = json.loads(text[start_at:]) if start_at >= 0 else {}
    if rc != 0 or not outcome.get("run_id"):
        raise SystemExit(f"learn failed (exit {rc}); see {log}")
    return home / "runs" / outcome["run_id"], wall, outcome


def core_of(run_dir: Path) -> dict[str, Any]:
    """The base model folder, adapter folder, template and dataset folder of a finished run (from run.json)."""
    state = json.loads((run_dir / "run.json").read_text())
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("model_path", "adapter_dir", "template", "dataset_dir") and isinstance(value, str):
                    found.setdefault(key, value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(state)
    home = run_dir.parent.parent
    found.setdefault("adapter_dir", str(home / "output" / run_dir.name))
    found.setdefault("dataset_dir", str(home / "data" / "generated" / run_dir.name))
    recipe = run_dir / "recipe.yaml"
    if recipe.exists():
        import yaml

        values = yaml.safe_load(recipe.read_text())
        found.setdefault("model_path", values.get("model_name_or_path"))
        found.setdefault("template", values.get("template"))
    missing = [k for k in ("model_path", "adapter_dir", "template") if not found.get(k)]
    if missing:
        raise SystemExit(f"{run_dir} does not name the run's {', '.join(missing)}")
    return found


def leaked(questions: list[dict[str, Any]], dataset_dir: Path) -> list[str]:
    """Questions found verbatim (case-insensitive) in the run's training or held-out pairs."""
    texts = []
    for path in sorted(dataset_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts.append((row.get("instruction", "") + "\n" + row.get("output", "")).lower())
    blob = "\n".join(texts)
    return [q["question"] for q in questions if q["question"].lower() in blob]


def score(questions: list[dict[str, Any]], core: dict[str, Any], index: Any = None, k: int = 2) -> dict[str, Any]:
    from goose_studio.evals.scorer import Scorer

    scorer = Scorer(core["model_path"], core["adapter_dir"], core["template"], cutoff_len=2048)

    def losses(use_adapter: bool, prompts: list[str] | None = None) -> list[list[tuple[float, int]]]:
        out = []
        for n, q in enumerate(questions):
            row = []
            for choice in [q["answer"], *q["wrong"]]:
                prompt_ids, answer_ids = scorer.encode(prompts[n] if prompts else q["question"], choice)
                if use_adapter:
                    row.append(scorer.nll(prompt_ids, answer_ids))
                else:
                    with scorer.model.disable_adapter():
                        row.append(scorer.nll(prompt_ids, answer_ids))
            out.append(row)
        return out

    figures: dict[str, Any] = {"n": len(questions)}
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "base": 0, "core": 0})
    picks: dict[str, list[bool]] = {}
    for name, use in (("base", False), ("core", True)):
        rows = losses(use)
        right = [min(range(4), key=lambda i: r[i][0] / r[i][1]) == 0 for r in rows]
        picks[name] = right
        nll = sum(r[0][0] for r in rows)
        tokens = sum(r[0][1] for r in rows)
        figures[name] = {"correct": sum(right), "perplexity": round(math.exp(nll / tokens), 3)}
    for q, b, c in zip(questions, picks["base"], picks["core"]):
        kind = per_kind[q.get("kind", "other")]
        kind["n"] += 1
        kind["base"] += int(b)
        kind["core"] += int(c)
    if index is not None:  # with the core's retrieval index: k passages before each question, as chat does
        from goose_studio.retrieval import with_passages

        prompts = [with_passages(q["question"], index.search(q["question"], k)) for q in questions]
        for name, use in (("base_retrieval", False), ("core_retrieval", True)):
            rows = losses(use, prompts)
            right = [min(range(4), key=lambda i: r[i][0] / r[i][1]) == 0 for r in rows]
            picks[name] = right
            figures[name] = {"correct": sum(right)}
        figures["core_retrieval_vs_base"] = figures["core_retrieval"]["correct"] - figures["base"]["correct"]
    figures["delta"] = figures["core"]["correct"] - figures["base"]["correct"]
    figures["perplexity_ratio"] = round(figures["core"]["perplexity"] / figures["base"]["perplexity"], 3)
    figures["per_kind"] = dict(sorted(per_kind.items()))
    figures["questions"] = [{"question": q["question"], "base": b, "core": c}
                            for q, b, c in zip(questions, picks["base"], picks["core"])]
    return figures


def run_facts(run_dir: Path) -> dict[str, Any]:
    """Step times and the dataset's size, from the run's events and stats."""
    facts: dict[str, Any] = {}
    events = run_dir / "events.jsonl"
    if events.exists():
        for line in events.read_text().splitlines():
            event = json.loads(line)
            kind = event.get("type", "")
            if kind.startswith("step.") and kind.endswith(".complete"):
                facts[f"{kind.split('.')[1]}_s"] = event.get("payload", {}).get("elapsed_s")
    return facts


def main() -> int:
    argv = sys.argv[1:]
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    ap.add_argument("--run-dir", type=Path, help="a finished run's folder (runs/<id>)")
    ap.add_argument("--learn", action="store_true", help="run learn --example first, in --home or a fresh workspace")
    ap.add_argument("--home", type=Path, help="workspace for --learn (default: a new temporary folder)")
    ap.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args(argv)
    questions = load_questions(args.questions)

    facts: dict[str, Any] = {}
    if args.learn:
        home = args.home or Path(tempfile.mkdtemp(prefix="gs-knowledge-"))
        run_dir, wall, _ = run_learn(home, extra)
        facts["learn_wall_s"] = round(wall, 1)
    elif args.run_dir:
        run_dir = args.run_dir
    else:
        ap.error("give --learn or --run-dir")
    facts.update(run_facts(run_dir))
    core = core_of(run_dir)
    dataset_dir = Path(core.get("dataset_dir", ""))
    if dataset_dir.is_dir():
        stats = json.loads((dataset_dir / "stats.json").read_text()) if (dataset_dir / "stats.json").exists() else {}
        facts["pairs"] = {"train": stats.get("train_pairs"), "eval": stats.get("eval_pairs"),
                          "per_category": stats.get("per_category"), "train_tokens": stats.get("train_tokens")}
        facts["leaked_questions"] = leaked(questions, dataset_dir)
    index = None
    if (run_dir / "retrieval" / "index.json").is_file():
        from goose_studio.retrieval import RetrievalIndex

        index = RetrievalIndex.load(run_dir / "retrieval")
    figures = score(questions, core, index)
    report = {"run_dir": str(run_dir), **facts, **figures}
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "questions"}, indent=2))
    print(f"knowledge: base {figures['base']['correct']}/{figures['n']}, core {figures['core']['correct']}/"
          f"{figures['n']} (delta {figures['delta']:+d}); perplexity of right answers core/base "
          f"{figures['perplexity_ratio']}" + (f"; learn {facts['learn_wall_s']} s" if "learn_wall_s" in facts else ""))
    if "core_retrieval" in figures:
        n = figures["n"]
        print(f"with retrieval: base {figures['base_retrieval']['correct']}/{n}, core {figures['core_retrieval']['correct']}/"
              f"{n} ({100 * figures['core_retrieval_vs_base'] / n:+.0f} points over the closed-book base; "
              f"closed-book core {figures['core']['correct']}/{n})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
