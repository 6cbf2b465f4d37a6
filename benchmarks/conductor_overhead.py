"""Conductor overhead per step: the run graph plus its durable SQLite checkpoint, events and run.json.

Runs the real conductor graph (real StateGraph, real SqliteSaver with durability "sync", real event bus
and run folder) with each tab's tool work taken out, so that what is left is the machinery a step costs.
Also times a failing step's detour (failure → repair → step again), which is three nodes.

Target: <= 50 ms per step on this box.
Usage: .venv/bin/python benchmarks/conductor_overhead.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import TABS, EventBus
from goose_studio.graphs.conductor import Conductor
from goose_studio.runner import start_run
from goose_studio.workspace import Workspace

RESULTS = {
    "source": {"source_type": "local", "source": "x", "files": 1, "commit": "0" * 40, "repo_path": "x", "name": "x"},
    "build": {"skipped": True, "reason": "none", "files": 1, "symbols": 1, "skipped_files": [], "index_path": "x"},
    "prepare": {"train_pairs": 1, "eval_pairs": 1, "stats": {}},
    "train": {"adapter_dir": "x", "final_loss": 1.0, "steps": 1, "duration_s": 0.0},
    "test": {"quality_score": 50, "improved": True, "base": {"perplexity": 2.0}, "lora": {"perplexity": 1.0}},
    "publish": {"path": "x", "size_bytes": 1, "sha256": "0"},
}


class Bare(Conductor):
    """The real graph with each tab's tool calls replaced by returning a ready result."""

    fail_once: set[str] = set()

    def __getattribute__(self, name):
        if name in TABS:
            def body(state, opts, ctx, tab=name):
                if tab in self.fail_once:
                    self.fail_once.discard(tab)
                    raise ToolFailure(FailureKind.corrupted, "benchmark failure")
                return dict(RESULTS[tab])
            return body
        return super().__getattribute__(name)


def one_run(ws: Workspace, fail: str | None = None) -> float:
    run_id = start_run(ws, "/nowhere", {})
    conductor = Bare(ws, run_id, EventBus(run_id, ws.run_dir(run_id) / "events.jsonl"), brain=_Rules())
    conductor.fail_once = {fail} if fail else set()
    started = time.perf_counter()
    state, waiting = conductor.run({"run_id": run_id, "options": ws.read_run(run_id)["options"]})
    elapsed = time.perf_counter() - started
    assert not waiting and state.get("publish"), state
    return elapsed


class _Rules:
    name = "rules"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GOOSE_STUDIO_HOME"] = tmp
        ws = Workspace(Path(tmp))
        ws.ensure()
        one_run(ws)  # warm-up: imports, graph compile paths
        clean, detour = [], []
        for _ in range(args.runs):  # alternate, so that drift hits both the same
            plain = one_run(ws)
            clean.append(plain / len(TABS))
            detour.append(one_run(ws, fail="build") - plain)
    ms = lambda xs: f"median {statistics.median(xs) * 1000:.1f} ms, max {max(xs) * 1000:.1f} ms"  # noqa: E731
    print(f"conductor overhead per step (graph + sync SQLite checkpoint + events + run.json), {args.runs} runs: "
          f"{ms(clean)}  (target <= 50 ms)")
    print(f"a failed step's detour (failure -> repair -> step again), extra time per detour: {ms(detour)}")


if __name__ == "__main__":
    main()
