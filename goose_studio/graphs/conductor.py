"""The conductor: a LangGraph graph that moves a run through SOURCE → BUILD → PREPARE → TRAIN → TEST → PUBLISH.

Each tab is a node that calls registered tools (the Step agent). A failing tab records its typed failure
in the state instead of raising, and one routing table (``agents.policy``) sends the run on: ``retry``
(transient, with backoff), ``repair`` (a rule from ``recipes/repairs.yaml`` changes the run and the step
runs again), ``fallback`` (an alternative from ``recipes/fallbacks.yaml``), or ``guide`` (the user is told
what is needed and offered choices; the graph waits in ``interrupt()`` and continues with
``Command(resume=answer)``). Repairs and fallbacks may send the run back to an earlier tab (TEST's low score
→ TRAIN): those are edges of this graph. Budgets per step and per run make every run end, in a core or in
a Guide question.

State is checkpointed to SQLite after every node (durability "sync"), so a crashed or killed run resumes
from the last completed node; inside TRAIN the trainer itself resumes from its last saved checkpoint.
"""

from __future__ import annotations

import json
import operator
import os
import shutil
import sqlite3
import time
import traceback
from pathlib import Path
from typing import Annotated, Any, Callable, TypedDict

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from ..agents import policy
from ..agents.guide import build_question, find_choice
from ..agents.remedies import Remedy, apply_fix
from ..errors import FailureKind, ToolFailure
from ..events import TABS, EventBus
from ..faults import ANSWER, maybe_fail
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
    lora_rank: int | None
    bf16: bool | None
    use_cpu: bool | None
    use_unsloth: bool | None
    accept_low_quality: bool
    build: bool


DEFAULT_OPTIONS: RunOptions = {
    "branch": None, "name": None, "model": "embedded", "template": None, "preset": "quick", "max_steps": None,
    "epochs": None, "cutoff_len": None, "learning_rate": None, "batch_size": None, "min_pairs": 40, "max_pairs": 240,
    "seed": 0, "eval_ppl_samples": 64, "eval_generate_samples": 12, "eval_max_new_tokens": 64, "check_load": True,
}


class RunState(TypedDict, total=False):
    run_id: str
    options: RunOptions  # as the user started the run
    overrides: dict[str, Any]  # what repairs, fallbacks and answers changed since (wins over options)
    source: dict[str, Any] | None
    build: dict[str, Any] | None
    prepare: dict[str, Any] | None
    train: dict[str, Any] | None
    test: dict[str, Any] | None
    publish: dict[str, Any] | None
    failure: dict[str, Any] | None  # the last step's failure (ToolFailure.to_dict() plus "tab"), until handled
    attempts: dict[str, int]  # recovery attempts per tab ("<tab>:retry" counts retries) since the last answer
    total_attempts: int
    used: dict[str, int]  # remedy id -> times taken in this run
    history: Annotated[list[dict[str, Any]], operator.add]  # every retry, repair, fallback and answer taken
    resume_at: str | None  # the tab an agent node hands the run to
    question: dict[str, Any] | None  # the Guide's open question


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


# Effective training values read back from the recipe the TRAIN step wrote: option name -> recipe key.
_RECIPE_KEYS = {"batch_size": "per_device_train_batch_size", "cutoff_len": "cutoff_len",
                "learning_rate": "learning_rate", "epochs": "num_train_epochs", "max_steps": "max_steps",
                "lora_rank": "lora_rank", "bf16": "bf16", "use_cpu": "use_cpu"}
_AGENT_NODES = ("retry", "repair", "fallback", "guide", "ask")


options_of = policy.merged_options  # the run's options as they stand: the user's, every change since on top


class Conductor:
    """Builds and runs the graph for one run, with the run's workspace and event bus at hand."""

    def __init__(self, ws: Workspace, run_id: str, bus: EventBus, brain: Any = None) -> None:
        self.ws = ws
        self.run_id = run_id
        self.bus = bus
        self.paths = RunPaths(ws, run_id)
        self._brain = brain

    @property
    def brain(self):
        if self._brain is None:
            from ..agents.brain import brain_from_env

            self._brain = brain_from_env()
        return self._brain

    # -- the Step agent: one node per tab -------------------------------------------------------------
    def _ctx(self, tab: str) -> ToolContext:
        return ToolContext(workspace=self.ws, run_id=self.run_id, events=self.bus, tab=tab)

    def _node(self, tab: str, body: Callable[[RunState, dict[str, Any], ToolContext], dict[str, Any]]):
        later = TABS[TABS.index(tab) + 1:]

        def run(state: RunState) -> dict[str, Any]:
            self.ws.update_run(self.run_id, status="running", step=tab)
            self.bus.step(tab, "started")
            started = time.monotonic()
            try:
                result = body(state, options_of(state), self._ctx(tab))
            except ToolFailure as failure:
                return self._failed(tab, failure)
            except Exception as exc:  # a bug or an unexpected library error: typed here, routed like any failure
                log = self.paths.run_dir / "logs" / "error.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                with log.open("a", encoding="utf-8") as fh:
                    fh.write(f"--- {tab}\n{traceback.format_exc()}\n")
                return self._failed(tab, ToolFailure(
                    FailureKind.internal, f"{type(exc).__name__}: {exc}",
                    hint=f"This looks like a bug in Goose Studio; retrying may help. Details: {log}"))
            result["elapsed_s"] = round(time.monotonic() - started, 2)
            quality = result.pop("_failure", None)
            if quality is not None:  # the step ran, but its result does not pass (TEST's score)
                return {tab: result, **self._failed(tab, quality)}
            phase = "skipped" if result.get("skipped") else "complete"
            self.bus.step(tab, phase, **_summary(tab, result), elapsed_s=result["elapsed_s"])
            return {tab: result, "failure": None, **{t: None for t in later}}  # later results are stale now

        return run

    def _failed(self, tab: str, failure: ToolFailure) -> dict[str, Any]:
        payload = failure.to_dict()
        self.bus.step(tab, "failed", **payload)
        return {"failure": {**payload, "tab": tab}}

    def source(self, state: RunState, opts: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        res = call_tool("clone", {"source": opts["source"], "branch": opts.get("branch"), "name": opts.get("name")}, ctx)
        return res.model_dump(mode="json")

    def build(self, state: RunState, opts: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        # The code-only path: the app is not built or run. Indexing the code belongs to this tab.
        res = call_tool("index_code", {"repo_path": state["source"]["repo_path"]}, ctx)
        out = res.model_dump(mode="json")
        out["skipped_files"] = out.pop("skipped")  # files the index left out; "skipped" below is about the build
        out.update(skipped=True, reason="code-only path: the project is not built or run; its code is indexed")
        return out

    def prepare(self, state: RunState, opts: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        src = state["source"]
        res = call_tool("generate_pairs", {
            "repo_path": src["repo_path"], "index_path": state["build"]["index_path"],
            "out_dir": str(self.paths.dataset_dir), "repo_name": src["name"], "seed": opts["seed"],
            "min_pairs": opts["min_pairs"], "max_pairs": max(opts["max_pairs"], opts["min_pairs"]),
            "epochs": opts.get("epochs") or PRESETS[opts["preset"]].get("num_train_epochs", 1.0),
        }, ctx)
        return res.model_dump(mode="json")

    def train(self, state: RunState, opts: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        data = state["prepare"]
        model = call_tool("prepare_model", {"model": opts["model"], "template": opts.get("template")}, ctx)
        extra = {"use_unsloth": opts["use_unsloth"]} if opts.get("use_unsloth") is not None else {}
        res = call_tool("train", {
            "model_path": model.model_path, "template": model.template, "dataset_dir": data["dataset_dir"],
            "dataset": data["dataset_name_train"], "output_dir": str(self.paths.output_dir),
            "recipe_path": str(self.paths.recipe), "preset": opts["preset"], "max_steps": opts.get("max_steps"),
            "num_train_epochs": opts.get("epochs"), "cutoff_len": opts.get("cutoff_len"),
            "learning_rate": opts.get("learning_rate"), "batch_size": opts.get("batch_size"), "seed": opts["seed"],
            "lora_rank": opts.get("lora_rank"), "bf16": opts.get("bf16"), "use_cpu": opts.get("use_cpu"),
            "overrides": extra,
        }, ctx)
        out = res.model_dump(mode="json")
        out["model"] = model.model_dump(mode="json")
        return out

    def test(self, state: RunState, opts: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        tr, done = state["train"], state.get("test")
        if opts.get("accept_low_quality") and done and done.get("adapter_dir") == tr["adapter_dir"]:
            return {**done, "accepted_low_quality": True}  # already evaluated; the user (or a fallback) accepts it
        res = call_tool("evaluate", {
            "model_path": tr["model"]["model_path"], "adapter_dir": tr["adapter_dir"],
            "eval_file": state["prepare"]["eval_file"], "template": tr["model"]["template"],
            "out_path": str(self.paths.eval_results), "max_ppl_samples": opts["eval_ppl_samples"],
            "max_generate_samples": opts["eval_generate_samples"], "max_new_tokens": opts["eval_max_new_tokens"],
        }, ctx)
        out = res.model_dump(mode="json")
        out["adapter_dir"] = tr["adapter_dir"]
        if not res.improved and not opts.get("accept_low_quality"):
            out["_failure"] = ToolFailure(
                FailureKind.low_quality,
                f"The core does not beat its base model on the held-out pairs yet: perplexity "
                f"{res.lora.perplexity:.2f} (LoRA) vs {res.base.perplexity:.2f} (base), score {res.quality_score}.",
                hint="Train longer or on more data, or accept the core as it is.",
                details={"score": res.quality_score, "issues": ["underfitting"],
                         "base_perplexity": res.base.perplexity, "lora_perplexity": res.lora.perplexity})
        return out

    def publish(self, state: RunState, opts: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        src, tr, ev, data = state["source"], state["train"], state["test"], state["prepare"]
        recipe = _read_yaml(Path(tr["recipe_path"]))
        taken = [h for h in state.get("history") or [] if h.get("agent") in ("repair", "fallback", "guide")]
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
                         "trained_on": tr["device"], "build_engine": "none (code-only)",
                         "accepted_low_quality": bool(ev.get("accepted_low_quality"))},
            "fallbacks": taken, "check_load": opts["check_load"],
        }, ctx)
        return res.model_dump(mode="json")

    # -- the agents: Retry, Repair, Fallback, Guide ----------------------------------------------------
    def current_values(self, state: RunState) -> dict[str, Any]:
        """Effective values of options the run left unset: the preset's, then what the last recipe used."""
        opts = options_of(state)
        preset = PRESETS.get(opts.get("preset") or "quick", PRESETS["quick"])
        values: dict[str, Any] = {"cutoff_len": preset.get("cutoff_len"), "learning_rate": preset.get("learning_rate"),
                                  "epochs": preset.get("num_train_epochs"), "max_steps": preset.get("max_steps"),
                                  "lora_rank": preset.get("lora_rank")}
        recipe = _read_yaml(self.paths.recipe)
        for option, key in _RECIPE_KEYS.items():
            if key in recipe:
                values[option] = recipe[key]
        return values

    def _route_failure(self, state: RunState) -> str:
        return policy.decide(state, self.current_values(state))

    def _bump(self, state: RunState, tab: str, *keys: str) -> dict[str, Any]:
        attempts = dict(state.get("attempts") or {})
        for key in keys:
            attempts[key] = attempts.get(key, 0) + 1
        return {"attempts": attempts, "total_attempts": state.get("total_attempts", 0) + 1}

    def retry(self, state: RunState) -> dict[str, Any]:
        failure = state["failure"]
        tab = failure["tab"]
        n = (state.get("attempts") or {}).get(f"{tab}:retry", 0) + 1
        wait = policy.backoff_s(n, float(os.environ.get("GOOSE_STUDIO_RETRY_BACKOFF_S", policy.BACKOFF_BASE_S)))
        self.bus.emit("agent.retry", tab=tab, kind=failure["kind"], attempt=n, wait_s=wait)
        time.sleep(wait)
        return {**self._bump(state, tab, tab, f"{tab}:retry"), "failure": None, "resume_at": tab,
                "history": [{"agent": "retry", "tab": tab, "kind": failure["kind"], "attempt": n}]}

    def _take(self, stage: str, state: RunState) -> dict[str, Any]:
        """Apply the next repair or fallback: change the options, clean what must be rebuilt, pick the tab."""
        failure, current, opts = state["failure"], self.current_values(state), options_of(state)
        cands = policy.candidates(stage, state, current)
        remedy, reason = self._choose(stage, cands, state)
        changes = apply_fix(remedy.fix, opts, current, failure)
        cleaned = self._clean(remedy.fix.clean, state)
        tab = failure["tab"]
        goto = remedy.fix.goto or tab
        record = {"agent": stage, "tab": tab, "kind": failure["kind"], "id": remedy.id,
                  "label": remedy.label or remedy.diagnosis, "diagnosis": remedy.diagnosis, "changes": changes,
                  "cleaned": cleaned, "goto": goto, "chosen_by": reason}
        self.bus.emit(f"agent.{stage}", **record)
        used = dict(state.get("used") or {})
        used[remedy.id] = used.get(remedy.id, 0) + 1
        return {**self._bump(state, tab, tab), "overrides": {**(state.get("overrides") or {}), **changes},
                "used": used, "failure": None, "resume_at": goto, "history": [record]}

    def _choose(self, stage: str, cands: list[Remedy], state: RunState) -> tuple[Remedy, str]:
        """The brain may pick among the matching remedies, or (repairs only) propose its own fix, which is
        checked like data; otherwise, and for any answer that does not check out, the rules take the first."""
        from ..agents.proposals import MAX_PROPOSALS, PROPOSAL_ID

        custom = stage == "repair" and (state.get("used") or {}).get(PROPOSAL_ID, 0) < MAX_PROPOSALS
        if self.brain.name != "rules" and (len(cands) > 1 or custom):
            from ..agents.brain import ask
            from ..agents.proposals import RemedyPick, pick_prompt, proposed_remedy

            pick = ask(self.brain, pick_prompt(stage, state["failure"], cands, custom), RemedyPick)
            if pick is not None:
                chosen = next((r for r in cands if r.id == pick.id), None)
                if chosen is None and custom:
                    chosen = proposed_remedy(pick, state["failure"], options_of(state), self.current_values(state))
                if chosen is not None:
                    return chosen, self.brain.name
        return cands[0], "rules"

    def repair(self, state: RunState) -> dict[str, Any]:
        return self._take("repair", state)

    def fallback(self, state: RunState) -> dict[str, Any]:
        return self._take("fallback", state)

    def guide(self, state: RunState) -> dict[str, Any]:
        failure = state["failure"]
        tried = [f"{h['agent']}: {h.get('label') or h.get('id') or h.get('kind')}"
                 for h in state.get("history") or [] if h.get("tab") == failure["tab"] and h["agent"] != "guide"]
        explanation = None
        if self.brain.name != "rules":
            from ..agents.brain import ask
            from ..agents.proposals import Explanation, explain_prompt

            said = ask(self.brain, explain_prompt(failure, tried), Explanation)
            explanation = said.explanation if said else None
        question = build_question(self.run_id, failure, options_of(state), self.current_values(state), tried,
                                  explanation).model_dump(mode="json")
        self.bus.emit("agent.guide", **question)
        # run.json says "waiting" only once the interrupt is checkpointed (the runner writes it): a host
        # that sees the question and answers at once must find a run that can take the answer.
        return {"question": question}

    def ask(self, state: RunState) -> dict[str, Any]:
        question, failure = state["question"], state["failure"]
        answer = interrupt(question)
        offered = {c["id"] for c in question["choices"]}
        choice_id = str((answer or {}).get("choice"))
        opts, current = options_of(state), self.current_values(state)
        choice = find_choice(failure, opts, current, choice_id) if choice_id in offered else None
        if choice is None:  # answers are checked before resuming; an unchecked one is asked again
            return {"resume_at": "ask"}
        value = (answer or {}).get("value")
        changes = apply_fix(choice.fix, opts, current, failure, value=value, param=choice.param)
        cleaned = self._clean(choice.fix.clean, state)
        goto = choice.fix.goto or ("source" if choice.param == "source" else failure["tab"])
        record = {"agent": "guide", "tab": failure["tab"], "kind": failure["kind"], "id": choice.id,
                  "label": choice.label, "changes": changes, "cleaned": cleaned, "goto": goto, "chosen_by": "user"}
        self.bus.emit("agent.guide.answered", **record)
        self.ws.update_run(self.run_id, status="running", question=None)
        maybe_fail(ANSWER, None, self.paths.run_dir)  # answer:stall, a kill window before the checkpoint
        # The user's answer opens a fresh budget; remedies already used stay used.
        return {"overrides": {**(state.get("overrides") or {}), **changes}, "failure": None, "question": None,
                "attempts": {}, "total_attempts": 0, "resume_at": goto, "history": [record]}

    def _clean(self, what: list[str], state: RunState) -> list[str]:
        """Remove what a fix says must be rebuilt (or may go, to free disk). Returns what was removed."""
        from ..tools.index_models import INDEX_FILENAME

        removed: list[str] = []

        def rm(path: Path) -> None:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(str(path))
            elif path.exists():
                path.unlink(missing_ok=True)
                removed.append(str(path))

        for item in what:
            if item == "train_output":
                rm(self.paths.output_dir)
            elif item == "dataset":
                rm(self.paths.dataset_dir)
            elif item == "index" and state.get("source"):
                rm(Path(state["source"]["repo_path"]) / INDEX_FILENAME)
            elif item == "disk":
                removed += free_disk(self.ws, keep_run=self.run_id)
        return removed

    # -- the graph ------------------------------------------------------------------------------------
    def graph(self, checkpointer: SqliteSaver):
        builder = StateGraph(RunState)
        for tab in TABS:
            builder.add_node(tab, self._node(tab, getattr(self, tab)))
        for name in _AGENT_NODES:
            builder.add_node(name, getattr(self, name))
        builder.add_edge(START, TABS[0])
        on_failure = {name: name for name in ("retry", "repair", "fallback", "guide")}
        for i, tab in enumerate(TABS):
            nxt = TABS[i + 1] if i + 1 < len(TABS) else END

            def after(state: RunState, nxt: str = nxt) -> str:
                return self._route_failure(state) if state.get("failure") else nxt

            builder.add_conditional_edges(tab, after, {**on_failure, nxt: nxt})
        back = {tab: tab for tab in TABS}
        for name in ("retry", "repair", "fallback"):
            builder.add_conditional_edges(name, lambda s: s["resume_at"], back)
        builder.add_edge("guide", "ask")
        builder.add_conditional_edges("ask", lambda s: s["resume_at"], {**back, "ask": "ask"})
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

    def run(self, initial: RunState | None, answer: dict[str, Any] | None = None) -> tuple[RunState, bool]:
        """Start (``initial``), resume (``None``) or answer (``answer``) the run.

        Returns the state and whether the run now waits for an answer to the Guide's question.
        """
        from langgraph.types import Command

        conn, saver = self._saver()
        try:
            graph = self.graph(saver)
            config = {"configurable": {"thread_id": self.run_id}}
            if answer is not None:
                graph.invoke(Command(resume=answer), config, durability="sync")
            elif initial is not None or graph.get_state(config).next:
                snapshot = graph.get_state(config)
                if initial is None and snapshot.next == ("ask",) and snapshot.interrupts:
                    return snapshot.values, True  # still waiting: nothing to do without an answer
                graph.invoke(initial, config, durability="sync")
            snapshot = graph.get_state(config)
            return snapshot.values, bool(snapshot.next)
        finally:
            conn.close()

    def seed(self, values: RunState, as_node: str) -> None:
        """Write ``values`` as if node ``as_node`` had just completed (the run continues after it)."""
        conn, saver = self._saver()
        try:
            self.graph(saver).update_state({"configurable": {"thread_id": self.run_id}}, values, as_node=as_node)
        finally:
            conn.close()

    def state(self) -> RunState:
        conn, saver = self._saver()
        try:
            return self.graph(saver).get_state({"configurable": {"thread_id": self.run_id}}).values
        finally:
            conn.close()

    def completed_steps(self) -> list[str]:
        values = self.state()
        return [t for t in TABS if values.get(t)]


def free_disk(ws: Workspace, keep_run: str) -> list[str]:
    """Remove what the workspace can lose safely: other runs' intermediate checkpoints and caches."""
    removed = []
    for ckpt in sorted(ws.output.glob("*/checkpoint-*")):
        run_dir = ckpt.parent
        if run_dir.name != keep_run and (run_dir / "adapter_model.safetensors").is_file():
            shutil.rmtree(ckpt, ignore_errors=True)  # that run's adapter is final; its checkpoints are not needed
            removed.append(str(ckpt))
    for cache in (ws.cache / "chat", ws.cache / "tmp"):
        if cache.exists():
            shutil.rmtree(cache, ignore_errors=True)
            removed.append(str(cache))
    return removed


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
