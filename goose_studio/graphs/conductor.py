"""The conductor: a LangGraph graph that moves a run through SOURCE → BUILD → PREPARE → TRAIN → TEST → PUBLISH.

Each tab is a node that calls registered tools. State is checkpointed to SQLite after every node
(durability "sync"), so a crashed or killed run resumes from the last completed step; inside TRAIN the
trainer itself resumes from its last saved checkpoint. A failing node raises ToolFailure; nothing is
checkpointed for it, so resuming runs that step again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, TypedDict

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph

from ..errors import FailureKind, ToolFailure
from ..events import TABS, EventBus
from ..tools.registry import ToolContext, call_tool
from ..tools.train import PRESETS
from ..workspace import Workspace, write_json


class RunOptions(TypedDict, total=False):
    source: str
    branch: str | None
    name: str | None
    model: str
    template: str | None
    preset: str
    max_steps: int | None
    epochs: float | None
    cutoff_len: int | None
    learning_rate: float | None
    batch_size: int | None
    min_pairs: int
    max_pairs: int
    seed: int
    eval_ppl_samples: int
    eval_generate_samples: int
    eval_max_new_tokens: int
    check_load: bool


DEFAULT_OPTIONS: RunOptions = {
    "branch": None, "name": None, "model": "embedded", "template": None, "preset": "quick", "max_steps": None,
    "epochs": None, "cutoff_len": None, "learning_rate": None, "batch_size": None, "min_pairs": 40, "max_pairs": 240,
    "seed": 0, "eval_ppl_samples": 64, "eval_generate_samples": 12, "eval_max_new_tokens": 64, "check_load": True,
}


class RunState(TypedDict, total=False):
    run_id: str
    options: RunOptions
    source: dict[str, Any]
    build: dict[str, Any]
    prepare: dict[str, Any]
    train: dict[str, Any]
    test: dict[str, Any]
    publish: dict[str, Any]


class RunPaths:
    """Where a run's files go: its folder under runs/, its dataset under data/, its adapter under output/."""

    def __init__(self, ws: Workspace, run_id: str) -> None:
        self.run_dir = ws.run_dir(run_id)
        self.events = self.run_dir / "events.jsonl"
        self.checkpoints = self.run_dir / "checkpoints.sqlite"
        self.recipe = self.run_dir / "recipe.yaml"
        self.eval_results = self.run_dir / "eval_results.json"
        self.dataset_dir = ws.data / "generated" / run_id
        self.output_dir = ws.output / run_id


def _summary(tab: str, result: dict[str, Any]) -> dict[str, Any]:
    """The spec's event payload for ``step.<tab>.complete``."""
    if tab == "source":
        return {"source_type": result["source_type"], "repo": result["source"], "files": result["files"],
                "commit": result["commit"]}
    if tab == "build":
        return {"success": not result.get("skipped"), "skipped": result.get("skipped", False),
                "reason": result.get("reason"), "files_indexed": result.get("files"), "symbols": result.get("symbols"),
                "skipped_files": result.get("skipped_total", 0),
                "skipped_examples": [f"{s['path']} ({s['reason']})" for s in result.get("skipped_files", [])[:5]]}
    if tab == "prepare":
        stats = result["stats"]
        return {"pairs": result["train_pairs"] + result["eval_pairs"], "train": result["train_pairs"],
                "held_out": result["eval_pairs"], "quality": stats.get("quality_score"),
                "per_category": stats.get("per_category"), "avg_tokens": stats.get("avg_tokens"),
                "est_train_minutes": stats.get("est_train_minutes")}
    if tab == "train":
        return {"adapter_path": result["adapter_dir"], "loss": result["final_loss"], "steps": result["steps"],
                "duration_s": result["duration_s"]}
    if tab == "test":
        return {"score": result["quality_score"], "passed": result["improved"],
                "base_perplexity": result["base"]["perplexity"], "lora_perplexity": result["lora"]["perplexity"]}
    if tab == "publish":
        return {"core": result["path"], "size_bytes": result["size_bytes"], "sha256": result["sha256"]}
    return {}


class Conductor:
    """Builds and runs the graph for one run, with the run's workspace and event bus at hand."""

    def __init__(self, ws: Workspace, run_id: str, bus: EventBus) -> None:
        self.ws = ws
        self.run_id = run_id
        self.bus = bus
        self.paths = RunPaths(ws, run_id)

    # -- one node per tab ---------------------------------------------------------------------------
    def _ctx(self, tab: str) -> ToolContext:
        return ToolContext(workspace=self.ws, run_id=self.run_id, events=self.bus, tab=tab)

    def _node(self, tab: str, body: Callable[[RunState, ToolContext], dict[str, Any]]):
        def run(state: RunState) -> dict[str, Any]:
            self.ws.update_run(self.run_id, status="running", step=tab)
            self.bus.step(tab, "started")
            started = time.monotonic()
            try:
                result = body(state, self._ctx(tab))
            except ToolFailure as failure:
                self.bus.step(tab, "failed", **failure.to_dict())
                raise
            except Exception as exc:  # a bug or an unexpected library error: typed at the edge
                failure = ToolFailure(FailureKind.internal, f"{type(exc).__name__}: {exc}",
                                      hint="This is a bug in Goose Studio; the run can be resumed once fixed.")
                self.bus.step(tab, "failed", **failure.to_dict())
                raise failure from exc
            result["elapsed_s"] = round(time.monotonic() - started, 2)
            phase = "skipped" if result.get("skipped") else "complete"
            self.bus.step(tab, phase, **_summary(tab, result), elapsed_s=result["elapsed_s"])
            return {tab: result}

        return run

    def source(self, state: RunState, ctx: ToolContext) -> dict[str, Any]:
        opts = state["options"]
        res = call_tool("clone", {"source": opts["source"], "branch": opts.get("branch"), "name": opts.get("name")}, ctx)
        return res.model_dump(mode="json")

    def build(self, state: RunState, ctx: ToolContext) -> dict[str, Any]:
        # The code-only path: the app is not built or run. Indexing the code belongs to this tab.
        res = call_tool("index_code", {"repo_path": state["source"]["repo_path"]}, ctx)
        out = res.model_dump(mode="json")
        out["skipped_files"] = out.pop("skipped")  # files the index left out; "skipped" below is about the build
        out.update(skipped=True, reason="code-only path: the project is not built or run; its code is indexed")
        return out

    def prepare(self, state: RunState, ctx: ToolContext) -> dict[str, Any]:
        opts, src = state["options"], state["source"]
        res = call_tool("generate_pairs", {
            "repo_path": src["repo_path"], "index_path": state["build"]["index_path"],
            "out_dir": str(self.paths.dataset_dir), "repo_name": src["name"], "seed": opts["seed"],
            "min_pairs": opts["min_pairs"], "max_pairs": opts["max_pairs"],
            "epochs": opts.get("epochs") or PRESETS[opts["preset"]].get("num_train_epochs", 1.0),
        }, ctx)
        return res.model_dump(mode="json")

    def train(self, state: RunState, ctx: ToolContext) -> dict[str, Any]:
        opts, data = state["options"], state["prepare"]
        model = call_tool("prepare_model", {"model": opts["model"], "template": opts.get("template")}, ctx)
        res = call_tool("train", {
            "model_path": model.model_path, "template": model.template, "dataset_dir": data["dataset_dir"],
            "dataset": data["dataset_name_train"], "output_dir": str(self.paths.output_dir),
            "recipe_path": str(self.paths.recipe), "preset": opts["preset"], "max_steps": opts.get("max_steps"),
            "num_train_epochs": opts.get("epochs"), "cutoff_len": opts.get("cutoff_len"),
            "learning_rate": opts.get("learning_rate"), "batch_size": opts["batch_size"], "seed": opts["seed"],
        }, ctx)
        out = res.model_dump(mode="json")
        out["model"] = model.model_dump(mode="json")
        return out

    def test(self, state: RunState, ctx: ToolContext) -> dict[str, Any]:
        opts, tr = state["options"], state["train"]
        res = call_tool("evaluate", {
            "model_path": tr["model"]["model_path"], "adapter_dir": tr["adapter_dir"],
            "eval_file": state["prepare"]["eval_file"], "template": tr["model"]["template"],
            "out_path": str(self.paths.eval_results), "max_ppl_samples": opts["eval_ppl_samples"],
            "max_generate_samples": opts["eval_generate_samples"], "max_new_tokens": opts["eval_max_new_tokens"],
        }, ctx)
        return res.model_dump(mode="json")

    def publish(self, state: RunState, ctx: ToolContext) -> dict[str, Any]:
        opts, src, tr, ev, data = state["options"], state["source"], state["train"], state["test"], state["prepare"]
        recipe = _read_yaml(Path(tr["recipe_path"]))
        res = call_tool("package", {
            "adapter_dir": tr["adapter_dir"], "recipe_path": tr["recipe_path"], "training_log_path": tr["trainer_log"],
            "eval_results_path": ev["results_path"], "dataset_dir": data["dataset_dir"],
            "name": opts.get("name") or src["name"], "description": f"LoRA core trained on the code of {src['source']}.",
            "tags": sorted(state["build"].get("languages", {})), "base_model_id": tr["model"]["model_id"],
            "base_model_path": tr["model"]["model_path"], "base_model_hash": tr["model"]["model_hash"],
            "source": src["source"], "commit": src["commit"], "method": "lora",
            "quality_score": ev["quality_score"],
            "training": {"epochs": recipe.get("num_train_epochs"), "max_steps": recipe.get("max_steps"),
                         "steps": tr["steps"], "final_loss": tr["final_loss"], "duration_sec": tr["duration_s"],
                         "trained_on": tr["device"], "build_engine": "none (code-only)"},
            "fallbacks": [], "check_load": opts["check_load"],
        }, ctx)
        return res.model_dump(mode="json")

    # -- the graph ------------------------------------------------------------------------------------
    def graph(self, checkpointer: SqliteSaver):
        builder = StateGraph(RunState)
        for tab in TABS:
            builder.add_node(tab, self._node(tab, getattr(self, tab)))
        builder.add_edge(START, TABS[0])
        for a, b in zip(TABS, TABS[1:]):
            builder.add_edge(a, b)
        builder.add_edge(TABS[-1], END)
        return builder.compile(checkpointer=checkpointer)

    def _saver(self) -> tuple[sqlite3.Connection, SqliteSaver]:
        try:
            conn = sqlite3.connect(str(self.paths.checkpoints), check_same_thread=False)
            saver = SqliteSaver(conn)
            saver.setup()
        except sqlite3.DatabaseError as exc:
            raise ToolFailure(FailureKind.corrupted, f"The run's checkpoint database is unreadable: {exc}.",
                              hint=f"Start the run again with `goose-studio learn <source>`; the old folder "
                                   f"{self.paths.run_dir} is kept for inspection.") from None
        return conn, saver

    def run(self, initial: RunState | None) -> RunState:
        """Start (``initial`` given) or resume (``None``) the run; returns the final state."""
        conn, saver = self._saver()
        try:
            graph = self.graph(saver)
            config = {"configurable": {"thread_id": self.run_id}}
            if initial is None and not graph.get_state(config).next:
                return graph.get_state(config).values
            graph.invoke(initial, config, durability="sync")
            return graph.get_state(config).values
        finally:
            conn.close()

    def completed_steps(self) -> list[str]:
        conn, saver = self._saver()
        try:
            values = self.graph(saver).get_state({"configurable": {"thread_id": self.run_id}}).values
            return [t for t in TABS if t in values]
        finally:
            conn.close()


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def write_plan(paths: RunPaths, run_id: str, options: RunOptions) -> None:
    write_json(paths.run_dir / "plan.json", {
        "run_id": run_id, "options": options, "steps": list(TABS),
        "layout": {"dataset_dir": str(paths.dataset_dir), "output_dir": str(paths.output_dir),
                   "recipe": str(paths.recipe), "events": str(paths.events)},
    })


def dump_state(state: RunState) -> str:
    return json.dumps(state, indent=2, default=str)
