"""The app-level repairs of the build cascade: each acts on one :class:`~.diagnose.Finding`.

A repair changes the build folder or the sandbox plan, never the user's source: a missing Python module
becomes a line of ``requirements.txt`` (or a ``pip install`` step), a missing Node package an install step,
a missing variable a placeholder in ``.env``, a refused Node engine ``engine-strict`` off, a refused Python
version another interpreter of this machine, a missing system library the Debian package (installed only
where that is allowed, else named). Each is recorded once as a :class:`~.report.RepairAction` and announced
through ``emit``; a finding already repaired once is not repaired again, so the cascade always ends.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from .commands import SandboxPlan, Step
from .diagnose import Finding, pypi_name
from .envfile import add_variable
from .report import RepairAction
from .runtimes import pythons, python_allows
from .syslibs import InstallOutcome, install_packages
from .workdir import write_shims

Installer = Callable[[list[str], bool], InstallOutcome]
ADD_COMMANDS = {"npm": "npm install --no-save {p}", "pnpm": "pnpm add {p}", "yarn": "yarn add {p}",
                "bun": "bun add {p}"}


class Repairer:
    """Applies repairs to one build (its folder ``app``, its sandbox plan ``steps``, its run environment)."""

    def __init__(self, app: Path, steps: SandboxPlan, run_env: dict[str, str], *, package_manager: str | None,
                 shim_dir: str, emit: Callable[[RepairAction], None], installer: Installer = install_packages,
                 allow_system: bool = False) -> None:
        self.app = app
        self.steps = steps
        self.run_env = run_env
        self.package_manager = package_manager
        self.shim_dir = shim_dir
        self.emit = emit
        self.installer = installer
        self.allow_system = allow_system
        self.actions: list[RepairAction] = []
        self.apt_packages: list[str] = []  # named by system-library findings, for the Dockerfile
        self._done: set[tuple[str, str]] = set()

    def record(self, action: RepairAction) -> RepairAction:
        self.actions.append(action)
        self.emit(action)
        return action

    def apply(self, finding: Finding, stage: str) -> RepairAction | None:
        """Repair ``finding`` (seen at ``stage``); the action, or None when there is nothing (more) to do."""
        key = (finding.kind, finding.value)
        if key in self._done:
            return None
        handler = getattr(self, "_" + finding.kind.replace("-", "_"), None)
        if handler is None:
            return None
        self._done.add(key)
        action = handler(finding, stage)
        return self.record(action) if action is not None else None

    # -- dependencies ---------------------------------------------------------------------------------
    def _install_index(self) -> int:
        """Where an added install command goes: after the last install step (before the build steps)."""
        last = max((i for i, s in enumerate(self.steps.steps) if s.phase == "install"), default=-1)
        return last + 1

    def _python_module(self, finding: Finding, stage: str) -> RepairAction | None:
        top = finding.value.split(".")[0]
        if (self.app / f"{top}.py").exists() or (self.app / top).is_dir():
            return None  # the app's own module: a path problem, not a dependency
        package = pypi_name(finding.value)
        requirements = self.app / "requirements.txt"
        uses_file = requirements.exists() and any("requirements.txt" in s.command for s in self.steps.steps)
        if uses_file:
            text = requirements.read_text(errors="replace")
            requirements.write_text(text + ("" if text.endswith("\n") or not text else "\n") + package + "\n")
            change = f"added {package} to requirements.txt"
        else:
            self.steps.steps.insert(self._install_index(), Step("install", (
                "[ -x /app/.venv/bin/python ] || python3 -m venv /app/.venv; "
                f"/app/.venv/bin/python -m pip install {package}")))
            change = f"installed {package} with pip"
            for env in (self.steps.env, self.run_env):
                if "/app/.venv/bin" not in env.get("PATH", ""):
                    env["PATH"] = "/app/.venv/bin:" + env.get("PATH", "")
        return RepairAction(id="missing-dependency", stage=stage, kind="missing_dependency",
                            diagnosis=f"The Python module {finding.value} is missing ({finding.line}).",
                            change=change, details={"module": finding.value, "package": package})

    def _node_module(self, finding: Finding, stage: str) -> RepairAction | None:
        pm = self.package_manager if self.package_manager in ADD_COMMANDS else "npm"
        command = ADD_COMMANDS[pm].format(p=finding.value)
        self.steps.steps.insert(self._install_index(), Step("install", command))
        return RepairAction(id="missing-dependency", stage=stage, kind="missing_dependency",
                            diagnosis=f"The Node package {finding.value} is missing ({finding.line}).",
                            change=f"installed {finding.value} with `{command}`",
                            details={"package": finding.value, "command": command})

    # -- environment ----------------------------------------------------------------------------------
    def _env_var(self, finding: Finding, stage: str) -> RepairAction | None:
        values = add_variable(self.app, finding.value)
        self.run_env.setdefault(finding.value, values[finding.value])
        self.steps.env.setdefault(finding.value, values[finding.value])
        return RepairAction(id="env-file", stage=stage, kind="build_failed",
                            diagnosis=f"The app needs the variable {finding.value}, which is not set.",
                            change=f"set {finding.value} to a placeholder in .env and in the app's environment",
                            details={"variable": finding.value})

    # -- runtimes -------------------------------------------------------------------------------------
    def _engine(self, finding: Finding, stage: str) -> RepairAction | None:
        self.steps.env["npm_config_engine_strict"] = "false"
        self.run_env["npm_config_engine_strict"] = "false"
        return RepairAction(id="runtime-version", stage=stage, kind="build_failed",
                            diagnosis=f"npm refuses this machine's Node version ({finding.line}).",
                            change="installed with engine-strict off, on the Node version available here",
                            details={"runtime": "node"})

    def _python_version(self, finding: Finding, stage: str) -> RepairAction | None:
        spec = finding.value
        floor = spec.split(",")[0].strip()
        fits = [(v, p) for v, p in pythons() if python_allows(floor, v)]
        if not fits:
            return RepairAction(id="runtime-version", stage=stage, kind="missing_dependency", outcome="not-applied",
                                diagnosis=f"The app needs Python {spec}; this machine has "
                                          f"{', '.join('.'.join(map(str, v)) for v, _ in pythons()) or 'none'}.",
                                change=f"would build with a Python {spec}",
                                hint=f"Install a Python {spec} (Debian: apt-get install python3.X).",
                                details={"asked": spec, "have": finding.extra.get("have", "")})
        version, path = fits[0]
        write_shims(self.app, path)
        shutil.rmtree(self.app / ".venv", ignore_errors=True)
        used = ".".join(map(str, version))
        return RepairAction(id="runtime-version", stage=stage, kind="build_failed",
                            diagnosis=f"The app needs Python {spec}, not {finding.extra.get('have')}.",
                            change=f"rebuilt the environment with Python {used} ({path})",
                            details={"asked": spec, "used": used})

    # -- the system -----------------------------------------------------------------------------------
    def _system(self, finding: Finding, stage: str, what: str) -> RepairAction:
        package = finding.extra.get("package") or ""
        if not package:
            return RepairAction(id="system-library", stage=stage, kind="missing_dependency", outcome="not-applied",
                                diagnosis=f"The {what} {finding.value} is missing ({finding.line}).",
                                change=f"would install the Debian package that provides {finding.value}",
                                hint=f"Find its package with `apt-file search {finding.value}` and install it.",
                                details={"missing": finding.value})
        if package not in self.apt_packages:
            self.apt_packages.append(package)
        outcome = self.installer([package], self.allow_system)
        return RepairAction(id="system-library", stage=stage, kind="missing_dependency",
                            outcome="applied" if outcome.installed else "not-applied",
                            diagnosis=f"The {what} {finding.value} is missing ({finding.line}).",
                            change=f"Debian package {package}: {outcome.message}",
                            hint=None if outcome.installed else f"apt-get install {package}",
                            details={"missing": finding.value, "package": package})

    def _system_library(self, finding: Finding, stage: str) -> RepairAction:
        what = {"so": "shared library", "header": "C header", "linker": "library", "pkg-config": "library",
                "config-tool": "tool"}.get(finding.extra.get("what", ""), "library")
        return self._system(finding, stage, what)

    def _missing_tool(self, finding: Finding, stage: str) -> RepairAction:
        return self._system(finding, stage, "command")
