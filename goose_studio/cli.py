"""The ``goose-studio`` command line: learn, runs, cores, validate, doctor.

Failures reach the user as a typed message (what failed, why, what to do, how to resume) and a non-zero
exit code; tracebacks go to the run's log, never to the terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .errors import FailureKind, ToolFailure
from .events import Event
from .workspace import Workspace

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Goose Studio: turn a repository into a tested, packaged LoRA adapter (an Intelligence Core).")
console = Console(stderr=False)
err = Console(stderr=True)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NEEDS_ANSWER = 3  # the run waits for the user's answer to a Guide question
EXIT_INTERRUPTED = 130

_LABELS = {"source": "SOURCE", "build": "BUILD", "prepare": "PREPARE", "train": "TRAIN", "test": "TEST", "publish": "PUBLISH"}


def _print_json(data) -> None:
    """Raw JSON on stdout (no wrapping or styling), for scripts and tests."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def _workspace() -> Workspace:
    return Workspace.from_env()


def _show_failure(failure: ToolFailure, run_id: str | None = None, step: str | None = None) -> None:
    lines = [f"[bold]What failed:[/] {(_LABELS.get(step or '', step) or 'the command')} — {failure.message}"]
    lines.append(f"[bold]Why:[/] {failure.kind.value.replace('_', ' ')}")
    if failure.hint:
        lines.append(f"[bold]What to do:[/] {failure.hint}")
    if run_id:
        lines.append(f"[bold]Resume:[/] goose-studio resume {run_id}")
    err.print(Panel("\n".join(lines), title="Goose Studio stopped", border_style="red", expand=False))


def _show_question(q: dict) -> None:
    """The Guide's question: what failed, what is needed, what was tried, and the choices with how to answer."""
    from rich.markup import escape

    from .agents.guide import question_lines

    lines = [escape(line) for line in question_lines(q)]
    lines.append(f"[bold]Answer:[/] goose-studio resume {q.get('run_id')} --answer <choice>")
    err.print(Panel("\n".join(lines), title="Goose Studio needs your decision", border_style="yellow", expand=False))


class LiveView:
    """Renders run events: one line per finished step, a progress bar with loss and ETA while training."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress: Progress | None = None
        self.task = None
        self.last_stage: str | None = None

    def __call__(self, event: Event) -> None:
        parts = event.type.split(".")
        if parts[0] == "agent":
            self._agent(event.type, event.payload)
            return
        if parts[0] != "step":
            return
        tab, phase, p = parts[1], parts[2], event.payload
        label = _LABELS.get(tab, tab)
        if phase == "started":
            self.console.print(f"[cyan]▶ {label}[/]")
        elif phase == "progress":
            self._progress(tab, p)
        elif phase in ("complete", "skipped"):
            self._stop_bar()
            mark = "[green]✓[/]" if phase == "complete" else "[yellow]↷[/]"
            self.console.print(f"{mark} {label} {self._describe(tab, p)}")
        elif phase == "failed":
            self._stop_bar()
            self.console.print(f"[red]✗ {label}[/] {p.get('message', '')}")

    def _progress(self, tab: str, p: dict) -> None:
        if tab == "train" and "step" in p and p.get("total"):
            if self.progress is None:
                self.progress = Progress(TextColumn("  training"), BarColumn(), TaskProgressColumn(),
                                         TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=self.console)
                self.progress.start()
                self.task = self.progress.add_task("train", total=p["total"], info="")
            eta = p.get("eta_sec")
            info = f"loss {p['loss']:.3f}" if isinstance(p.get("loss"), (int, float)) else ""
            if eta is not None:
                info += f"  eta {int(eta) // 60}:{int(eta) % 60:02d}"
            self.progress.update(self.task, completed=p["step"], total=p["total"], info=info)
        elif "stage" in p and "done" not in p and p["stage"] != self.last_stage:
            self.last_stage = p["stage"]
            self.console.print(f"  [dim]{p['stage']}[/]")

    def _agent(self, kind: str, p: dict) -> None:
        self._stop_bar()
        label = _LABELS.get(p.get("tab", ""), p.get("tab"))
        changes = ", ".join(f"{k} → {v}" for k, v in (p.get("changes") or {}).items())
        if kind == "agent.retry":
            self.console.print(f"  [yellow]↻ retry[/] {label} (attempt {p.get('attempt')}, after {p.get('wait_s')} s)")
        elif kind in ("agent.repair", "agent.fallback"):
            what = "repair" if kind == "agent.repair" else "fallback"
            text = p.get("diagnosis") if what == "repair" else p.get("label")
            self.console.print(f"  [yellow]🔧 {what}[/] {label}: {text}" + (f" ({changes})" if changes else ""))
        elif kind == "agent.guide.answered":
            self.console.print(f"  [green]↪ your choice[/] {p.get('id')}" + (f" ({changes})" if changes else ""))

    def _stop_bar(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    @staticmethod
    def _describe(tab: str, p: dict) -> str:
        if tab == "source":
            return f"{p.get('repo')} @ {str(p.get('commit'))[:12]} ({p.get('files')} files)"
        if tab == "build":
            skipped = f", {p['skipped_files']} skipped: {', '.join(p.get('skipped_examples', []))}" if p.get("skipped_files") else ""
            return f"{p.get('reason', '')} ({p.get('files_indexed')} files, {p.get('symbols')} symbols{skipped})"
        if tab == "prepare":
            cats = ", ".join(f"{k} {v}" for k, v in (p.get("per_category") or {}).items() if v)
            return (f"{p.get('pairs')} pairs ({p.get('train')} train / {p.get('held_out')} held out; {cats}); "
                    f"avg {p.get('avg_tokens')} tokens, quality {p.get('quality')}/100, "
                    f"est. training {p.get('est_train_minutes')} min")
        if tab == "train":
            loss = p.get("loss")
            return f"{p.get('steps')} steps, final loss {loss:.3f}" if isinstance(loss, (int, float)) else ""
        if tab == "test":
            return (f"perplexity base {p.get('base_perplexity'):.2f} → LoRA {p.get('lora_perplexity'):.2f}, "
                    f"score {p.get('score')}")
        if tab == "publish":
            return f"{p.get('core')}"
        return ""

    def close(self) -> None:
        self._stop_bar()


def _finish(outcome, as_json: bool) -> None:
    if as_json:
        _print_json({"run_id": outcome.run_id, "status": outcome.status, "core": outcome.core_path,
                     "failure": outcome.failure.to_dict() if outcome.failure else None,
                     "question": outcome.question})
    if outcome.status == "complete":
        if not as_json:
            test = outcome.state.get("test") or {}
            console.print(Panel(
                f"[bold green]Core ready:[/] {outcome.core_path}\n"
                f"Held-out perplexity: base {test.get('base', {}).get('perplexity')} → "
                f"LoRA {test.get('lora', {}).get('perplexity')}   quality score {test.get('quality_score')}\n"
                f"Run folder: {_workspace().run_dir(outcome.run_id)}", border_style="green", expand=False))
        return
    if outcome.status == "interrupted":
        err.print(f"Interrupted. Resume with: goose-studio resume {outcome.run_id}")
        raise typer.Exit(EXIT_INTERRUPTED)
    if outcome.status == "waiting":
        if not as_json:
            _show_question(outcome.question or {})
        raise typer.Exit(EXIT_NEEDS_ANSWER)
    if not as_json:
        _show_failure(outcome.failure, outcome.run_id, outcome.failed_step)
    raise typer.Exit(EXIT_FAILED)


@app.command()
def learn(
    source: Optional[str] = typer.Argument(None, help="Git URL, owner/repo, or a local folder."),
    example: bool = typer.Option(False, "--example", help="Learn the embedded example repository (works offline)."),
    resume: Optional[str] = typer.Option(None, "--resume", metavar="RUN_ID", help="Continue a stopped run."),
    model: str = typer.Option("embedded", help="'embedded' (tiny CPU model), a local model folder, or a HF model id."),
    preset: str = typer.Option("quick", help="quick | recommended | smoke"),
    name: Optional[str] = typer.Option(None, help="Core name (default: the repository name)."),
    branch: Optional[str] = typer.Option(None, help="Git branch to clone."),
    max_steps: Optional[int] = typer.Option(None, min=1, help="Stop training after this many steps."),
    epochs: Optional[float] = typer.Option(None, min=0.01, help="Training epochs (overrides the preset)."),
    learning_rate: Optional[float] = typer.Option(None, help="Learning rate (overrides the preset)."),
    min_pairs: int = typer.Option(40, min=1, help="Fewest training pairs to accept."),
    max_pairs: int = typer.Option(240, min=1, help="Most training pairs to generate."),
    eval_samples: int = typer.Option(12, min=0, help="Held-out pairs to generate answers for (ROUGE-L/BLEU)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
    detach: bool = typer.Option(False, "--detach", help="Run in a background worker; print the run id and return."),
) -> None:
    """Learn a repository: clone, index, generate pairs, train a LoRA, evaluate it, package a .gcpkg."""
    from .runner import execute, resume_run, start_run
    from .tools.train import PRESETS

    ws = _workspace()
    view = LiveView(console) if not as_json and not detach else None
    subs = [view] if view else []
    with _command_failures(view, resume, as_json):
        if resume:
            if source or example:
                raise ToolFailure(FailureKind.invalid_input, "Give either a source or --resume RUN_ID, not both.")
            if detach:
                return _detached(ws, resume, as_json, resume=True)
            outcome = resume_run(ws, resume, subs)  # the same as `goose-studio resume RUN_ID`
        else:
            if example:
                from .examples import example_path

                source = str(example_path())
            if not source:
                raise ToolFailure(FailureKind.invalid_input, "No source given.",
                                  hint="Pass a git URL or a folder, or --example for the embedded example.")
            if preset not in PRESETS:
                raise ToolFailure(FailureKind.invalid_input, f"Unknown preset '{preset}'.",
                                  hint=f"Use {', '.join(list(PRESETS)[:-1])} or {list(PRESETS)[-1]}.")
            if detach and Path(source).expanduser().exists():
                source = str(Path(source).expanduser().resolve())  # the worker does not share this cwd
            run_id = start_run(ws, source, {
                "model": model, "preset": preset, "name": name, "branch": branch, "max_steps": max_steps,
                "epochs": epochs, "learning_rate": learning_rate, "min_pairs": min_pairs, "max_pairs": max_pairs,
                "eval_generate_samples": eval_samples,
            })
            if detach:
                return _detached(ws, run_id, as_json)
            if not as_json:
                console.print(f"Run [bold]{run_id}[/]  ({ws.run_dir(run_id)})")
            outcome = execute(ws, run_id, subs)
    _finish(outcome, as_json)


@contextmanager
def _command_failures(view: LiveView | None, run_id: str | None, as_json: bool) -> Iterator[None]:
    """Around a run command: its own failure (not a run's) ends in the typed message, or JSON, and exit code
    1; the live view is closed either way."""
    try:
        yield
    except ToolFailure as failure:
        if as_json:
            _print_json({"run_id": run_id, "status": "failed", "core": None, "failure": failure.to_dict()})
        else:
            _show_failure(failure)
        raise typer.Exit(EXIT_FAILED)
    finally:
        if view:
            view.close()


def _detached(ws: Workspace, run_id: str, as_json: bool, resume: bool = False, answer: str | None = None) -> None:
    """Hand the run to a background worker and print its id (the run outlives this command)."""
    from .worker import spawn_run

    pid = spawn_run(ws, run_id, resume=resume, answer=answer)
    if as_json:
        _print_json({"run_id": run_id, "status": "starting", "worker_pid": pid, "run_dir": str(ws.run_dir(run_id))})
    else:
        sys.stdout.write(run_id + "\n")
        sys.stdout.flush()
        err.print(f"Running in the background (pid {pid}); follow it with `goose-studio runs`, "
                  f"logs in {ws.run_dir(run_id) / 'logs'}.")


@app.command()
def resume(
    run_id: str = typer.Argument(..., help="The run to continue (see `goose-studio runs`)."),
    answer: Optional[str] = typer.Option(None, "--answer", "-a", metavar="CHOICE",
                                         help="Your answer to the run's question: a choice id, or id=value."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
    detach: bool = typer.Option(False, "--detach", help="Continue in a background worker; print the run id and return."),
) -> None:
    """Continue a stopped run, or answer the question it waits on (--answer <choice>)."""
    from .runner import resume_run

    ws = _workspace()
    view = LiveView(console) if not as_json and not detach else None
    with _command_failures(view, run_id, as_json):
        if detach:  # a bad answer is refused at once, before a worker starts
            return _detached(ws, run_id, as_json, resume=True, answer=answer)
        outcome = resume_run(ws, run_id, [view] if view else [], answer=answer)
    _finish(outcome, as_json)


@app.command()
def runs(as_json: bool = typer.Option(False, "--json")) -> None:
    """List runs with their status (a run whose process died shows as interrupted)."""
    from .worker import effective_status

    rows = [{**r, "status": effective_status(r)} for r in _workspace().list_runs()]
    if as_json:
        _print_json(rows)
        return
    table = Table("run id", "status", "step", "source", "created")
    for r in rows:
        table.add_row(r.get("run_id", "?"), r.get("status", "?"), str(r.get("failed_step") or r.get("step") or ""),
                      str(r.get("source", "")), str(r.get("created", "")))
    console.print(table)


@app.command()
def cores(as_json: bool = typer.Option(False, "--json")) -> None:
    """List packaged cores (.gcpkg) in the workspace."""
    import zipfile

    rows = []
    for path in sorted(_workspace().cores.glob("*.gcpkg")):
        info = {"file": str(path), "size_bytes": path.stat().st_size}
        try:
            with zipfile.ZipFile(path) as zf:
                manifest = json.loads(zf.read("manifest.json"))
            info.update(name=manifest.get("name"), base_model=manifest.get("base_model"),
                        quality_score=manifest.get("quality_score"), created=manifest.get("created"))
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError):
            info["error"] = "unreadable package"
        rows.append(info)
    if as_json:
        _print_json(rows)
        return
    table = Table("core", "base model", "score", "size", "created")
    for r in rows:
        table.add_row(Path(r["file"]).name, str(r.get("base_model", r.get("error", ""))), str(r.get("quality_score", "")),
                      f"{r['size_bytes'] / 1e6:.1f} MB", str(r.get("created", "")))
    console.print(table)


@app.command()
def validate(
    path: str = typer.Argument(..., help="A .gcpkg file."),
    base_model: Optional[str] = typer.Option(None, "--base-model-path", help="Local base model folder for the load check."),
    no_load: bool = typer.Option(False, "--no-load", help="Skip loading the adapter onto the base model."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check a core package: layout, integrity, secrets, and that the adapter loads onto its base."""
    from .tools.registry import ToolContext, call_tool

    ws = _workspace()
    try:
        report = call_tool("validate", {"path": path, "check_load": not no_load, "base_model_path": base_model},
                           ToolContext(workspace=ws))
    except ToolFailure as failure:
        if as_json:
            _print_json({"ok": False, "path": path, "failure": failure.to_dict()})
        else:
            _show_failure(failure)
        raise typer.Exit(EXIT_FAILED)
    data = report.model_dump(mode="json")
    if as_json:
        _print_json(data)
    else:
        for check in data["checks"]:
            mark = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[yellow]–[/]"}[check["ok"]]
            console.print(f"{mark} {check['name']}: {check['detail']}")
        console.print("[bold green]valid[/]" if data["ok"] else "[bold red]invalid[/]")
    if not data["ok"]:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def doctor(as_json: bool = typer.Option(False, "--json")) -> None:
    """Check this machine: Python, torch, GPU, Docker, Nixpacks, Chromium, git, the embedded model, LLM endpoint."""
    from .doctor import run_checks, summary

    checks = run_checks()
    if as_json:
        _print_json(summary(checks))
    else:
        table = Table("check", "ok", "detail", "what to do")
        for c in checks:
            ok = "[green]yes[/]" if c.ok else ("[red]NO[/]" if c.required else "[yellow]no[/]")
            table.add_row(c.name, ok, c.detail, "" if c.ok else c.fix)
        console.print(table)
    if any(c.required and not c.ok for c in checks):
        raise typer.Exit(EXIT_FAILED)


@app.command("tools")
def list_tools(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the studio's tools (the same registry the run graph and MCP server use)."""
    from .tools.registry import load_all

    specs = load_all()
    if as_json:
        _print_json([{"name": s.name, "tab": s.tab, "description": s.description,
                      "input_schema": s.input_schema()} for s in specs.values()])
        return
    table = Table("tool", "tab", "description")
    for spec in sorted(specs.values(), key=lambda s: s.name):
        table.add_row(spec.name, spec.tab or "", spec.description)
    console.print(table)


@app.command("tool")
def run_tool(
    name: str = typer.Argument(..., help="Tool name (see `goose-studio tools`)."),
    args: str = typer.Option("{}", "--args", help="Arguments as JSON, or @file.json."),
) -> None:
    """Run one tool with JSON arguments and print its JSON result."""
    from .tools.registry import ToolContext, call_tool

    try:
        text = Path(args[1:]).read_text() if args.startswith("@") else args
        raw = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        _show_failure(ToolFailure(FailureKind.invalid_input, f"--args is not valid JSON: {exc}"))
        raise typer.Exit(EXIT_USAGE)
    try:
        result = call_tool(name, raw, ToolContext(workspace=_workspace()))
    except ToolFailure as failure:
        _print_json({"ok": False, "failure": failure.to_dict()})
        raise typer.Exit(EXIT_FAILED)
    _print_json(result.model_dump(mode="json"))


@app.command("mcp")
def mcp_server(
    http: bool = typer.Option(False, "--http", help="Serve streamable HTTP instead of stdio."),
    host: str = typer.Option("127.0.0.1", help="HTTP address to bind; non-loopback needs GOOSE_STUDIO_MCP_TOKEN."),
    port: int = typer.Option(8765, min=1, max=65535, help="HTTP port."),
    allow_host: list[str] = typer.Option([], "--allow-host", help="Extra Host header value to accept (HTTP)."),
) -> None:
    """Serve the studio's tools over MCP: stdio for Goose, or --http on a local port."""
    if not http:
        from .mcp_server import serve_stdio

        serve_stdio()
        return
    from .mcp_server.http import serve_http

    try:
        serve_http(host=host, port=port, allowed_hosts=allow_host)
    except ToolFailure as failure:
        _show_failure(failure)
        raise typer.Exit(EXIT_USAGE)


@app.command("goose-config")
def goose_config() -> None:
    """Print the Goose extension block for ~/.config/goose/config.yaml (and a one-session alternative)."""
    import shutil

    import yaml

    from .workspace import default_home

    exe = Path(sys.executable).with_name("goose-studio")
    cmd = str(exe) if exe.exists() else (shutil.which("goose-studio") or "goose-studio")
    block = {"extensions": {"goose-studio": {
        "name": "goose-studio", "type": "stdio", "cmd": cmd, "args": ["mcp"],
        "envs": {"GOOSE_STUDIO_HOME": str(default_home())}, "timeout": 300, "enabled": True,
    }}}
    on_path = shutil.which("goose-studio") == cmd
    sys.stdout.write("# Add to ~/.config/goose/config.yaml:\n" + yaml.safe_dump(block, sort_keys=False)
                     + "\n# Or for one session:\n"
                     + f'goose session --with-extension "{"goose-studio" if on_path else cmd} mcp"\n')
    sys.stdout.flush()


@app.command("serve")
def serve_core(
    core: str = typer.Argument(..., help="A core's name (see `goose-studio cores`), a .gcpkg path, or 'embedded'."),
    host: str = typer.Option("127.0.0.1", help="Address to bind; non-loopback needs GOOSE_STUDIO_SERVE_TOKEN."),
    port: int = typer.Option(8766, min=0, max=65535, help="Port (0: any free port)."),
    base_model_path: Optional[str] = typer.Option(None, "--base-model-path",
                                                  help="Local base model folder; found automatically by default."),
    allow_host: list[str] = typer.Option([], "--allow-host", help="Extra Host header value to accept."),
) -> None:
    """Serve a core as an OpenAI-compatible chat endpoint (/v1/chat/completions, /v1/models, /health)."""
    from .serve import serve

    def ready(model: str, base_url: str) -> None:
        err.print(f"Serving [bold]{model}[/] at {base_url} (OpenAI-compatible; model '{model}'). Ctrl-C stops.")

    try:
        serve(core, host=host, port=port, base_model_path=base_model_path, allowed_hosts=allow_host, on_ready=ready)
    except ToolFailure as failure:
        _show_failure(failure)
        raise typer.Exit(EXIT_USAGE if failure.kind in (FailureKind.needs_user, FailureKind.invalid_input)
                         else EXIT_FAILED)


def main() -> None:
    """Console entry: the app, with any unexpected error turned into a message (traceback to a log file)."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for the report
        import tempfile
        import traceback

        log = Path(tempfile.gettempdir()) / "goose-studio-error.log"
        try:
            home_logs = Workspace.from_env().root / "logs"
            home_logs.mkdir(parents=True, exist_ok=True)
            log = home_logs / "error.log"
        except OSError:
            pass
        log.write_text(traceback.format_exc())
        _show_failure(ToolFailure(FailureKind.internal, f"{type(exc).__name__}: {exc}",
                                  hint=f"This is a bug in Goose Studio. The details are in {log}."))
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
