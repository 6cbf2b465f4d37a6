"""Building one app folder end to end: plan → copy → install and build in the sandbox → start → explore → stop.

:func:`build_app` never raises for what the app does: every way a build can end is a
:class:`~.report.BuildReport` with ``status`` and ``reason``. In order:

1. plan the folder (:mod:`..plan`); no recognizable app, or one that serves no HTTP (a library, a
   command-line tool), is ``code-only`` at once — this costs a few file reads;
2. copy the app into its build folder in the workspace (:mod:`.workdir`);
3. hold the plan's runtimes against this machine (:mod:`.runtimes`): a version that is not here is
   replaced by the one that is (a repair), a runtime that is missing entirely ends the sandboxed build;
4. adapt the plan to the sandbox (:mod:`.commands`), refuse commands that would write outside the app,
   write ``.env`` from ``.env.example`` when the app has only the example;
5. run the steps and start the app (:mod:`.execution`), with the repairs of :mod:`.repairs` between;
6. explore the running app (:mod:`.exploring`) and stop it;
7. when the sandboxed build or start could not get through, the Dockerfile fallback (:mod:`.dockerfile`)
   writes (or finds) a Dockerfile and uses it where a Docker engine answers; otherwise ``code-only``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ....sandbox import Detection, Sandbox, detect
from ....sandbox.docker_backend import probe_docker
from ....workspace import Workspace, write_json
from ...registry import ToolContext
from ..plan import ConfigError, NeutralPlan, make_plan
from . import dockerfile
from .commands import SandboxPlan, Step, adapt, serves_http
from .diagnose import network_attempts
from .docker_run import run_image
from .envfile import env_from_example
from .execution import Ended, Execution, free_port
from .exploring import explore
from .repairs import Installer, Repairer
from .report import AppChoice, BuildReport, NetworkReport, RepairAction
from .runtimes import check_binaries, choose_python, version_variable
from .syslibs import install_packages
from .workdir import build_home, builds_root, copy_app, studio_dir, write_shims, write_static_server

TOOLS_VENV = "/app/.goose-studio/tools"


@dataclass
class BuildOptions:
    format: str = "nixpacks"
    env: dict[str, str] = field(default_factory=dict)
    install_timeout_s: float = 600.0
    start_timeout_s: float = 60.0
    explore: bool = True
    max_pages: int = 12
    explore_timeout_s: float = 60.0
    install_system_packages: bool = False
    max_repairs: int = 8
    log_dir: Path | None = None
    screenshots_dir: Path | None = None


class Build:
    """One build of ``source``; :meth:`run` returns its report."""

    def __init__(self, ws: Workspace, source: Path, opts: BuildOptions, ctx: ToolContext, *,
                 open_sandbox: Callable[..., Any] | None = None, installer: Installer = install_packages,
                 docker_factory: Callable[[], Any] | None = None, detection: Detection | None = None) -> None:
        self.ws = ws
        self.source = Path(source).resolve()
        self.opts = opts
        self.ctx = ctx
        self.open_sandbox = open_sandbox or Sandbox.open
        self.installer = installer
        self.docker_factory = docker_factory
        self.detection = detection
        self.report = BuildReport(source_dir=str(self.source), status="code-only", format=opts.format)
        self.started = time.monotonic()
        self.mark = self.started
        self.run_env: dict[str, str] = {}
        self.log_dir: Path | None = opts.log_dir

    # -- reporting ------------------------------------------------------------------------------------
    def progress(self, **payload: Any) -> None:
        try:
            self.ctx.progress(**payload)
        except Exception:  # an event sink that fails must not stop the build
            pass

    def record(self, action: RepairAction) -> None:
        self.report.repairs.append(action)
        self.progress(stage="repair", message=f"repair ({action.id}): {action.change}",
                      repair=action.model_dump(mode="json"))

    def time(self, stage: str) -> None:
        now = time.monotonic()
        self.report.timings[stage] = round(self.report.timings.get(stage, 0.0) + now - self.mark, 3)
        self.mark = now

    def finish(self, status: str | None = None, reason: str | None = None, kind: str | None = None) -> BuildReport:
        if kind and (status or self.report.status) == "code-only":
            self.report.failure_kind = kind
        if status:
            self.report.status = status  # type: ignore[assignment]
        if reason:
            self.report.reason = reason
        self.report.timings["total"] = round(time.monotonic() - self.started, 3)
        if self.report.build_dir:
            path = Path(self.report.build_dir).parent / "build-report.json"
            self.report.report_path = str(path)
            write_json(path, self.report.model_dump(mode="json"))
        self.progress(stage="done", message=f"{self.report.status}" + (f": {self.report.reason}"
                                                                       if self.report.reason else ""))
        return self.report

    # -- stages ---------------------------------------------------------------------------------------
    def plan(self, env: dict[str, str]) -> NeutralPlan | None:
        try:
            result = make_plan(self.source, self.opts.format, env)  # type: ignore[arg-type]
        except ConfigError as exc:
            self.report.reason = f"the {self.opts.format} config is unusable: {exc}"
            return None
        r = self.report
        r.engine, r.engine_version, r.plan = result.engine, result.engine_version, result.rendered
        if result.status == "no-app":
            r.reason = f"no recognizable app: {result.reason}"
            r.notes.append("looked for: " + "; ".join(result.looked_for))
            return None
        if result.plan is None:
            r.reason = f"the plan {result.engine} printed could not be read"
            return None
        plan = result.plan
        r.provider, r.framework, r.app_root = plan.provider, plan.framework, plan.app_root
        r.apps = [AppChoice(**a.model_dump()) for a in plan.apps]
        return plan

    def runtimes(self, plan: NeutralPlan, app: Path) -> tuple[NeutralPlan, dict[str, str], list[str], Ended | None]:
        """The plan on this machine's runtimes: (plan, extra env, extra PATH entries, how it ends if it must)."""
        check = check_binaries(plan)
        env: dict[str, str] = {}
        overrides: dict[str, str] = {}
        for runtime, asked, source, used in check.version:
            used_version = used if runtime != "python" else ".".join(used.split(".")[:2])
            overrides[version_variable(self.opts.format, runtime)] = used_version.split(".")[0] \
                if runtime == "node" else used_version
            if runtime == "node":
                env["npm_config_engine_strict"] = "false"
            self.record(RepairAction(id="runtime-version", stage="plan", kind="build_failed",
                                     diagnosis=f"The app asks for {runtime} {asked} ({source}); this machine has "
                                               f"{used}.",
                                     change=f"built with {runtime} {used}, the version available here",
                                     details={"runtime": runtime, "asked": asked, "source": source, "used": used}))
        if overrides:
            replanned = self.plan({**self.opts.env, **overrides})
            plan = replanned or plan
        extra_paths: list[str] = []
        bin_dir = studio_dir(app) / "bin"
        for tool in check.fetched:
            if tool in ("pnpm", "yarn"):
                version = next((r.version for r in plan.runtimes if r.name == tool), "")
                spec = f"{tool}@{version.split('.')[0]}" if version[:1].isdigit() else \
                    ("yarn@1" if tool == "yarn" else tool)
                shim = bin_dir / tool
                shim.write_text(f'#!/bin/sh\nexec npx --yes {spec} "$@"\n')
                shim.chmod(0o755)
            else:
                extra_paths.append(f"{TOOLS_VENV}/bin")
            self.report.notes.append(f"{tool} is not installed here; it is fetched from its registry into the "
                                     "build folder.")
        ended = None
        if check.missing:
            names = ", ".join(b for b, _ in check.missing)
            packages = [p for _, p in check.missing if p]
            for binary, package in check.missing:
                self.record(RepairAction(
                    id="runtime", stage="plan", kind="missing_dependency", outcome="not-applied",
                    diagnosis=f"The app needs {binary}, which is not installed on this machine.",
                    change=f"would build with {binary}",
                    hint=f"apt-get install {package}" if package else f"Install {binary} (it is not packaged "
                                                                       "for Debian).",
                    details={"binary": binary, "package": package or ""}))
            ended = Ended("plan", f"{names} {'is' if len(check.missing) == 1 else 'are'} not installed here"
                          + (f" (apt-get install {' '.join(packages)})" if packages else ""), needs_system=True)
        return plan, env, list(dict.fromkeys(extra_paths)), ended

    def fetch_python_tools(self, plan: NeutralPlan, steps: SandboxPlan) -> None:
        tools = [t for t in check_binaries(plan).fetched if t not in ("pnpm", "yarn")]
        if tools:
            steps.steps.insert(0, Step("install", f"[ -x {TOOLS_VENV}/bin/pip ] || python3 -m venv {TOOLS_VENV}; "
                                                  f"{TOOLS_VENV}/bin/pip install {' '.join(tools)}"))

    def dockerfile_stage(self, plan: NeutralPlan, steps: SandboxPlan, app: Path, repairer: Repairer | None,
                         why: str, execution: Execution | None) -> bool:
        """Write or find the Dockerfile and use it where Docker runs; whether the app then ran."""
        report = dockerfile.write(app, plan, steps, repairer.apt_packages if repairer else [])
        self.report.dockerfile = report
        if probe_docker(self.docker_factory) is not None:
            report.reason = f"{report.reason}; written, not used: no Docker engine answers here"
            self.record(RepairAction(id="dockerfile", stage="build", kind="build_failed", outcome="not-applied",
                                     diagnosis=f"The sandboxed build did not get through ({why}).",
                                     change=f"{report.origin} Dockerfile at {report.path}",
                                     hint="Build it where Docker runs: docker build -f "
                                          f"{Path(report.path).name} .", details={"path": report.path}))
            return False
        ran = run_image(self, report, steps, app, execution)
        self.record(RepairAction(id="dockerfile", stage="build", kind="build_failed",
                                 outcome="applied" if ran else "not-applied",
                                 diagnosis=f"The sandboxed build did not get through ({why}).",
                                 change=f"{report.origin} Dockerfile at {report.path}: {report.reason}",
                                 details={"path": report.path, "used": report.used}))
        return ran

    def explore_running(self, url: str) -> None:
        if not self.opts.explore:
            self.report.exploration.reason = "not explored: exploring was turned off"
            return
        out = self.opts.screenshots_dir or self.ws.root / "screenshots" / self.source.name
        self.progress(stage="explore", message=f"exploring {url}")
        self.report.exploration = explore(url, out, self.ctx, max_pages=self.opts.max_pages,
                                          timeout_s=self.opts.explore_timeout_s)
        self.time("explore")

    def network(self, execution: Execution) -> None:
        try:
            text = execution.app_log.read_text(errors="replace")[-200_000:]
        except OSError:
            text = ""
        probe = execution.stopped.probe.outbound if execution.stopped else "unknown"
        self.report.network = NetworkReport(outbound=probe, attempts=network_attempts(text),
                                            blocked_hosts=execution.blocked_hosts)

    # -- the whole build ------------------------------------------------------------------------------
    def run(self) -> BuildReport:
        plan = self.plan(self.opts.env)
        self.time("plan")
        if plan is None:
            return self.finish()
        app_src = self.source / plan.app_root if plan.app_root not in ("", ".") else self.source
        web, why = serves_http(plan, app_src)
        if not web:
            return self.finish(reason=f"no runnable web app: {why}")
        home = build_home(self.ws, self.source, plan.app_root)
        app = home / "app"
        self.progress(stage="copy", message=f"copying {app_src} to {app}")
        copy_app(app_src, app)
        self.report.build_dir = str(app)
        self.time("copy")
        plan, extra_env, extra_paths, ended = self.runtimes(plan, app)
        python, _asked, _ok = choose_python(plan)
        shim_dir = write_shims(app, python)
        steps = adapt(plan, app, shim_dir=shim_dir, static_server=write_static_server(app), extra_paths=extra_paths)
        self.fetch_python_tools(plan, steps)
        steps.env.update(extra_env)
        self.report.notes += steps.notes
        if steps.refused:
            return self.finish(reason="refused: " + "; ".join(steps.refused) + " (a build may write only in "
                                      "the app folder)", kind="unsupported")
        run_env = self.run_env = dict(steps.env)
        self.log_dir = self.opts.log_dir or home / "logs"
        made = env_from_example(app)
        if made is not None:
            values, example = made
            for key, value in values.items():
                run_env.setdefault(key, value)
                steps.env.setdefault(key, value)
            self.record(RepairAction(id="env-file", stage="plan", kind="build_failed",
                                     diagnosis=f"The app has {example} but no .env.",
                                     change=f"wrote .env from {example} with safe placeholders "
                                            f"({len(values)} variables)",
                                     details={"example": example, "variables": sorted(values)}))
        detection = self.detection or detect()
        self.report.sandbox = detection.backend
        if ended is not None:
            ran = self.dockerfile_stage(plan, steps, app, None, ended.reason, None)
            return self.finish("ran" if ran else "code-only", None if ran else ended.reason, "missing_dependency")
        if not detection.available:
            self.dockerfile_stage(plan, steps, app, None, detection.reason, None)
            return self.finish(reason=detection.reason, kind="missing_dependency")
        return self.execute(plan, steps, app, run_env, home)

    def execute(self, plan: NeutralPlan, steps: SandboxPlan, app: Path, run_env: dict[str, str],
                home: Path) -> BuildReport:
        sandbox = self.open_sandbox(roots=[builds_root(self.ws)], cache_root=self.ws.cache / "sandbox")
        repairer = Repairer(app, steps, run_env, package_manager=plan.package_manager, shim_dir="/app/.goose-studio/bin",
                            emit=self.record, installer=self.installer,
                            allow_system=self.opts.install_system_packages)
        log_dir = self.log_dir or home / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        execution = Execution(sandbox, app, steps, run_env, repairer, log_dir=log_dir, progress=self.progress,
                              install_timeout_s=self.opts.install_timeout_s,
                              start_timeout_s=self.opts.start_timeout_s, max_repairs=self.opts.max_repairs)
        ended = execution.build()
        self.report.phases = execution.phases
        self.time("build")
        if ended is not None:
            if ended.refused:
                return self.finish(reason=f"refused: {ended.reason}", kind="unsupported")
            ran = self.dockerfile_stage(plan, steps, app, repairer, ended.reason, execution)
            return self.finish("ran" if ran else "code-only", None if ran else ended.reason, "build_failed")
        if not steps.start:
            return self.finish("built", "built, not run: no start command could be found (set one with a "
                                        "Procfile or the START_CMD variable)")
        port = plan.port if plan.port and plan.port >= 1024 else free_port()
        service, ended = execution.start(steps.start, port)
        self.report.phases = execution.phases
        self.report.start = execution.start_run
        self.time("start")
        if service is not None:
            try:
                self.explore_running(service.url)
            finally:
                execution.stop(service)
            self.network(execution)
            return self.finish("ran")
        self.network(execution)
        assert ended is not None
        if ended.refused:
            return self.finish("code-only", f"refused: {ended.reason}", "unsupported")
        if ended.needs_system and self.dockerfile_stage(plan, steps, app, repairer, ended.reason, execution):
            return self.finish("ran")
        return self.finish("built", ended.reason)


def build_app(ws: Workspace, source: Path, opts: BuildOptions, ctx: ToolContext, **kwargs: Any) -> BuildReport:
    """Build, run and explore ``source`` (see the module's steps); the report of how far it got."""
    return Build(ws, source, opts, ctx, **kwargs).run()
