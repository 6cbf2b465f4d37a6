"""What a provider gets while it plans: the app's files, the flavor, the env, and the plan being filled.

Config variables follow each tool's convention: ``cfg("NODE_VERSION")`` reads ``NIXPACKS_NODE_VERSION`` under
the nixpacks flavor and ``RAILPACK_NODE_VERSION`` under railpack (only from the env given to the planner,
never from this process's environment, as the real tools read only what they are handed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .files import AppFiles
from .model import CacheDir, Flavor, NeutralPlan, Phase, RuntimeVersion

PREFIX = {"nixpacks": "NIXPACKS_", "railpack": "RAILPACK_"}


@dataclass
class PlanContext:
    files: AppFiles
    flavor: Flavor
    env: dict[str, str]
    plan: NeutralPlan
    config: dict = field(default_factory=dict)  # the tool's config file (parsed), if any

    @property
    def nix(self) -> bool:
        return self.flavor == "nixpacks"

    def cfg(self, name: str) -> str | None:
        """The tool's config variable ``<PREFIX>name`` (None when unset or empty)."""
        value = self.env.get(PREFIX[self.flavor] + name)
        return value if value not in (None, "") else None

    def cfg_name(self, name: str) -> str:
        return PREFIX[self.flavor] + name

    def truthy(self, name: str) -> bool:
        return (self.cfg(name) or "").lower() in ("1", "true", "yes")

    def var(self, name: str) -> str | None:
        return self.env.get(name)

    # -- runtimes -------------------------------------------------------------------------------------------
    def runtime(self, name: str, version: str, source: str) -> None:
        """Record (or replace) the version of ``name``."""
        self.plan.runtimes = [r for r in self.plan.runtimes if r.name != name]
        self.plan.runtimes.append(RuntimeVersion(name=name, version=str(version).strip(), source=source))

    def runtime_of(self, name: str) -> RuntimeVersion | None:
        return next((r for r in self.plan.runtimes if r.name == name), None)

    def pick_version(self, name: str, default: str, sources: list[tuple[str | None, str]]) -> str:
        """Record the first present version among ``sources`` (value, source name), else the default."""
        for value, source in sources:
            if value not in (None, ""):
                self.runtime(name, str(value), source)
                return str(value).strip()
        self.runtime(name, default, "default")
        return default

    # -- phases ---------------------------------------------------------------------------------------------
    def phase(self, name: str) -> Phase:
        default_deps = {"install": ["setup"], "build": ["install"]}.get(name, [])
        return self.plan.ensure_phase(name, default_deps)

    def cmd(self, phase: str, *commands: str) -> Phase:
        p = self.phase(phase)
        p.commands.extend(c for c in commands if c)
        return p

    def cache(self, phase: str, name: str, directory: str, kind: str = "shared") -> None:
        p = self.phase(phase)
        if all(c.directory != directory for c in p.caches):
            p.caches.append(CacheDir(name=name, directory=directory, kind=kind))  # type: ignore[arg-type]

    def binaries(self, *names: str) -> None:
        for n in names:
            if n and n not in self.plan.binaries:
                self.plan.binaries.append(n)

    def start(self, command: str | None, run_image: str | None = None,
              only_include_files: list[str] | None = None) -> None:
        self.plan.start.command = command
        self.plan.start.run_image = run_image
        self.plan.start.only_include_files = only_include_files

    def meta(self, key: str, value: str | bool | None) -> None:
        if value is None or value == "":
            return
        self.plan.metadata[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)

    def note(self, text: str) -> None:
        if text not in self.plan.notes:
            self.plan.notes.append(text)


@dataclass(frozen=True)
class ProviderSpec:
    """One provider: its neutral key, the names each tool gives it, and its detect/plan functions."""

    key: str
    language: str
    names: dict[str, str]  # flavor -> the tool's provider name
    detect: Callable[[AppFiles, Flavor, dict[str, str]], bool]
    plan: Callable[[PlanContext], None]

    def name(self, flavor: Flavor) -> str | None:
        return self.names.get(flavor)
