"""End-to-end figures for `goose-studio learn` on this machine.

1. `learn` on a small real Python library (default: the embedded example, ~10 modules, ~2,300 lines):
   wall time, peak RSS of the whole process tree (sampled), held-out perplexity base vs LoRA.
2. Studio overhead: the `train` tool vs `llamafactory-cli train` on the same YAML, same data and model,
   run alternately (A B A B) so drift hits both; prints the ratio per pair and the median.

Targets: learn <= 10 min wall and <= 4 GiB peak RSS with LoRA perplexity below base; overhead <= 1.10x.
Usage: .venv/bin/python benchmarks/learn_e2e.py [--repo PATH] [--pairs N] [--overhead-steps N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def timed(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, int, int]:
    """Run cmd; return (wall seconds, peak RSS of its process tree in bytes, exit code)."""
    start = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        ps = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(ps))
            time.sleep(0.25)
    return time.monotonic() - start, peak, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default=str(ROOT / "goose_studio" / "examples" / "minitask"))
    ap.add_argument("--home", default=None, help="workspace to use (default: a fresh temporary one)")
    ap.add_argument("--overhead-steps", type=int, default=8)
    ap.add_argument("--overhead-pairs", type=int, default=2, help="A/B pairs for the overhead ratio")
    ap.add_argument("--skip-learn", action="store_true")
    args = ap.parse_args()

    home = Path(args.home or tempfile.mkdtemp(prefix="gs-bench-"))
    env = {**os.environ, "GOOSE_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    logs = home / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM; workspace {home}")

    results: dict = {}
    run_dir = None
    if not args.skip_learn:
        wall, peak, rc = timed([str(BIN / "goose-studio"), "learn", args.repo, "--json"], env, logs / "learn.log")
        text = (logs / "learn.log").read_text()
        outcome = json.loads(text[text.index('{\n  "run_id"'):]) if '{\n  "run_id"' in text else {}
        run_dir = home / "runs" / outcome.get("run_id", "?")
        ev = json.loads((run_dir / "eval_results.json").read_text()) if (run_dir / "eval_results.json").exists() else {}
        state = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").exists() else {}
        events = [json.loads(l) for l in (run_dir / "events.jsonl").read_text().splitlines()] if run_dir.exists() else []
        step_times = {e["type"].split(".")[1]: e["payload"].get("elapsed_s") for e in events
                      if e["type"].startswith("step.") and e["type"].endswith((".complete", ".skipped"))}
        prep = next((e["payload"] for e in events if e["type"] == "step.prepare.complete"), {})
        results["learn"] = {"exit_code": rc, "status": state.get("status"), "wall_s": round(wall, 1),
                            "peak_rss_gib": round(peak / 2**30, 2), "step_seconds": step_times, "pairs": prep,
                            "base": ev.get("base"), "lora": ev.get("lora"), "quality_score": ev.get("quality_score"),
                            "core": outcome.get("core")}
        print("\n== learn", args.repo)
        print(f"exit {rc}, status {state.get('status')}, wall {wall / 60:.2f} min (target <= 10), "
              f"peak RSS {peak / 2**30:.2f} GiB (target <= 4)")
        print("seconds per step:", step_times)
        print("pairs:", prep)
        if ev:
            print(f"held-out perplexity: base {ev['base']['perplexity']:.3f} -> LoRA {ev['lora']['perplexity']:.3f} "
                  f"({'lower' if ev['lora']['perplexity'] < ev['base']['perplexity'] else 'NOT lower'} than base)")
            print(f"ROUGE-L: base {ev['base']['rouge_l']} -> LoRA {ev['lora']['rouge_l']};  "
                  f"BLEU: base {ev['base']['bleu']} -> LoRA {ev['lora']['bleu']};  quality {ev['quality_score']}")
        if rc != 0:
            print(text[-3000:])
            return 1

    # -- overhead: train tool vs llamafactory-cli on the same recipe -------------------------------------
    if run_dir is None:
        runs = sorted((home / "runs").glob("*/run.json"))
        if not runs:
            print("no run to take data from; drop --skip-learn")
            return 1
        run_dir = runs[-1].parent
    recipe = yaml.safe_load((run_dir / "recipe.yaml").read_text())
    bench = home / "overhead"
    bench.mkdir(exist_ok=True)
    ratios, a_times, b_times = [], [], []
    for i in range(args.overhead_pairs):
        out_a, out_b = bench / f"tool-{i}", bench / f"cli-{i}"
        tool_args = {"model_path": recipe["model_name_or_path"], "template": recipe["template"],
                     "dataset_dir": recipe["dataset_dir"], "dataset": recipe["dataset"], "output_dir": str(out_a),
                     "recipe_path": str(out_a / "recipe.yaml"), "preset": "quick", "max_steps": args.overhead_steps,
                     "cutoff_len": recipe["cutoff_len"], "batch_size": recipe["per_device_train_batch_size"],
                     "gradient_accumulation_steps": recipe["gradient_accumulation_steps"]}
        (bench / f"args-{i}.json").write_text(json.dumps(tool_args))
        wall_a, _, rc_a = timed([str(BIN / "goose-studio"), "tool", "train", "--args", f"@{bench / f'args-{i}.json'}"],
                                env, logs / f"tool-{i}.log")
        same = yaml.safe_load((out_a / "recipe.yaml").read_text())
        same["output_dir"] = str(out_b)  # the one difference: where it writes
        (bench / f"cli-{i}.yaml").write_text(yaml.safe_dump(same, sort_keys=False))
        wall_b, _, rc_b = timed([str(BIN / "llamafactory-cli"), "train", str(bench / f"cli-{i}.yaml")],
                                {**env, "DISABLE_VERSION_CHECK": "1"}, logs / f"cli-{i}.log")
        if rc_a or rc_b:
            print(f"overhead pair {i}: exit codes tool={rc_a} cli={rc_b}; see {logs}")
            return 1
        a_times.append(wall_a)
        b_times.append(wall_b)
        ratios.append(wall_a / wall_b)
        print(f"pair {i}: train tool {wall_a:.1f} s, llamafactory-cli {wall_b:.1f} s, ratio {wall_a / wall_b:.3f}")
    results["overhead"] = {"steps": args.overhead_steps, "tool_s": a_times, "cli_s": b_times,
                           "ratio_median": round(statistics.median(ratios), 3)}
    print(f"\n== studio overhead ({args.overhead_steps} steps): median ratio train tool / llamafactory-cli = "
          f"{statistics.median(ratios):.3f} (target <= 1.10)")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "learn_e2e.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
