"""The agents' nodes of the run graph: Retry, Repair, Fallback, Guide, and the question that waits for an answer.

A failed tab leaves its :class:`~goose_studio.errors.Failure` in the state; the routing table
(:mod:`goose_studio.agents.policy`) sends the run to one of these nodes. Each records what it did as an
:class:`~goose_studio.graphs.state.AgentAction` (in the state's history and as an ``agent.*`` event) and
hands the run back to a tab (``resume_at``). The Guide asks the user; the ``ask`` node waits in
``interrupt()`` until the run is resumed with an answer.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from langgraph.types import interrupt

from ..agents import policy
from ..agents.guide import build_question, find_choice
from ..agents.remedies import Remedy, apply_fix
from ..events import AgentEvent, EventBus
from ..faults import ANSWER, maybe_fail
from ..presets import preset
from ..runstore import Answer, RunStatus, RunStore
from ..tools.index_models import INDEX_FILENAME
from ..workspace import RunPaths, Workspace
from .state import AgentAction, RunState, options_of, read_yaml

# Effective training values read back from the recipe the TRAIN step wrote: option name -> recipe key.
RECIPE_KEYS = {"batch_size": "per_device_train_batch_size", "cutoff_len": "cutoff_len",
               "learning_rate": "learning_rate", "epochs": "num_train_epochs", "max_steps": "max_steps",
               "lora_rank": "lora_rank", "bf16": "bf16", "use_cpu": "use_cpu"}
AGENT_NODES = ("retry", "repair", "fallback", "guide", "ask")


class Recovery:
    """The agent nodes, over one run's workspace, paths, events and brain (mixed into the conductor)."""

    ws: Workspace
    run_id: str
    bus: EventBus
    paths: RunPaths

    @property
    def brain(self) -> Any:
        if getattr(self, "_brain", None) is None:
            from ..agents.brain import brain_from_env

            self._brain = brain_from_env()
        return self._brain

    def current_values(self, state: RunState) -> dict[str, Any]:
        """Effective values of options the run left unset: the preset's, then what the last recipe used."""
        values_of = preset(options_of(state).preset).values()
        values: dict[str, Any] = {"cutoff_len": values_of.get("cutoff_len"),
                                  "learning_rate": values_of.get("learning_rate"),
                                  "epochs": values_of.get("num_train_epochs"), "max_steps": values_of.get("max_steps"),
                                  "lora_rank": values_of.get("lora_rank")}
        recipe = read_yaml(self.paths.recipe)
        for option, key in RECIPE_KEYS.items():
            if key in recipe:
                values[option] = recipe[key]
        return values

    def route_failure(self, state: RunState) -> str:
        return policy.decide(state, self.current_values(state))

    @staticmethod
    def _bump(state: RunState, *keys: str) -> dict[str, Any]:
        attempts = dict(state.get("attempts") or {})
        for key in keys:
            attempts[key] = attempts.get(key, 0) + 1
        return {"attempts": attempts, "total_attempts": state.get("total_attempts", 0) + 1}

    def retry(self, state: RunState) -> dict[str, Any]:
        failure = state["failure"]
        tab = failure.tab
        n = (state.get("attempts") or {}).get(f"{tab}:retry", 0) + 1
        wait = policy.backoff_s(n, float(os.environ.get("GOOSE_STUDIO_RETRY_BACKOFF_S", policy.BACKOFF_BASE_S)))
        action = AgentAction(agent="retry", tab=tab, kind=failure.kind.value, attempt=n)
        self.bus.emit(AgentEvent.retry, tab=tab, kind=failure.kind.value, attempt=n, wait_s=wait)
        time.sleep(wait)
        return {**self._bump(state, tab, f"{tab}:retry"), "failure": None, "resume_at": tab, "history": [action]}

    def _take(self, stage: str, state: RunState) -> dict[str, Any]:
        """Apply the next repair or fallback: change the options, clean what must be rebuilt, pick the tab."""
        failure, current, opts = state["failure"], self.current_values(state), policy.merged_options(state)
        remedy, reason = self._choose(stage, policy.candidates(stage, state, current), state)
        changes = apply_fix(remedy.fix, opts, current, failure)
        cleaned = self._clean(remedy.fix.clean, state)
        tab = failure.tab
        action = AgentAction(agent=stage, tab=tab, kind=failure.kind.value, id=remedy.id,
                             label=remedy.label or remedy.diagnosis, diagnosis=remedy.diagnosis, changes=changes,
                             cleaned=cleaned, goto=remedy.fix.goto or tab, chosen_by=reason)
        self.bus.emit(AgentEvent(f"agent.{stage}"), **action.model_dump(mode="json", exclude={"attempt"}))
        used = dict(state.get("used") or {})
        used[remedy.id] = used.get(remedy.id, 0) + 1
        return {**self._bump(state, tab), "overrides": {**(state.get("overrides") or {}), **changes},
                "used": used, "failure": None, "resume_at": action.goto, "history": [action]}

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
                    chosen = proposed_remedy(pick, state["failure"], policy.merged_options(state),
                                             self.current_values(state))
                if chosen is not None:
                    return chosen, self.brain.name
        return cands[0], "rules"

    def repair(self, state: RunState) -> dict[str, Any]:
        return self._take("repair", state)

    def fallback(self, state: RunState) -> dict[str, Any]:
        return self._take("fallback", state)

    def guide(self, state: RunState) -> dict[str, Any]:
        failure = state["failure"]
        tried = [f"{h.agent}: {h.label or h.id or h.kind}" for h in state.get("history") or []
                 if h.tab == failure.tab and h.agent != "guide"]
        explanation = None
        if self.brain.name != "rules":
            from ..agents.brain import ask
            from ..agents.proposals import Explanation, explain_prompt

            said = ask(self.brain, explain_prompt(failure, tried), Explanation)
            explanation = said.explanation if said else None
        question = build_question(self.run_id, failure, policy.merged_options(state), self.current_values(state),
                                  tried, explanation)
        self.bus.emit(AgentEvent.guide, **question.model_dump(mode="json"))
        # The record says "waiting" only once the interrupt is checkpointed (the runner writes it): a host
        # that sees the question and answers at once must find a run that can take the answer.
        return {"question": question}

    def ask(self, state: RunState) -> dict[str, Any]:
        question, failure = state["question"], state["failure"]
        raw = interrupt(question.model_dump(mode="json"))
        answer = Answer.model_validate(raw) if isinstance(raw, (dict, Answer)) else None
        offered = {c.id for c in question.choices}
        opts, current = policy.merged_options(state), self.current_values(state)
        choice = find_choice(failure, opts, current, answer.choice) if answer and answer.choice in offered else None
        if choice is None:  # answers are checked before resuming; an unchecked one is asked again
            return {"resume_at": "ask"}
        changes = apply_fix(choice.fix, opts, current, failure, value=answer.value, param=choice.param)
        cleaned = self._clean(choice.fix.clean, state)
        goto = choice.fix.goto or ("source" if choice.param == "source" else failure.tab)
        action = AgentAction(agent="guide", tab=failure.tab, kind=failure.kind.value, id=choice.id,
                             label=choice.label, changes=changes, cleaned=cleaned, goto=goto, chosen_by="user")
        self.bus.emit(AgentEvent.answered, **action.model_dump(mode="json", exclude={"attempt", "diagnosis"}))
        RunStore(self.ws).update(self.run_id, status=RunStatus.running, question=None)
        maybe_fail(ANSWER, None, False, self.paths.faults)  # answer:stall, a kill window before the checkpoint
        # The user's answer opens a fresh budget; remedies already used stay used.
        return {"overrides": {**(state.get("overrides") or {}), **changes}, "failure": None, "question": None,
                "attempts": {}, "total_attempts": 0, "resume_at": goto, "history": [action]}

    def _clean(self, what: list[str], state: RunState) -> list[str]:
        """Remove what a fix says must be rebuilt (or may go, to free disk). Returns what was removed."""
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
                rm(Path(state["source"].repo_path) / INDEX_FILENAME)
            elif item == "disk":
                removed += free_disk(self.ws, keep_run=self.run_id)
        return removed


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
