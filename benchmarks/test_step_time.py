"""TEST step time, before and after, on the same finished run: the ``evaluate`` tool of an earlier commit
(perplexity, ROUGE-L and BLEU, one pair at a time) against today's TEST work (retrieval index, held-out
metrics with semantic similarity, knowledge probe closed-book and with retrieval, regression check), run
alternately (A B A B) so that a busy machine slows both alike. Prints each time and the ratio of medians.

Usage: .venv/bin/python benchmarks/test_step_time.py RUN_DIR [--old-commit SHA] [--rounds 2]
Target: today's TEST at most half the earlier time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "b15207a"  # the last commit with the earlier evaluate tool

CALL = """
import json, sys, time
from pathlib import Path
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace
spec = json.loads(sys.argv[1])
ctx = ToolContext(workspace=Workspace.from_env())
start = time.monotonic()
for name, args in spec:
    result = call_tool(name, args, ctx)
print(json.dumps({"wall_s": round(time.monotonic() - start, 2), "timings": getattr(result, "timings", {}),
                  "quality": getattr(result, "quality_score", None)}))
"""


def run_facts(run_dir: Path) -> dict:
    record = json.loads((run_dir / "run.json").read_text())
    home = run_dir.parent.parent
    recipe = {}
    import yaml

    recipe = yaml.safe_load((run_dir / "recipe.yaml").read_text())
    data = home / "data" / "generated" / run_dir.name
    repo = Path(record.get("source", ""))
    return {"model_path": recipe["model_name_or_path"], "template": recipe["template"],
            "adapter_dir": str(home / "output" / run_dir.name), "eval_file": str(data / "eval.jsonl"),
            "train_file": str(data / "train.jsonl"), "cutoff_len": recipe.get("cutoff_len", 512),
            "repo": str(home / "repos" / repo.name) if (home / "repos" / repo.name).is_dir() else str(repo)}


def timed(code_root: Path, spec: list, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", CALL, json.dumps(spec)], env={**env, "PYTHONPATH": str(code_root)},
                         capture_output=True, text=True, cwd=code_root)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--old-commit", default=OLD_COMMIT)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    facts = run_facts(args.run_dir)
    work = Path(tempfile.mkdtemp(prefix="gs-test-time-"))
    old_root = work / "old"
    old_root.mkdir()
    archive = subprocess.run(["git", "archive", args.old_commit, "goose_studio"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    (work / "old.tar").write_bytes(archive)
    with tarfile.open(work / "old.tar") as tar:
        tar.extractall(old_root)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "GOOSE_STUDIO_HOME": str(work / "home")}
    common = {k: facts[k] for k in ("model_path", "adapter_dir", "eval_file", "template")}
    old_spec = [["evaluate", {**common, "out_path": str(work / "old.json")}]]
    index = str(Path(facts["repo"]) / ".studio-index.json")
    new_spec = [["index_retrieval", {"repo_path": facts["repo"], "index_path": index, "out_dir": str(work / "ret")}],
                ["evaluate", {**common, "out_path": str(work / "new.json"), "train_file": facts["train_file"],
                              "index_path": index, "retrieval_dir": str(work / "ret"), "cutoff_len": facts["cutoff_len"],
                              "repo_name": Path(facts["repo"]).name}]]
    times: dict[str, list[float]] = {"before": [], "now": []}
    for n in range(args.rounds):
        for name, root, spec in (("before", old_root, old_spec), ("now", ROOT, new_spec)):
            got = timed(root, spec, env)
            times[name].append(got["wall_s"])
            print(f"round {n + 1} {name}: {got['wall_s']} s  {got['timings'] or ''}", flush=True)
    before, now = statistics.median(times["before"]), statistics.median(times["now"])
    print(f"TEST before {before} s, now {now} s (with retrieval index, probe, regression check, semantic "
          f"similarity): ratio {now / before:.2f} (target <= 0.50); machine load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
