"""The fault matrix: every injected fault ends in a core or in a Guide question with choices, and answering
the question (once the cause is gone) reaches a core.

For each case in ``goose_studio.faults.CASES`` (at least 25, across all six tabs):

1. ``<target>:<fault>*always`` — the fault never stops. The run must end waiting on the Guide with at
   least one choice, with no traceback anywhere and within the step and run budgets. The fault is then
   cleared (the user fixed the cause) and the question answered with its first choice that needs no value
   (``other-source=<repo>`` for a source that is gone); the run must reach a core.
2. ``<target>:<fault>`` (fires once, with ``--once``) — the run must reach a core on its own (repair,
   fallback or retry), or ask and then reach one.

Runs for TRAIN, TEST and PUBLISH faults are forks of one clean run (the steps before are not redone).
Prints one line per case and the totals. Usage: .venv/bin/python benchmarks/fault_matrix.py [--once] [--only TAB]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

FAST = {"preset": "smoke", "min_pairs": 10, "eval_ppl_samples": 8, "eval_generate_samples": 2,
        "eval_max_new_tokens": 16}


def traceback_in(run_dir: Path) -> bool:
    logs = [p for p in (run_dir / "logs").glob("*.log") if p.name != "train.log"]  # the trainer's own log
    return (run_dir / "logs" / "error.log").exists() or any("Traceback" in p.read_text(errors="replace") for p in logs)


def answer_for(question, repo: Path) -> str:
    for choice in question.choices:
        if choice.param == "source":
            continue
        return choice.id
    return f"other-source={repo}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--once", action="store_true", help="Also run each fault firing once.")
    parser.add_argument("--only", help="Only the cases of this tab.")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="fault-matrix-"))
    os.environ.update(GOOSE_STUDIO_HOME=str(home), HF_HUB_OFFLINE="1", GOOSE_STUDIO_RETRY_BACKOFF_S="0.01",
                      GOOSE_STUDIO_BRAIN="rules")
    os.environ.pop("GOOSE_STUDIO_FAULTS", None)

    from conftest import write_sample_repo
    from goose_studio.agents import policy
    from goose_studio.events import read_events
    from goose_studio.faults import CASES
    from goose_studio.tools.registry import tab_of
    from goose_studio.runner import execute, fork_run, resume_run, start_run
    from goose_studio.workspace import Workspace

    ws = Workspace.from_env()
    repo = write_sample_repo(home / "src" / "inventory")
    t0 = time.monotonic()
    base = start_run(ws, str(repo), FAST)
    assert execute(ws, base).status == "complete"
    print(f"base run: {time.monotonic() - t0:.0f} s")

    def new_run(tab: str) -> str:
        return fork_run(ws, base, before=tab) if tab in ("train", "test", "publish") else start_run(ws, str(repo), FAST)

    rows, bad = [], []
    variants = ["always", "once"] if args.once else ["always"]
    for target, fault in CASES:
        tab = tab_of(target)
        if args.only and tab != args.only:
            continue
        for variant in variants:
            started = time.monotonic()
            os.environ["GOOSE_STUDIO_FAULTS"] = f"{target}:{fault}" + ("*always" if variant == "always" else "")
            run_id = new_run(tab)
            try:
                out = execute(ws, run_id)
            finally:
                os.environ.pop("GOOSE_STUDIO_FAULTS", None)
            first = out.status.value
            n_choices = len(out.question.choices) if out.question else 0
            answered = ""
            if out.status == "waiting":
                answered = answer_for(out.question, repo)
                out = resume_run(ws, run_id, answer=answered)
            events = [e.type for e in read_events(ws.run_dir(run_id) / "events.jsonl")]
            agents = sum(1 for e in events if e.startswith("agent.") and e != "agent.guide.answered")
            ok_first = first == "complete" or (first == "waiting" and n_choices >= 1)
            tb = traceback_in(ws.run_dir(run_id))
            ok = ok_first and out.status == "complete" and not tb \
                and events.count(f"step.{tab}.started") <= 2 * (policy.STEP_BUDGET + 1)
            row = (f"{target}:{fault}" + ("*always" if variant == "always" else ""), first, n_choices, answered,
                   out.status.value, agents, time.monotonic() - started, ok, tb)
            rows.append(row)
            if not ok:
                bad.append(row)
            print(f"{row[0]:<34} first: {first:<8} choices: {n_choices}  answer: {answered or '-':<22} "
                  f"final: {out.status.value:<8} agent steps: {agents:<2} {row[6]:6.1f} s  {'ok' if ok else 'FAIL'}",
                  flush=True)
    always = [r for r in rows if r[0].endswith("*always")]
    print()
    print(f"faults: {len(rows)} runs over {len({r[0].split('*')[0] for r in rows})} distinct faults")
    print(f"ended in a core or a Guide with choices: {sum(1 for r in rows if r[1] == 'complete' or r[2] >= 1)}"
          f"/{len(rows)}; 'always' faults that asked: {sum(1 for r in always if r[1] == 'waiting')}/{len(always)}")
    print(f"reached a core (after answering where asked): {sum(1 for r in rows if r[4] == 'complete')}/{len(rows)}")
    print(f"tracebacks: {sum(1 for r in rows if r[8])}; non-terminating runs: 0 "
          f"(every run returned); total {time.monotonic() - t0:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
