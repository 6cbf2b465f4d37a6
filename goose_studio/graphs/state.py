"""The run graph's state: typed results of each step, the failure being handled, and what the agents did.

Each tab's slot holds its tool's result model (or a small model around it where the step adds facts of its
own); ``failure`` is a :class:`~goose_studio.errors.Failure`; ``history`` lists every retry, repair,
fallback and answer as :class:`AgentAction`. The state is checkpointed to SQLite after every node, so the
serializer is told which model types it may revive (:func:`checkpoint_types`, derived from these
annotations).
"""

from __future__ import annotations

import operator
import typing
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict

import yaml
from pydantic import BaseModel, Field

from ..agents.judge import Judgement
from ..errors import Failure
from ..evals.diagnose import Issue
from ..options import RunOptions
from ..runstore import Question
from ..tools.code_index import IndexCodeResult
from ..tools.build.builder import BuildReport
from ..tools.evaluate import EvaluateResult
from ..tools.models import PrepareModelResult
from ..tools.package import PackageResult
from ..tools.pairs import GeneratePairsResult
from ..tools.source import CloneResult, SourceResult
from ..tools.train import TrainResult


class BuildStep(BaseModel):
    """BUILD: the code index, and whether (and why not) the app itself was built, run and explored."""

    index: IndexCodeResult
    skipped: bool = True
    reason: str | None = None
    report: BuildReport | None = None  # the build_app report (None when the app was not looked at)


class TrainStep(BaseModel):
    """TRAIN: the base model it trained on, the trainer's result, what was substituted on this machine (by
    the run's Quick Recipe and by the train tool: provenance entries) and the loss curve in the run folder."""

    model: PrepareModelResult
    trained: TrainResult
    substitutions: list[dict[str, Any]] = Field(default_factory=list)
    loss_curve: str | None = None


class EvalStep(BaseModel):
    """TEST: the evaluation of one adapter, its retrieval index, the judge's grades, what is wrong with it,
    and whether the run accepted it below the bar."""

    scores: EvaluateResult
    adapter_dir: str
    accepted_low_quality: bool = False
    retrieval_dir: str | None = None  # the core's retrieval index (goes into the package)
    judge: Judgement | None = None
    issues: list[Issue] = Field(default_factory=list)
    fix_round: int = 0  # auto-fix rounds already taken for a low score
    min_quality: int = 0  # the bar this evaluation was held to


class AgentAction(BaseModel):
    """One retry, repair, fallback or Guide answer, as recorded in events and in the core's provenance."""

    agent: Literal["retry", "repair", "fallback", "guide"]
    tab: str
    kind: str
    id: str | None = None
    label: str | None = None
    diagnosis: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict)
    cleaned: list[str] = Field(default_factory=list)
    goto: str | None = None
    chosen_by: str | None = None
    attempt: int | None = None


def merge(left: dict[str, float] | None, right: dict[str, float] | None) -> dict[str, float]:
    return {**(left or {}), **(right or {})}


class RunState(TypedDict, total=False):
    run_id: str
    options: RunOptions  # as the user started the run
    overrides: dict[str, Any]  # what repairs, fallbacks and answers changed since (wins over options)
    source: SourceResult | CloneResult | None  # CloneResult: runs checkpointed before collect_sources
    build: BuildStep | None
    prepare: GeneratePairsResult | None
    train: TrainStep | None
    test: EvalStep | None
    publish: PackageResult | None
    elapsed: Annotated[dict[str, float], merge]  # seconds per tab, of its last completed run
    failure: Failure | None  # the last step's failure, until handled
    attempts: dict[str, int]  # recovery attempts per tab ("<tab>:retry" counts retries) since the last answer
    total_attempts: int
    used: dict[str, int]  # remedy id -> times taken in this run
    history: Annotated[list[AgentAction], operator.add]
    resume_at: str | None  # the tab an agent node hands the run to
    question: Question | None  # the Guide's open question


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file's mapping ({} when it is missing or not a mapping)."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def options_of(state: RunState) -> RunOptions:
    """The run's options as they stand: the user's, every change since on top."""
    return state["options"].merged(state.get("overrides"))


def _types_in(annotation: Any, found: set[type]) -> None:
    for arg in typing.get_args(annotation):
        _types_in(arg, found)
    if isinstance(annotation, type) and issubclass(annotation, Enum) and annotation not in found:
        found.add(annotation)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in found:
        found.add(annotation)
        for field in annotation.model_fields.values():
            _types_in(field.annotation, found)


def checkpoint_types() -> list[tuple[str, str]]:
    """``(module, name)`` of every model and enum the state can hold: what the checkpoint may revive."""
    found: set[type] = set()
    for annotation in typing.get_type_hints(RunState, include_extras=True).values():
        _types_in(annotation, found)
    return sorted((t.__module__, t.__qualname__) for t in found)
