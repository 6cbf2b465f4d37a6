"""kill -9 inside each tab, then resume: the run continues from the last completed step, and no artifact
is lost or made twice.

For each tab, `goose-studio learn` runs in its own process group with the fault ``<tab>:stall`` (the tab's
tool waits before working), is killed with SIGKILL while it waits, and is resumed with
`goose-studio resume <run-id>`. Checked per tab: the resumed run completes; ``run.resumed`` names exactly
the tabs before the killed one; every tab before it completed once (not redone); one core file.

One more case, ``answer``: a run waiting on the Guide (its source is missing) is answered with
`resume <run-id> --answer other-source=<repo>` and killed right after the answer is taken (``answer:stall``);
a plain `resume` must then apply that answer (not ask again) and reach a core.

Usage: .venv/bin/python benchmarks/kill_resume.py [--only TAB|answer]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
CLI = str(Path(sys.executable).with_name("goose-studio"))


def main() -> int:
    from conftest import write_sample_repo
    from goose_studio.events import TABS, read_events

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="kill-resume-"))
    repo = write_sample_repo(home / "src" / "inventory")
    failures = 0
    for i, tab in enumerate(TABS):
        if args.only and tab != args.only:
            continue
        cores_before = set((home / "cores").glob("*.gcpkg"))
        env = {**os.environ, "GOOSE_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1",
               "GOOSE_STUDIO_FAULTS": f"{tab}:stall", "GOOSE_STUDIO_FAULT_STALL_S": "300",
               "GOOSE_STUDIO_BRAIN": "rules"}
        started = time.monotonic()
        proc = subprocess.Popen([CLI, "learn", str(repo), "--preset", "smoke", "--min-pairs", "10",
                                 "--eval-samples", "2", "--name", f"kill-{tab}", "--json"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        run_dir = None
        while time.monotonic() - started < 600:
            dirs = [d for d in (home / "runs").glob(f"kill-{tab}-*") if (d / "faults.json").exists()]
            if dirs:
                run_dir = dirs[0]
                break
            time.sleep(0.2)
        if run_dir is None:
            print(f"{tab}: the stall never began")
            os.killpg(proc.pid, signal.SIGKILL)
            failures += 1
            continue
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at = time.monotonic() - started
        resumed = subprocess.run([CLI, "resume", run_dir.name, "--json"], env=env, capture_output=True, text=True,
                                 timeout=900)
        result = json.loads(resumed.stdout[resumed.stdout.index("{"):]) if "{" in resumed.stdout else {}
        events = read_events(run_dir / "events.jsonl")
        kinds = [e.type for e in events]
        resumed_event = next((e for e in events if e.type == "run.resumed"), None)
        done_once = all(kinds.count(f"step.{t}.complete") + kinds.count(f"step.{t}.skipped") == 1 for t in TABS)
        new_cores = set((home / "cores").glob("*.gcpkg")) - cores_before
        ok = (result.get("status") == "complete" and resumed_event is not None
              and resumed_event.payload.get("completed") == list(TABS[:i]) and done_once and len(new_cores) == 1)
        failures += not ok
        print(f"kill -9 in {tab.upper():<8} after {killed_at:5.1f} s -> resume: {result.get('status')}, "
              f"continued after {resumed_event.payload.get('completed') if resumed_event else None}, "
              f"each step completed once: {done_once}, cores made: {len(new_cores)}  {'ok' if ok else 'FAIL'}",
              flush=True)
    if not args.only or args.only == "answer":
        failures += not kill_after_answer(home, repo)
    print(f"\n{'all cases ok' if not failures else f'{failures} case(s) failed'}")
    return 1 if failures else 0


def kill_after_answer(home: Path, repo: Path) -> bool:
    from goose_studio.events import read_events

    env = {**os.environ, "GOOSE_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1", "GOOSE_STUDIO_BRAIN": "rules"}
    env.pop("GOOSE_STUDIO_FAULTS", None)
    asked = subprocess.run([CLI, "learn", str(home / "missing"), "--preset", "smoke", "--min-pairs", "10",
                            "--eval-samples", "2", "--name", "kill-answer", "--json"], env=env,
                           capture_output=True, text=True, timeout=300)
    run_dir = next((home / "runs").glob("kill-answer-*"), None)
    if asked.returncode != 3 or run_dir is None:
        print(f"answer: the run did not wait on the Guide (exit {asked.returncode})")
        return False
    started = time.monotonic()
    stall = {**env, "GOOSE_STUDIO_FAULTS": "answer:stall", "GOOSE_STUDIO_FAULT_STALL_S": "300"}
    proc = subprocess.Popen([CLI, "resume", run_dir.name, "--answer", f"other-source={repo}", "--json"], env=stall,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while time.monotonic() - started < 300:
        if any(e.type == "agent.guide.answered" for e in read_events(run_dir / "events.jsonl")):
            break
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = time.monotonic() - started
    cores_before = set((home / "cores").glob("*.gcpkg"))
    resumed = subprocess.run([CLI, "resume", run_dir.name, "--json"], env=env, capture_output=True, text=True,
                             timeout=900)
    result = json.loads(resumed.stdout[resumed.stdout.index("{"):]) if "{" in resumed.stdout else {}
    events = read_events(run_dir / "events.jsonl")
    kinds = [e.type for e in events]
    carried = [e.payload.get("answer") for e in events if e.type == "run.resumed"]
    new_cores = set((home / "cores").glob("*.gcpkg")) - cores_before
    ok = (result.get("status") == "complete" and carried == [{"choice": "other-source", "value": str(repo)}]
          and kinds.count("run.waiting") == 1 and kinds.count("step.source.complete") == 1 and len(new_cores) == 1)
    print(f"kill -9 after an ANSWER {killed_at:5.1f} s in -> resume: {result.get('status')}, answer carried over: "
          f"{bool(carried and carried[0])}, asked again: {kinds.count('run.waiting') > 1}, "
          f"cores made: {len(new_cores)}  {'ok' if ok else 'FAIL'}", flush=True)
    return ok


if __name__ == "__main__":
    sys.exit(main())
