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
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import TABS, EventBus
from goose_studio.graphs.conductor import Conductor
from goose_studio.options import RunOptions
from goose_studio.runner import start_run
from goose_studio.runstore import RunStore
from goose_studio.workspace import Workspace

RESULTS: dict[str, BaseModel] = {}

def _minimal(model: type[BaseModel], /, **given: Any) -> BaseModel:
    """A valid instance of ``model``: ``given`` values, defaults, and a plain value for each required field."""
    def value(annotation: Any) -> Any:
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin is typing.Literal:
            return args[0]
        if origin in (typing.Union, types.UnionType):
            return value(next(a for a in args if a is not type(None)))
        if origin in (list, dict, set, tuple):
            return origin()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return _minimal(annotation)
        return {int: 1, float: 1.0, str: "x", bool: True}.get(annotation, "x")

    data = {name: value(f.annotation) for name, f in model.model_fields.items() if f.is_required()}
    return model.model_validate({**data, **given})


def _results() -> dict[str, BaseModel]:
    """A ready result for each tab, as its tool (and the Step agent) would return it."""
    from goose_studio.graphs.state import BuildStep, EvalStep, TrainStep
    from goose_studio.tools.code_index import IndexCodeResult
    from goose_studio.tools.evaluate import EvaluateResult
    from goose_studio.tools.models import PrepareModelResult
    from goose_studio.tools.package import PackageResult
    from goose_studio.tools.pairs import GeneratePairsResult
    from goose_studio.tools.source import CloneResult
    from goose_studio.tools.train import TrainResult

    scores = _minimal(EvaluateResult, base={"perplexity": 2.0}, lora={"perplexity": 1.0}, improved=True)
    return {"source": _minimal(CloneResult, source_type="local"),
            "build": _minimal(BuildStep, index=_minimal(IndexCodeResult)),
            "prepare": _minimal(GeneratePairsResult),
            "train": _minimal(TrainStep, model=_minimal(PrepareModelResult), trained=_minimal(TrainResult)),
            "test": _minimal(EvalStep, scores=scores),
            "publish": _minimal(PackageResult)}


class Bare(Conductor):
    """The real graph with each tab's tool calls replaced by returning a ready result."""

    fail_once: set[str] = set()
    results: dict[str, BaseModel] = {}

    def _node(self, tab, body):
        def ready(state, opts, ctx, paths):
            if tab in self.fail_once:
                self.fail_once.discard(tab)
                raise ToolFailure(FailureKind.corrupted, "benchmark failure")
            return self.results[tab]

        return super()._node(tab, ready)


def one_run(ws: Workspace, fail: str | None = None) -> float:
    run_id = start_run(ws, "/nowhere", {})
    conductor = Bare(ws, run_id, EventBus(run_id, ws.run_dir(run_id) / "events.jsonl"), brain=_Rules())
    conductor.fail_once = {fail} if fail else set()
    conductor.results = RESULTS
    started = time.perf_counter()
    state, waiting = conductor.run({"run_id": run_id, "options": RunOptions.model_validate(RunStore(ws).read(run_id).options)})
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
        RESULTS.update(_results())
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
