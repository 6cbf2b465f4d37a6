"""Running one build in the sandbox: the install and build commands, then the app, with the repairs between.

:meth:`Execution.build` runs the steps in order (network policy "registries"); a failed step's log is
diagnosed, one repair is applied and the steps run again from the start (installs are idempotent and
cached), until they pass, a step is refused (it wrote outside the app folder), no repair applies, or the
repair budget is spent. :meth:`Execution.start` starts the app with ``PORT`` and no network and waits for
HTTP: an app that exits is diagnosed and repaired like a step (a missing module sends the build back to
its install steps); one that listens on another port than ``PORT`` is started again on the port it chose
(seen in its network namespace, or in its log); a port already taken inside gets another; one that never
answers is stopped at the time limit, its log kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ....sandbox import HttpCheck, RunResult, Service
from ....sandbox.service import loopback_listener
from .commands import SandboxPlan
from .diagnose import announced_ports, diagnose, plain
from .follow import LogFollower
from .ports import listening_ports
from .repairs import Repairer
from .report import PhaseRun, RepairAction, StartRun

WAIT_SLICE_S = 1.5
RESTART_FINDINGS = ("python-module", "node-module")  # fixed by installing again


def free_port() -> int:
    """A port number free on the host's loopback now (a sandbox's own namespace has it free too)."""
    with loopback_listener() as sock:
        return sock.getsockname()[1]


@dataclass
class Ended:
    """How a build or a start ended when it did not succeed."""

    stage: str
    reason: str
    refused: bool = False
    needs_system: bool = False  # a system package is missing (the Dockerfile can bring it)


class Execution:
    def __init__(self, sandbox: Any, app: Path, steps: SandboxPlan, run_env: dict[str, str], repairer: Repairer, *,
                 log_dir: Path, progress: Callable[..., None], install_timeout_s: float, start_timeout_s: float,
                 max_repairs: int) -> None:
        self.sandbox = sandbox
        self.app = app
        self.steps = steps
        self.run_env = run_env
        self.repairer = repairer
        self.log_dir = log_dir
        self.progress = progress
        self.install_timeout_s = install_timeout_s
        self.start_timeout_s = start_timeout_s
        self.max_repairs = max_repairs
        self.phases: list[PhaseRun] = []
        self.blocked_hosts: list[str] = []
        self.repairs_used = 0
        self.port: int | None = None
        self.start_run: StartRun | None = None
        self.stopped: RunResult | None = None
        self.app_log = log_dir / "app.log"

    # -- install and build ----------------------------------------------------------------------------
    def _run_step(self, index: int) -> tuple[PhaseRun, RunResult]:
        step = self.steps.steps[index]
        log = self.log_dir / f"{index + 1:02d}-{step.phase}.log"
        self.progress(stage=step.phase, message=f"$ {step.command}")
        with LogFollower(log, lambda line: self.progress(stage=step.phase, line=line)):
            result = self.sandbox.run(step.command, self.app, network="registries", env=self.steps.env,
                                      timeout_s=self.install_timeout_s, log_path=log)
        run = PhaseRun(phase=step.phase, command=step.command, ok=result.ok, exit_code=result.exit_code,
                       timed_out=result.timed_out, duration_s=result.duration_s, write_denied=result.write_denied,
                       blocked_hosts=result.blocked_hosts, log_path=str(log))
        self.phases.append(run)
        self.blocked_hosts += [h for h in result.blocked_hosts if h not in self.blocked_hosts]
        return run, result

    def _log_text(self, result: RunResult) -> str:
        if result.log_path:
            try:
                return Path(result.log_path).read_text(errors="replace")[-200_000:]
            except OSError:
                pass
        return result.log_tail

    def _repair(self, text: str, stage: str) -> tuple[RepairAction | None, Ended | None]:
        """One repair for the problems ``text`` shows; or how the stage ends when none applies."""
        findings = diagnose(text)
        if any(f.kind == "write-outside" for f in findings):
            return None, Ended(stage, f"the {stage} step tried to write outside the app folder and was refused "
                                      "by the sandbox", refused=True)
        if self.repairs_used >= self.max_repairs:
            return None, Ended(stage, f"the {stage} step still fails after {self.repairs_used} repairs")
        for finding in findings:
            if finding.kind == "port-in-use":
                continue  # only a start can be moved to another port
            action = self.repairer.apply(finding, stage)
            if action is None:
                continue
            self.repairs_used += 1
            if action.outcome != "applied":
                return action, Ended(stage, f"{action.diagnosis} {action.change}.",
                                     needs_system=action.id == "system-library")
            return action, None
        return None, None

    def build(self) -> Ended | None:
        """Run every install and build step; None when all passed."""
        index = 0
        while index < len(self.steps.steps):
            run, result = self._run_step(index)
            if run.ok:
                index += 1
                continue
            if result.write_denied:
                return Ended(run.phase, f"`{run.command}` tried to write outside the app folder; the sandbox "
                                        "refused it", refused=True)
            if run.timed_out:
                return Ended(run.phase, f"`{run.command}` did not finish within {self.install_timeout_s:g}s")
            action, ended = self._repair(self._log_text(result), run.phase)
            if ended is not None:
                return ended
            if action is None:
                return Ended(run.phase, f"`{run.command}` failed (exit {run.exit_code}); no repair applies "
                                        f"(log: {run.log_path})")
            index = 0
        return None

    # -- the app --------------------------------------------------------------------------------------
    def _wait(self, service: Service, deadline: float) -> tuple[HttpCheck, int | None]:
        """Wait for HTTP until ``deadline``; (the last check, another port the app listens on instead)."""
        pid = getattr(service.handle, "pid", None)
        while True:
            slice_s = max(0.2, min(WAIT_SLICE_S, deadline - time.monotonic()))
            check = service.wait_http("/", timeout_s=slice_s)
            if check.ready or check.exited:
                return check, None
            ports = listening_ports(pid)
            if ports is None:
                ports = set(announced_ports(service.logs(100)))
            other = sorted(p for p in ports if p != service.inner_port)
            if other and service.inner_port not in ports:
                return check, other[0]
            if time.monotonic() >= deadline:
                return check, None

    def _start_once(self, command: str, port: int) -> tuple[Service, HttpCheck, int | None]:
        env = {**self.run_env, "PORT": str(port)}
        service = self.sandbox.start(command, self.app, port=port, env=env, log_path=self.app_log,
                                     max_runtime_s=self.start_timeout_s + 600)
        started = time.monotonic()
        with LogFollower(self.app_log, lambda line: self.progress(stage="start", line=line)):
            check, other = self._wait(service, started + self.start_timeout_s)
        return service, check, other

    def _record_start(self, command: str, service: Service, check: HttpCheck) -> None:
        self.start_run = StartRun(command=command, port=service.inner_port, url=service.url if check.ready else None,
                                  ready=check.ready, http_status=check.status, elapsed_s=check.elapsed_s,
                                  timed_out=check.timed_out, exited=check.exited, exit_code=check.exit_code,
                                  log_path=str(self.app_log), log_tail=plain(service.logs(40)))

    def start(self, command: str, port: int) -> tuple[Service | None, Ended | None]:
        """Start the app until it answers HTTP: (the running service, None) or (None, how it ended)."""
        while True:
            self.progress(stage="start", message=f"$ {command} (PORT={port})")
            service, check, other = self._start_once(command, port)
            self._record_start(command, service, check)
            if check.ready:
                self.port = port
                return service, None
            text = service.logs(400)
            self.stopped = service.stop()
            if other is not None and self.repairs_used < self.max_repairs:
                self.repairs_used += 1
                self.repairer.record(RepairAction(
                    id="port", stage="start", kind="build_failed",
                    diagnosis=f"The app listens on port {other}, not on PORT={port}.",
                    change=f"relayed the studio's port to {other}, the port the app chose",
                    details={"asked": port, "used": other}))
                port = other
                continue
            findings = diagnose(text)
            taken = next((f for f in findings if f.kind == "port-in-use"), None)
            if taken is not None and self.repairs_used < self.max_repairs:
                new = free_port()
                self.repairs_used += 1
                self.repairer.record(RepairAction(
                    id="port", stage="start", kind="build_failed",
                    diagnosis=f"Port {port} was already taken inside the sandbox ({taken.line}).",
                    change=f"remapped PORT from {port} to {new}", details={"asked": port, "used": new}))
                port = new
                continue
            if check.timed_out:
                return None, Ended("start", f"the app did not answer HTTP within {self.start_timeout_s:g}s; it "
                                            f"was stopped (log kept: {self.app_log})")
            action, ended = self._repair(text, "start")
            if ended is not None:
                return None, ended
            if action is None:
                return None, Ended("start", f"the app exited (code {check.exit_code}) before it answered HTTP; "
                                            f"no repair applies (log: {self.app_log})")
            if any(f.kind in RESTART_FINDINGS for f in findings):
                ended = self.build()
                if ended is not None:
                    return None, ended

    def stop(self, service: Service | None) -> None:
        if service is not None:
            self.stopped = service.stop()
