"""Run control and cores, as typed tools: learn, run_status, list_runs, resume_run, cancel_run, list_cores,
chat_with_core.

Each is ``fn(args, ctx) -> Result`` with pydantic models, exactly like the registry's tools, so the MCP
server exposes them the same way. Long work (a run) happens in a detached worker process
(:mod:`goose_studio.worker`); these functions return at once and the caller follows the run by its id.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
import zipfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import FailureKind, ToolFailure
from ..events import TABS, read_events
from ..graphs.conductor import DEFAULT_OPTIONS
from ..tools.registry import ToolContext, ToolSpec
from ..workspace import Workspace


_LABELS = {"source": "SOURCE", "build": "BUILD", "prepare": "PREPARE", "train": "TRAIN", "test": "TEST",
           "publish": "PUBLISH"}


# ------------------------------------------------------------------------------------------ the Guide


def guide_text(failure: ToolFailure, what: str, run_id: str | None = None, step: str | None = None) -> str:
    """A failure for people: what failed, why, what to do, and how to resume."""
    where = _LABELS.get(step or "", step) if step else what
    lines = [f"What failed: {where} — {failure.message}",
             f"Why: {failure.kind.value.replace('_', ' ')} (kind: {failure.kind.value})"]
    if failure.hint:
        lines.append(f"What to do: {failure.hint}")
    if run_id:
        lines.append(f"How to resume: call resume_run with run_id '{run_id}' "
                     f"(or run `goose-studio resume {run_id}`).")
    else:
        lines.append(f"How to resume: fix the cause, then call {what} again.")
    return "\n".join(lines)


def question_text(q: dict[str, Any]) -> str:
    """The Guide's question for people: what failed, what is needed, the choices and how to answer."""
    from ..agents.guide import question_lines

    return "\n".join([*question_lines(q),
                      f"How to answer: call resume_run with run_id '{q.get('run_id')}' and answer set to one of "
                      f"the choices (or run `goose-studio resume {q.get('run_id')} --answer <choice>`)."])


# ------------------------------------------------------------------------------------------ models

_RUN_ID = Field(description="The run's id, as returned by learn or list_runs.", min_length=1, max_length=100)


class LearnArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(None, description="Git URL, owner/repo, or a local folder (absolute path) to learn.")
    example: bool = Field(False, description="Learn the embedded example repository instead (works offline).")
    model: str = Field("embedded", description="'embedded' (tiny CPU model), a local model folder, or a Hugging Face id.")
    preset: Literal["quick", "recommended", "smoke"] = Field(
        "quick", description="Training preset: quick (minutes on CPU), recommended (GPU), smoke (a few steps).")
    name: str | None = Field(None, description="Core name; the repository's name by default.")
    branch: str | None = Field(None, description="Git branch to clone.")
    max_steps: int | None = Field(None, ge=1, description="Stop training after this many steps.")
    epochs: float | None = Field(None, gt=0, description="Training epochs (overrides the preset).")
    learning_rate: float | None = Field(None, gt=0, lt=1, description="Learning rate (overrides the preset).")
    min_pairs: int = Field(DEFAULT_OPTIONS["min_pairs"], ge=1, description="Fewest training pairs to accept.")
    max_pairs: int = Field(DEFAULT_OPTIONS["max_pairs"], ge=1, description="Most training pairs to generate.")
    eval_samples: int = Field(DEFAULT_OPTIONS["eval_generate_samples"], ge=0,
                              description="Held-out pairs to generate answers for (ROUGE-L/BLEU).")

    @model_validator(mode="after")
    def _one_source(self) -> "LearnArgs":
        if bool(self.source) == self.example:
            raise ValueError("give either source or example=true (exactly one)")
        return self


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


class ListCoresArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CoreInfo(BaseModel):
    name: str = Field(description="The core's name in the workspace (use it with chat_with_core).")
    file: str
    size_bytes: int
    base_model: str | None = None
    quality_score: float | None = None
    created: str | None = None
    description: str | None = None
    error: str | None = None


class ListCoresResult(BaseModel):
    cores: list[CoreInfo]


class ChatArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=8000, description="The question to ask the core.")
    core: str | None = Field(None, description="A core's name (see list_cores) or the path of a .gcpkg file.")
    run_id: str | None = Field(None, description="Use the adapter a run trained instead of a packaged core.")
    max_new_tokens: int = Field(128, ge=1, le=512, description="Most tokens to generate (greedy decoding).")
    base_model_path: str | None = Field(None, description="Local base model folder; found automatically by default.")

    @model_validator(mode="after")
    def _one_adapter(self) -> "ChatArgs":
        if bool(self.core) == bool(self.run_id):
            raise ValueError("give either core or run_id (exactly one)")
        return self


class ChatResult(BaseModel):
    answer: str
    base_model: str = Field(description="The base model folder the adapter was loaded onto.")
    adapter_dir: str
    core: str | None = None
    run_id: str | None = None
    new_tokens: int
    duration_s: float


# ------------------------------------------------------------------------------------------ runs


def _local_source(source: str) -> str:
    """A local folder given relatively is made absolute: the worker does not share the caller's cwd."""
    path = Path(source).expanduser()
    try:
        if path.exists():
            return str(path.resolve())
    except OSError:
        pass
    return source


def _started(ws: Workspace, run_id: str, pid: int | None, status: str = "starting") -> RunStarted:
    nxt = (f"Call run_status with run_id '{run_id}' every few seconds until the status is complete, waiting "
           f"(answer its question with resume_run) or failed."
           if pid else "The run is complete; see run_status for its core.")
    return RunStarted(run_id=run_id, status=status, worker_pid=pid, run_dir=str(ws.run_dir(run_id)), next=nxt)


def _worker_env(ctx: ToolContext) -> dict[str, str] | None:
    """What the caller adds to a worker's environment (the MCP server: the host's model, when it can sample)."""
    env = ctx.extra.get("worker_env")
    return dict(env) if env else None


def learn(args: LearnArgs, ctx: ToolContext) -> RunStarted:
    """Learn a repository in a background worker: clone, index, make pairs, train, evaluate, package; returns the run id at once."""
    from ..runner import start_run
    from ..worker import spawn_run

    ws = ctx.workspace
    if args.example:
        from ..examples import example_path

        source = str(example_path())
    else:
        source = _local_source(args.source or "")
    run_id = start_run(ws, source, {
        "model": args.model, "preset": args.preset, "name": args.name, "branch": args.branch,
        "max_steps": args.max_steps, "epochs": args.epochs, "learning_rate": args.learning_rate,
        "min_pairs": args.min_pairs, "max_pairs": args.max_pairs, "eval_generate_samples": args.eval_samples,
    })
    pid = spawn_run(ws, run_id, env=_worker_env(ctx))
    return _started(ws, run_id, pid)


def progress_text(tab: str, payload: dict[str, Any]) -> str:
    label = _LABELS.get(tab, tab)
    if "step" in payload and payload.get("total"):
        text = f"{label} step {payload['step']}/{payload['total']}"
        if isinstance(payload.get("loss"), (int, float)):
            text += f", loss {payload['loss']:.3f}"
        if isinstance(payload.get("eta_sec"), (int, float)):
            eta = int(payload["eta_sec"])
            text += f", eta {eta // 60}:{eta % 60:02d}"
        return text
    if "files_done" in payload:
        return f"{label} {payload['files_done']}/{payload.get('files_total')} files"
    parts = [str(payload["stage"])] if payload.get("stage") else []
    if "done" in payload and payload.get("total"):
        parts.append(f"{payload['done']}/{payload['total']}")
    return f"{label} " + " ".join(parts) if parts else label


def run_status(args: RunStatusArgs, ctx: ToolContext) -> RunStatusResult:
    """A run's status now: current step, progress, recent events, the failure with its hint, the core once done."""
    from ..worker import run_info

    ws = ctx.workspace
    info = run_info(ws, args.run_id)
    events = read_events(ws.run_dir(args.run_id) / "events.jsonl")
    completed: list[str] = []
    progress: str | None = None
    for e in events:
        parts = e.type.split(".")
        if parts[0] == "step" and len(parts) == 3:
            tab, phase = parts[1], parts[2]
            if phase in ("complete", "skipped") and tab not in completed:
                completed.append(tab)
            elif phase == "started":
                progress = f"{_LABELS.get(tab, tab)} started"
            elif phase == "progress":
                progress = progress_text(tab, e.payload)
        elif e.type in ("run.started", "run.resumed"):
            completed = list((e.payload.get("completed") or [])) if e.type == "run.resumed" else []
    completed = [t for t in TABS if t in completed]
    status = info["status"]
    step = info.get("step") if status in ("starting", "running") else (info.get("failed_step") or info.get("step"))
    failure = None
    if status == "failed" and info.get("failure"):
        f = ToolFailure.from_dict(info["failure"])
        failure = FailureInfo(kind=f.kind.value, message=f.message, hint=f.hint, step=info.get("failed_step"),
                              details=f.details, guide=guide_text(f, "the run", args.run_id, info.get("failed_step")))
    elif status == "interrupted":
        f = ToolFailure(FailureKind.needs_user, "The run's process stopped before the run finished "
                        "(killed, crashed, or the machine restarted).",
                        hint="Resume it; it continues from the last completed step.")
        failure = FailureInfo(kind=f.kind.value, message=f.message, hint=f.hint, step=step, details={},
                              guide=guide_text(f, "the run", args.run_id, step))
    question = None
    if status == "waiting" and info.get("question"):
        q = info["question"]
        question = QuestionInfo(tab=q["tab"], kind=q["kind"], message=q["message"], need=q["need"],
                                explanation=q.get("explanation"), tried=q.get("tried", []), choices=q["choices"],
                                guide=question_text(q))
    if status not in ("starting", "running"):
        progress = None if status != "complete" else "done"
    return RunStatusResult(
        run_id=args.run_id, status=status, recorded_status=info["recorded_status"], step=step,
        completed_steps=completed, progress=progress, alive=info["alive"], worker_pid=info.get("worker_pid"),
        resumable=info["resumable"], failure=failure, question=question, core=info.get("core"), quality_score=info.get("quality_score"),
        source=info.get("source"), created=info.get("created"), updated=info.get("updated"),
        run_dir=str(ws.run_dir(args.run_id)),
        last_events=[EventInfo(ts=e.ts, type=e.type, payload=e.payload) for e in events[-args.events:]]
        if args.events else [],
    )


def list_runs(args: ListRunsArgs, ctx: ToolContext) -> ListRunsResult:
    """List runs, newest first, with their status (a run whose process died shows as interrupted)."""
    from ..worker import effective_status

    rows = []
    for run in ctx.workspace.list_runs():
        status = effective_status(run) if run.get("status") != "unreadable" else "unreadable"
        if args.status and status != args.status:
            continue
        rows.append(RunSummary(run_id=str(run.get("run_id", "?")), status=status,
                               step=run.get("failed_step") or run.get("step"), source=run.get("source"),
                               created=run.get("created"), core=run.get("core")))
    return ListRunsResult(runs=rows[: args.limit], total=len(rows))


def resume_run(args: ResumeArgs, ctx: ToolContext) -> RunStarted:
    """Continue a stopped run in a background worker, or answer the question it waits on; returns at once."""
    from ..worker import run_info, spawn_run

    ws = ctx.workspace
    info = run_info(ws, args.run_id)
    if info["status"] == "complete" and args.answer is None:
        return _started(ws, args.run_id, None, status="complete")
    pid = spawn_run(ws, args.run_id, resume=True, env=_worker_env(ctx), answer=args.answer)
    return _started(ws, args.run_id, pid)


def cancel_run(args: RunIdArgs, ctx: ToolContext) -> CancelResult:
    """Stop a run: its worker is terminated and the run is marked cancelled (resume_run continues it later)."""
    from ..worker import cancel_run as cancel

    return CancelResult(**cancel(ctx.workspace, args.run_id))


# ------------------------------------------------------------------------------------------ cores


def core_infos(ws: Workspace) -> list[CoreInfo]:
    rows = []
    for path in sorted(ws.cores.glob("*.gcpkg")):
        info: dict[str, Any] = {"name": path.stem, "file": str(path), "size_bytes": path.stat().st_size}
        try:
            with zipfile.ZipFile(path) as zf:
                manifest = json.loads(zf.read("manifest.json"))
            info.update(base_model=manifest.get("base_model"), quality_score=manifest.get("quality_score"),
                        created=manifest.get("created"), description=manifest.get("description"))
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError, AttributeError):
            info["error"] = "unreadable package; run validate on it"
        rows.append(CoreInfo(**info))
    return rows


def list_cores(args: ListCoresArgs, ctx: ToolContext) -> ListCoresResult:
    """List the packaged cores (.gcpkg) in the workspace with their base model and quality score."""
    return ListCoresResult(cores=core_infos(ctx.workspace))


def core_path(ws: Workspace, core: str) -> Path:
    """A core's file from its name in the workspace or a path."""
    given = Path(core).expanduser()
    candidates = [given] if given.suffix == ".gcpkg" or given.is_absolute() or "/" in core else []
    candidates.append(ws.cores / (core if core.endswith(".gcpkg") else f"{core}.gcpkg"))
    for path in candidates:
        if path.is_file():
            return path
    raise ToolFailure(FailureKind.not_found, f"There is no core '{core}'.",
                      hint="Call list_cores for the cores in the workspace, or pass the path of a .gcpkg file.",
                      details={"core": core, "cores_dir": str(ws.cores)})


_CHAT_LOCK = threading.Lock()
_LOADED: dict[str, Any] = {}  # the one model kept loaded between chats: {"key": ..., "scorer": ...}


def _adapter_from_core(ws: Workspace, path: Path, base_model_path: str | None) -> tuple[Path, str, Path]:
    import yaml

    from ..tools.models import infer_template
    from ..tools.package import MANIFEST, PROVENANCE, RECIPE, Manifest, _extract_adapter, _resolve_base

    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    digest = h.hexdigest()[:20]
    dest = ws.cache / "chat" / digest
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = Manifest.model_validate(json.loads(zf.read(MANIFEST)))
            try:
                provenance = json.loads(zf.read(PROVENANCE))
            except (KeyError, json.JSONDecodeError):
                provenance = None
            try:
                recipe = yaml.safe_load(zf.read(RECIPE)) or {}
            except (KeyError, yaml.YAMLError):
                recipe = {}
            if not (dest / "adapter" / "adapter_model.safetensors").is_file():
                tmp = dest.with_name(dest.name + f".{time.time_ns()}.tmp")
                folder, error = _extract_adapter(zf, tmp)
                if folder is None:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise ToolFailure(FailureKind.corrupted, f"The adapter in {path} cannot be extracted ({error}).",
                                      hint=f"Check the core with validate {path}.")
                shutil.rmtree(dest, ignore_errors=True)
                tmp.replace(dest)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, ValueError, OSError) as exc:
        raise ToolFailure(FailureKind.corrupted, f"{path} is not a readable core ({type(exc).__name__}: {exc}).",
                          hint="Check it with validate; repackage it if it is damaged.") from None
    base, _ = _resolve_base(base_model_path, manifest, provenance if isinstance(provenance, dict) else None, ws.cache)
    if base is None or not (base / "config.json").is_file():
        raise ToolFailure(FailureKind.missing_dependency,
                          f"The core's base model '{manifest.base_model}' is not available locally.",
                          hint="Pass base_model_path (a local Hugging Face folder of that model), or call "
                               "prepare_model for it first.", details={"base_model": manifest.base_model})
    template = str(recipe.get("template") or infer_template(manifest.base_model, ""))
    return base, template, dest / "adapter"


def _adapter_from_run(ws: Workspace, run_id: str, base_model_path: str | None) -> tuple[Path, str, Path]:
    import yaml

    ws.read_run(run_id)  # not_found for an unknown run
    recipe_path = ws.run_dir(run_id) / "recipe.yaml"
    adapter = ws.output / run_id
    if not (adapter / "adapter_model.safetensors").is_file() or not recipe_path.is_file():
        raise ToolFailure(FailureKind.not_found, f"Run '{run_id}' has no trained adapter yet.",
                          hint="Follow the run with run_status until TRAIN is complete, or chat with a packaged core.",
                          details={"run_id": run_id})
    recipe = yaml.safe_load(recipe_path.read_text()) or {}
    base = Path(base_model_path or recipe.get("model_name_or_path") or "")
    if not (base / "config.json").is_file():
        raise ToolFailure(FailureKind.missing_dependency, f"The run's base model folder {base} is missing.",
                          hint="Pass base_model_path, or call prepare_model to restore the base model.")
    return base, str(recipe.get("template") or "default"), adapter


def chat_with_core(args: ChatArgs, ctx: ToolContext) -> ChatResult:
    """Ask a core (or a run's trained adapter) one question; greedy decoding, bounded length."""
    ws = ctx.workspace
    started = time.monotonic()
    if args.core:
        path = core_path(ws, args.core)
        base, template, adapter = _adapter_from_core(ws, path, args.base_model_path)
    else:
        base, template, adapter = _adapter_from_run(ws, str(args.run_id), args.base_model_path)
    with _CHAT_LOCK:
        key = f"{base}|{adapter}|{template}"
        if _LOADED.get("key") != key:
            _LOADED.clear()
            try:
                from ..tools.evaluate import _Scorer

                _LOADED["scorer"] = _Scorer(str(base), str(adapter), template, cutoff_len=1024)
            except ImportError as exc:
                raise ToolFailure(FailureKind.missing_dependency, f"A package chat needs is missing: {exc}.",
                                  hint="Run `bash scripts/setup.sh`.") from None
            except Exception as exc:
                raise ToolFailure(FailureKind.corrupted, f"The adapter does not load onto {base}: "
                                  f"{type(exc).__name__}: {str(exc)[:300]}",
                                  hint="Check the core with validate, or pass the right base_model_path.") from None
            _LOADED["key"] = key
        scorer = _LOADED["scorer"]
        prompt_ids, _ = scorer.encode(args.prompt, "")
        answer = scorer.generate(prompt_ids, args.max_new_tokens)
        new_tokens = len(scorer.tokenizer(answer, add_special_tokens=False)["input_ids"]) if answer else 0
    return ChatResult(answer=answer, base_model=str(base), adapter_dir=str(adapter),
                      core=str(core_path(ws, args.core)) if args.core else None, run_id=args.run_id,
                      new_tokens=new_tokens, duration_s=round(time.monotonic() - started, 3))


# ------------------------------------------------------------------------------------------ the specs


def _spec(name: str, fn: Any, args: type[BaseModel], result: type[BaseModel]) -> ToolSpec:
    return ToolSpec(name=name, fn=fn, args_model=args, result_model=result,
                    description=(fn.__doc__ or "").strip().split("\n\n")[0].replace("\n", " "), tab=None)


CONTROL_SPECS: tuple[ToolSpec, ...] = (
    _spec("learn", learn, LearnArgs, RunStarted),
    _spec("run_status", run_status, RunStatusArgs, RunStatusResult),
    _spec("list_runs", list_runs, ListRunsArgs, ListRunsResult),
    _spec("resume_run", resume_run, ResumeArgs, RunStarted),
    _spec("cancel_run", cancel_run, RunIdArgs, CancelResult),
    _spec("list_cores", list_cores, ListCoresArgs, ListCoresResult),
    _spec("chat_with_core", chat_with_core, ChatArgs, ChatResult),
)
