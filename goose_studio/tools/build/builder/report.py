"""What building and running one app folder ends with: the :class:`BuildReport` and its parts.

``status`` is ``ran`` (the app answered HTTP in the sandbox), ``built`` (its install and build commands
succeeded but it did not answer) or ``code-only`` (it was not built: no app, no sandbox, a refused or failed
build); ``reason`` says why whenever it is not ``ran``. Every repair tried is a :class:`RepairAction`,
in order; ``exploration`` has one :class:`PageEntry` per page the UI explorer visited.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

BuildStatus = Literal["ran", "built", "code-only"]
RepairOutcome = Literal["applied", "not-applied"]


class RepairAction(BaseModel):
    """One repair of the cascade: what was diagnosed, what was changed, and whether it could be applied."""

    id: str = Field(description="missing-dependency, runtime-version, env-file, port, system-library, "
                    "start-command, tool, dockerfile")
    stage: str = Field(description="Where the problem showed: plan, install, build, start")
    kind: str = Field(description="The failure kind the repair answers (missing_dependency, build_failed, ...)")
    diagnosis: str
    change: str = Field(description="What the studio changed (or would change)")
    outcome: RepairOutcome = "applied"
    hint: str | None = Field(None, description="What a person can do when the repair could not be applied")
    details: dict[str, Any] = Field(default_factory=dict)

    def as_agent_action(self) -> dict[str, Any]:
        """The repair in the shape of the run's agent actions (as the core's provenance lists them)."""
        return {"agent": "repair", "tab": "build", "kind": self.kind, "id": f"build:{self.id}",
                "label": self.change, "diagnosis": self.diagnosis,
                "changes": {"outcome": self.outcome, **{k: v for k, v in self.details.items()
                                                        if isinstance(v, (str, int, float, bool, list))}}}


class PhaseRun(BaseModel):
    """One install or build command as it ran in the sandbox."""

    phase: str
    command: str
    ok: bool
    exit_code: int | None = None
    timed_out: bool = False
    duration_s: float = 0.0
    write_denied: bool = False
    blocked_hosts: list[str] = Field(default_factory=list)
    log_path: str | None = None


class StartRun(BaseModel):
    """Starting the app: the command, where it was reached, and how waiting for HTTP ended."""

    command: str
    port: int = Field(description="The port the app listened on inside the sandbox (PORT)")
    url: str | None = Field(None, description="Where the studio reached it on the host's loopback")
    ready: bool = False
    http_status: int | None = None
    elapsed_s: float = 0.0
    timed_out: bool = False
    exited: bool = False
    exit_code: int | None = None
    log_path: str | None = None
    log_tail: str = ""


class NetworkReport(BaseModel):
    """What the app met when it tried the network while running (it has none)."""

    outbound: Literal["blocked", "open", "unknown"] = "unknown"
    attempts: list[str] = Field(default_factory=list, description="Log lines where the app's connections failed")
    blocked_hosts: list[str] = Field(default_factory=list, description="Registry-proxy refusals during installs")


class PageEntry(BaseModel):
    """One page the explorer visited."""

    path: str
    status: int | None = None
    title: str = ""
    text: str = Field("", description="An excerpt of the page's visible text")
    screenshot: str | None = None


class Exploration(BaseModel):
    explored: bool = False
    reason: str | None = Field(None, description="Why the app was not explored ('not explored: ...')")
    report_path: str | None = Field(None, description="The explorer's exploration-report.json")
    pages: list[PageEntry] = Field(default_factory=list)
    issues: int = 0
    mode: str | None = Field(None, description="The explorer's mode, e.g. DOM-only or with a vision model")


class DockerfileReport(BaseModel):
    path: str
    origin: Literal["existing", "generated"]
    used: bool = False
    reason: str = ""


class AppChoice(BaseModel):
    """An app found in the folder: the one built and the others, with why they were not chosen."""

    path: str
    provider: str | None = None
    chosen: bool = False
    reason: str = ""


class BuildReport(BaseModel):
    source_dir: str = Field(description="The folder that was asked for (never written)")
    status: BuildStatus
    reason: str | None = None
    failure_kind: str | None = Field(None, description="For a build that was tried and did not get through: "
                                     "the failure kind (missing_dependency, build_failed, unsupported)")
    engine: str | None = Field(None, description="Who made the plan: nixpacks, railpack or goose-studio")
    engine_version: str | None = None
    format: str = "nixpacks"
    plan: dict[str, Any] | None = Field(None, description="The plan in the chosen tool's JSON shape")
    provider: str | None = None
    framework: str | None = None
    app_root: str | None = Field(None, description="The app's folder, relative to source_dir")
    apps: list[AppChoice] = Field(default_factory=list)
    sandbox: str | None = Field(None, description="docker, bubblewrap, or None when none works here")
    build_dir: str | None = Field(None, description="The copy that was built, in the workspace")
    phases: list[PhaseRun] = Field(default_factory=list)
    start: StartRun | None = None
    repairs: list[RepairAction] = Field(default_factory=list)
    dockerfile: DockerfileReport | None = None
    network: NetworkReport = Field(default_factory=NetworkReport)
    exploration: Exploration = Field(default_factory=Exploration)
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per stage, and total")
    notes: list[str] = Field(default_factory=list)
    report_path: str | None = None

    @property
    def ran(self) -> bool:
        return self.status == "ran"
