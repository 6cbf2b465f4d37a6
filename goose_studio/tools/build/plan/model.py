"""The engine-neutral build plan: what an app needs to be installed, built and started.

A :class:`NeutralPlan` is what the detection core produces and what both renderers read. It follows the rules
of one tool (``flavor``: the tool whose detection order, defaults and commands were applied) but holds nothing
in either tool's JSON shape: phases carry plain shell commands an executor can run on Debian, the runtimes
and tool binaries they need (``binaries``), Nix package names only as extra facts for the nixpacks renderer,
and Apt packages for both. :class:`PlanResult` is what :func:`~.planner.make_plan` and the ``plan`` tool return.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Flavor = Literal["nixpacks", "railpack"]
Engine = Literal["nixpacks", "railpack", "goose-studio"]
Status = Literal["planned", "no-app"]


class RuntimeVersion(BaseModel):
    """A runtime or tool version and where it came from (a file, an env var, or the tool's default)."""

    name: str = Field(description="Runtime or tool: node, python, go, rust, ruby, java, php, bun, pnpm, ...")
    version: str = Field(description="The requested version as written (a range, a major, 'latest', ...).")
    source: str = Field(description="Where it came from: '.nvmrc', 'package.json > engines > node', "
                        "'NIXPACKS_NODE_VERSION', 'default', ...")


class CacheDir(BaseModel):
    """A directory kept between builds; ``name`` is the cache key Railpack uses."""

    name: str
    directory: str
    kind: Literal["shared", "locked"] = "shared"


class Phase(BaseModel):
    """One build phase (setup, install, build, or an extra one such as caddy or release)."""

    name: str
    commands: list[str] = Field(default_factory=list, description="Plain shell commands, in order.")
    depends_on: list[str] = Field(default_factory=list)
    nix_pkgs: list[str] = Field(default_factory=list)
    nix_libs: list[str] = Field(default_factory=list)
    nix_overlays: list[str] = Field(default_factory=list)
    nixpkgs_archive: str | None = None
    apt_pkgs: list[str] = Field(default_factory=list)
    caches: list[CacheDir] = Field(default_factory=list)
    paths: list[str] = Field(default_factory=list, description="Directories added to PATH for later phases.")
    only_include_files: list[str] | None = Field(
        default=None, description="Files this phase needs from the app (None: the whole app).")
    variables: dict[str, str] = Field(default_factory=dict, description="Variables set for this phase only.")


class StartSpec(BaseModel):
    command: str | None = None
    run_image: str | None = None
    only_include_files: list[str] | None = None


class AppCandidate(BaseModel):
    """An app found in the folder: the chosen one, or another one with the reason it was not chosen."""

    path: str = Field(description="Relative to the folder that was planned ('.' for the folder itself).")
    provider: str | None = None
    chosen: bool = False
    reason: str = ""


class NeutralPlan(BaseModel):
    flavor: Flavor
    app_dir: str = Field(description="The folder that was asked for.")
    app_root: str = Field(description="The folder the plan builds, relative to app_dir ('.' for itself).")
    providers: list[str] = Field(
        default_factory=list, description="Every provider whose detection matched, in the tool's order; "
        "the first is the one used (both tools use a single provider).")
    provider: str | None = None
    language: str | None = None
    framework: str | None = None
    package_manager: str | None = None
    apps: list[AppCandidate] = Field(default_factory=list, description="The chosen app and the others found.")
    runtimes: list[RuntimeVersion] = Field(default_factory=list)
    binaries: list[str] = Field(default_factory=list, description="Executables the commands need, e.g. "
                                "'node>=18', 'npm', 'python3', 'go'.")
    phases: list[Phase] = Field(default_factory=list)
    start: StartSpec = Field(default_factory=StartSpec)
    port: int | None = Field(default=None, description="The port the app listens on, when known.")
    static_dir: str | None = Field(default=None, description="Built static output served as files (SPAs, sites).")
    variables: dict[str, str] = Field(default_factory=dict)
    deploy_apt_pkgs: list[str] = Field(default_factory=list, description="Apt packages needed at run time.")
    config_files: list[str] = Field(default_factory=list, description="The tool's own config files that were read.")
    overrides: list[str] = Field(default_factory=list, description="What config files and env vars changed.")
    metadata: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    def ensure_phase(self, name: str, depends_on: list[str] | None = None) -> Phase:
        found = self.phase(name)
        if found is None:
            found = Phase(name=name, depends_on=list(depends_on or []))
            self.phases.append(found)
        return found

    def shell_commands(self, name: str) -> list[str]:
        found = self.phase(name)
        return list(found.commands) if found else []


class PlanResult(BaseModel):
    status: Status
    engine: Engine
    engine_version: str | None = None
    format: Flavor
    app_dir: str
    rendered: dict[str, Any] = Field(description="The plan as the chosen tool prints it (its JSON shape).")
    plan: NeutralPlan | None = Field(default=None, description="The neutral plan (None when a real tool planned "
                                     "and its output could not be read back).")
    reason: str | None = Field(default=None, description="Why there is no app (status no-app).")
    looked_for: list[str] = Field(default_factory=list, description="What was looked for (status no-app).")
    note: str = Field(default="", description="Which engine planned, and why.")
