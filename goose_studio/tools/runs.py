"""Run control as registry tools: learn, run_status, list_runs, resume_run, cancel_run.

Long work (a run) happens in a detached worker process (:mod:`goose_studio.worker`); these tools return at
once and the caller follows the run by its id. The CLI's ``learn``/``resume`` take their options from the
same argument models (:class:`LearnArgs`, :class:`ResumeArgs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import FailureKind, ToolFailure
from ..events import TABS, RunEvent, read_events
from ..messages import failure_text, progress_text, question_text, step_label
from ..options import Option, default, option_name
from ..presets import DEFAULT_PRESET, Method, PresetName, parse_hyperparameters, preset_help
from ..recipes.quick import RecipeName
from ..runner import start_run
from ..runstore import ACTIVE, RunStatus, RunStore, effective_status
from .. import worker
from ..workspace import Workspace
from .registry import ToolContext, tool

_RUN_ID = Field(description="The run's id, as returned by learn or list_runs.", min_length=1, max_length=100)


class LearnArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(None, description="Git URL, owner/repo, or a local folder (absolute path) to learn.")
    sources: list[str] | None = Field(None, max_length=10_000, description=(
        "Sources to learn together into one core (with source, or instead of it), of any kind: a git URL or "
        "owner/repo (URL#REF for a branch or tag), a local folder or file (pairs, chat export, document, code, "
        "ZIP), hf:OWNER/NAME (a Hugging Face dataset), recipe:NAME (a Quick Recipe). source takes these too."))
    example: bool = Field(False, description="Learn the embedded example repository instead (works offline).")
    model: str = Field(default("model"),
                       description="'embedded' (tiny CPU model), a local model folder, or a Hugging Face id.")
    preset: PresetName = Field(DEFAULT_PRESET, description=f"Training preset: {preset_help()}.")
    name: str | None = Field(None, description="Core name; the repository's name by default.")
    branch: str | None = Field(None, description="Git branch to clone.")
    max_steps: int | None = Field(None, ge=1, description="Stop training after this many steps.")
    epochs: float | None = Field(None, gt=0, description="Training epochs (overrides the preset).")
    learning_rate: float | None = Field(None, gt=0, lt=1, description="Learning rate (overrides the preset).")
    min_pairs: int = Field(default("min_pairs"), ge=1, description="Fewest training pairs to accept.")
    max_pairs: int = Field(default("max_pairs"), ge=1, description="Most training pairs to generate.")
    columns: str | None = Field(None, description="Which table columns hold the pairs: instruction=COL,output=COL"
                                                  "[,input=COL] (';' between mappings for different files).")
    language: str | None = Field(None, description="Keep only pairs in this language (e.g. en); 'all' keeps all.")
    max_rows: int = Field(default("max_rows"), ge=1, description="Most pairs taken from each dataset.")
    pairs_only: bool = Field(False, description="Train on the given pairs alone, even when there is code.")
    eval_samples: Annotated[int, Option("eval_generate_samples")] = Field(
        default("eval_generate_samples"), ge=0, description="Held-out pairs to generate answers for (ROUGE-L/BLEU).")
    eval_ppl_samples: int = Field(default("eval_ppl_samples"), ge=1, description="Held-out pairs for the perplexity.")
    eval_probe_questions: int = Field(default("eval_probe_questions"), ge=0,
                                      description="Knowledge probe questions in TEST (0: none).")
    eval_general_questions: int = Field(default("eval_general_questions"), ge=0,
                                        description="General questions of TEST's regression check (0: none).")
    check_load: bool = Field(default("check_load"), description="PUBLISH loads the core in a fresh process "
                                                                "(gates V4, V5); off: those checks are skipped.")
    recipe: RecipeName | None = Field(None, description="A Quick Recipe (see `goose-studio recipes`): its model, "
                                      "method and training; the source is optional (the recipe's data, or local "
                                      "data when it cannot be fetched).")
    method: Method | None = Field(None, description="qlora-4bit (CUDA), lora (16-bit) or full; default: the best "
                                                    "that runs here.")
    custom: Annotated[list[str], Option("hyperparameters")] = Field(
        default_factory=list, description="A custom hyper-parameter, KEY=VALUE with LLaMA-Factory's names "
                                          "(lora_alpha=64, warmup_ratio=0.05, ...); implies --preset custom.")

    @field_validator("custom")
    @classmethod
    def _custom(cls, value: list[str]) -> list[str]:
        parse_hyperparameters(value)  # every problem at once, as this field's error
        return value

    @model_validator(mode="after")
    def _one_source(self) -> "LearnArgs":
        if self.custom and self.preset == DEFAULT_PRESET:
            self.preset = "custom"
        if self.recipe is not None and not (self.source or self.sources) and not self.example:
            return self  # the recipe brings its data
        if bool(self.source or self.sources) == self.example:
            raise ValueError("give either source (or sources) or example=true (exactly one)")
        return self

    def given_sources(self) -> list[str]:
        """Every source given, ``source`` first, each once (local paths made absolute)."""
        if self.example:
            from ..examples import example_path

            return [str(example_path())]
        return list(dict.fromkeys(_absolute(s) for s in [self.source, *(self.sources or [])] if s and s.strip()))

    def resolved_source(self) -> str:
        """The source to learn (the first, when there are several): the example's folder or the given one."""
        return self.given_sources()[0]

    def run_options(self) -> dict[str, Any]:
        """The run options these arguments set (every field but the source; ``sources`` when there are several)."""
        opts = {option_name(name, field.metadata): getattr(self, name)
                for name, field in type(self).model_fields.items() if name not in ("source", "sources", "example")}
        given = self.given_sources()
        opts["sources"] = given if len(given) > 1 else None
        return opts


def _absolute(source: str) -> str:
    """A relative local path made absolute (the worker does not share the caller's cwd); anything else as is."""
    if source[:3].lower() == "hf:" and source[3:].startswith(("./", "../", "~")):
        return "hf:" + _absolute(source[3:])
    path = Path(source).expanduser()
    try:
        return str(path.resolve()) if path.exists() else source
    except OSError:
        return source


def create_run(ws: Workspace, args: LearnArgs) -> str:
    """The run folder for ``args``; returns its id (the CLI runs it in the foreground, ``learn`` in a worker)."""
    if args.recipe is not None:  # the recipe's run on this machine, with what the user gave on top
        from ..recipes.fit import plan_recipe, with_user_options

        given = bool(args.source or args.sources or args.example)
        plan = plan_recipe(args.recipe, args.resolved_source() if given else None, cache_dir=ws.cache / "huggingface")
        fields = type(args).model_fields
        explicit = {option_name(n, f.metadata) for n, f in fields.items()
                    if getattr(args, n) != f.get_default(call_default_factory=True)}
        options = {k: v for k, v in args.run_options().items() if k in explicit and k != "recipe"}
        return start_run(ws, plan.source, with_user_options(plan, options))
    return start_run(ws, args.resolved_source(), args.run_options())


class RunStarted(BaseModel):
    run_id: str = Field(description="Follow the run with run_status using this id.")
    status: str = Field(description="'starting' when a worker was started; 'complete' when there is nothing to do.")
    worker_pid: int | None = Field(description="The worker process running it, if one was started.")
    run_dir: str = Field(description="The run's folder.")
    next: str = Field(description="What to call next.")


class RunIdArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str = _RUN_ID


class ResumeArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str = _RUN_ID
    answer: str | None = Field(None, max_length=2000,
                               description="For a run that waits on a question: one of its choice ids, or "
                                           "'<id>=<value>' for a choice that takes a value (see run_status).")


class QuestionInfo(BaseModel):
    tab: str
    kind: str
    message: str = Field(description="What failed.")
    need: str = Field(description="What is needed, in plain language.")
    explanation: str | None = None
    tried: list[str] = Field(default_factory=list, description="Repairs and fallbacks already taken.")
    choices: list[dict[str, Any]] = Field(description="The choices: id, label, and param when it takes a value.")
    guide: str = Field(description="The question for people, with how to answer it.")


class RunStatusArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str = _RUN_ID
    events: int = Field(10, ge=0, le=200, description="How many of the latest events to include.")


class FailureInfo(BaseModel):
    kind: str = Field(description="The failure kind (not_found, oom, insufficient_data, ...).")
    message: str
    hint: str = ""
    step: str | None = Field(None, description="The step that failed.")
    details: dict[str, Any] = Field(default_factory=dict)
    guide: str = Field(description="What failed, why, what to do and how to resume, for people.")


class EventInfo(BaseModel):
    ts: float
    type: str
    payload: dict[str, Any] = Field(default_factory=dict)


class RunStatusResult(BaseModel):
    run_id: str
    status: str = Field(description="created | starting | running | waiting (answer its question with resume_run) "
                                    "| complete | failed | interrupted | cancelled.")
    recorded_status: str = Field(description="The status written in run.json (differs when the process died).")
    step: str | None = Field(None, description="The current (or failed) step.")
    completed_steps: list[str] = Field(default_factory=list)
    progress: str | None = Field(None, description="The latest progress of the current step, in words.")
    queue_position: int | None = Field(None, description="While the run waits for the trainer (one per device): "
                                                         "its place in the queue, 1 = next.")
    alive: bool = Field(description="Whether a process is running it now.")
    worker_pid: int | None = None
    resumable: bool
    failure: FailureInfo | None = None
    question: QuestionInfo | None = Field(None, description="While waiting: what the run needs from the user.")
    core: str | None = Field(None, description="The packaged core (.gcpkg) once complete.")
    quality_score: float | None = None
    source: str | None = None
    created: str | None = None
    updated: str | None = None
    run_dir: str
    last_events: list[EventInfo] = Field(default_factory=list)


class ListRunsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=500, description="Most runs to list, newest first.")
    status: str | None = Field(None, description="Only runs with this status (e.g. failed).")


class RunSummary(BaseModel):
    run_id: str
    status: str
    step: str | None = None
    source: str | None = None
    created: str | None = None
    core: str | None = None


class ListRunsResult(BaseModel):
    runs: list[RunSummary]
    total: int = Field(description="Runs matching, before the limit.")


class CancelResult(BaseModel):
    run_id: str
    status: str
    was_running: bool = Field(description="Whether a process was running the run and was stopped.")
    step: str | None = None


def _started(ws: Workspace, run_id: str, pid: int | None, status: str = "starting") -> RunStarted:
    nxt = (f"Call run_status with run_id '{run_id}' every few seconds until the status is complete, waiting "
           f"(answer its question with resume_run) or failed."
           if pid else "The run is complete; see run_status for its core.")
    return RunStarted(run_id=run_id, status=status, worker_pid=pid, run_dir=str(ws.run_dir(run_id)), next=nxt)


def _worker_env(ctx: ToolContext) -> dict[str, str] | None:
    """What the caller adds to a worker's environment (the MCP server: the host's model, when it can sample)."""
    env = ctx.extra.get("worker_env")
    return dict(env) if env else None


@tool("learn", open_world=True, starts_worker=True, ui=True)
def learn(args: LearnArgs, ctx: ToolContext) -> RunStarted:
    """Learn a repository in a background worker: clone, index, make pairs, train, evaluate, package; returns the run id at once."""
    run_id = create_run(ctx.workspace, args)
    return _started(ctx.workspace, run_id, worker.spawn_run(ctx.workspace, run_id, env=_worker_env(ctx)))


def _progress(events: list[Any]) -> tuple[list[str], str | None]:
    """The steps completed and the current step's latest progress, in words, from a run's events."""
    completed: list[str] = []
    progress: str | None = None
    for e in events:
        step = e.step
        if step is not None:
            tab, phase = step
            if phase in ("complete", "skipped") and tab not in completed:
                completed.append(tab)
            elif phase == "started":
                progress = f"{step_label(tab)} started"
            elif phase == "progress":
                progress = progress_text(tab, e.payload)
        elif e.is_(RunEvent.started):
            completed = []
        elif e.is_(RunEvent.resumed):
            completed = list(e.payload.get("completed") or [])
    return [t for t in TABS if t in completed], progress


@tool("run_status", read_only=True, idempotent=True, polled=True, ui=True)
def run_status(args: RunStatusArgs, ctx: ToolContext) -> RunStatusResult:
    """A run's status now: current step, progress, recent events, the failure with its hint, the core once done."""
    store = RunStore(ctx.workspace)
    info = store.info(args.run_id)
    run, status = info.record, info.status
    events = read_events(store.paths(args.run_id).events)
    completed, progress = _progress(events)
    step = run.step if status in ACTIVE else (run.failed_step or run.step)
    failure = None
    if status is RunStatus.failed and run.failure is not None:
        f = run.failure
        failure = FailureInfo(kind=f.kind.value, message=f.message, hint=f.hint, step=run.failed_step,
                              details=f.details, guide=failure_text(f, what="the run", run_id=args.run_id,
                                                                    step=run.failed_step))
    elif status is RunStatus.interrupted:
        f = ToolFailure(FailureKind.needs_user, "The run's process stopped before the run finished "
                        "(killed, crashed, or the machine restarted).",
                        hint="Resume it; it continues from the last completed step.")
        failure = FailureInfo(kind=f.kind.value, message=f.message, hint=f.hint, step=step, details={},
                              guide=failure_text(f, what="the run", run_id=args.run_id, step=step))
    question = None
    if status is RunStatus.waiting and run.question is not None:
        q = run.question
        question = QuestionInfo(tab=q.tab, kind=q.kind, message=q.message, need=q.need, explanation=q.explanation,
                                tried=q.tried, choices=[c.model_dump(mode="json") for c in q.choices],
                                guide=question_text(q))
    queued = next((e.payload for e in reversed(events) if e.step == ("train", "progress")), {})
    position = queued.get("position") if queued.get("stage") == "queued" and status in ACTIVE else None
    if status not in ACTIVE:
        progress = "done" if status is RunStatus.complete else None
    return RunStatusResult(
        run_id=args.run_id, status=status.value, recorded_status=run.status.value, step=step,
        completed_steps=completed, progress=progress, queue_position=position, alive=info.alive, worker_pid=run.worker_pid,
        resumable=info.resumable, failure=failure, question=question, core=run.core,
        quality_score=run.quality_score, source=run.source, created=run.created, updated=run.updated,
        run_dir=str(store.paths(args.run_id).run_dir),
        last_events=[EventInfo(ts=e.ts, type=e.type, payload=e.payload) for e in events[-args.events:]]
        if args.events else [],
    )


@tool("list_runs", read_only=True, idempotent=True, polled=True, ui=True)
def list_runs(args: ListRunsArgs, ctx: ToolContext) -> ListRunsResult:
    """List runs, newest first, with their status (a run whose process died shows as interrupted)."""
    rows = []
    for run in RunStore(ctx.workspace).list():
        status = effective_status(run)
        if args.status and status.value != args.status:
            continue
        rows.append(RunSummary(run_id=run.run_id, status=status.value, step=run.failed_step or run.step,
                               source=run.source, created=run.created, core=run.core))
    return ListRunsResult(runs=rows[: args.limit], total=len(rows))


@tool("resume_run", starts_worker=True, ui=True)
def resume_run(args: ResumeArgs, ctx: ToolContext) -> RunStarted:
    """Continue a stopped run in a background worker, or answer the question it waits on; returns at once."""
    ws = ctx.workspace
    info = RunStore(ws).info(args.run_id)
    if info.status is RunStatus.complete and args.answer is None:
        return _started(ws, args.run_id, None, status=RunStatus.complete.value)
    pid = worker.spawn_run(ws, args.run_id, resume=True, env=_worker_env(ctx), answer=args.answer)
    return _started(ws, args.run_id, pid)


@tool("cancel_run", destructive=True, ui=True)
def cancel_run(args: RunIdArgs, ctx: ToolContext) -> CancelResult:
    """Stop a run: its worker is terminated and the run is marked cancelled (resume_run continues it later)."""
    done = worker.cancel_run(ctx.workspace, args.run_id)
    return CancelResult(run_id=done.run_id, status=done.status.value, was_running=done.was_running, step=done.step)
