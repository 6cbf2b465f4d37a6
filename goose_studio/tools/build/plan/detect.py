"""The detection core: which providers match, which folder is the app, and the neutral plan for it.

At the folder itself the tool's providers are tried in its order; the first match plans (a config file may
name another provider). When nothing matches, Nixpacks' own rule applies first (exactly one sub-folder: plan
that one), then the studio looks one and two levels down (``apps/*``, ``services/*``, ...) and picks one app:
a web server it can start beats a static folder, then conventional names (app, web, frontend, server,
backend, api). The others are listed with the reason they were not chosen.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import config as tool_config
from .context import PlanContext, ProviderSpec
from .files import AppFiles
from .model import AppCandidate, Flavor, NeutralPlan
from .providers import ORDER, by_name

NAME_RANK = ["app", "web", "frontend", "client", "server", "backend", "api", "site", "service"]
GROUP_DIRS = ["apps", "services", "packages", "projects", "examples"]
LOOKED_FOR = {
    "node": "package.json", "python": "requirements.txt, pyproject.toml, Pipfile or main.py", "go": "go.mod, "
    "go.work or main.go", "rust": "Cargo.toml", "ruby": "Gemfile", "java": "pom.xml or gradlew",
    "php": "composer.json or index.php", "csharp": "*.csproj", "fsharp": "*.fsproj", "dotnet": "*.csproj",
    "elixir": "mix.exs", "gleam": "gleam.toml", "crystal": "shard.yml", "dart": "pubspec.yaml",
    "deno": "deno.json or deno.jsonc", "haskell": "package.yaml with *.hs", "scala": "build.sbt",
    "swift": "Package.swift", "zig": "*.zig", "clojure": "project.clj or build.clj", "cobol": "*.cbl",
    "staticfile": "Staticfile, index.html or a public/ folder", "shell": "start.sh", "cpp": "CMakeLists.txt or "
    "meson.build"}


def detected(files: AppFiles, flavor: Flavor, env: dict[str, str]) -> list[ProviderSpec]:
    """Every provider whose detection matches, in the tool's order."""
    return [p for p in ORDER[flavor] if p.detect(files, flavor, env)]


def looked_for(flavor: Flavor) -> list[str]:
    return [f"{LOOKED_FOR[p.key]} ({p.name(flavor)})" for p in ORDER[flavor]]


def plan_at(root: Path, app_dir: Path, flavor: Flavor, env: dict[str, str]) -> NeutralPlan | None:
    """The neutral plan for the folder ``root``; None when no provider matches and no config plans it."""
    files = AppFiles(root)
    config, config_name = tool_config.read_config(files, flavor, env)
    matches = detected(files, flavor, env)
    chosen = matches[0] if matches else None
    wanted = config.get("provider") if flavor == "railpack" else None
    if flavor == "nixpacks" and isinstance(config.get("providers"), list):
        names = tool_config.fill_auto([m.name(flavor) or "" for m in matches[:1]], [str(x) for x in
                                                                                    config["providers"]]) or []
        chosen = by_name(flavor, names[0]) if names else None
    elif isinstance(wanted, str) and by_name(flavor, wanted):
        chosen = by_name(flavor, wanted)
    has_config_plan = bool(config.get("phases") or config.get("start") or config.get("steps")
                           or config.get("deploy") or env.get("NIXPACKS_START_CMD" if flavor == "nixpacks"
                                                              else "RAILPACK_START_CMD"))
    if chosen is None and not has_config_plan:
        return None
    rel = root.relative_to(app_dir).as_posix() if root != app_dir else "."
    plan = NeutralPlan(flavor=flavor, app_dir=str(app_dir), app_root=rel,
                       providers=[m.name(flavor) or m.key for m in matches])
    ctx = PlanContext(files=files, flavor=flavor, env=dict(env), plan=plan, config=config)
    if chosen is not None:
        plan.provider = chosen.name(flavor)
        plan.language = chosen.language
        chosen.plan(ctx)
    if flavor == "nixpacks":
        tool_config.apply_nixpacks(plan, files, env, config, config_name)
    else:
        tool_config.apply_railpack(plan, files, env, config, config_name)
    _finish(plan)
    return plan


def _finish(plan: NeutralPlan) -> None:
    cmd = plan.start.command or ""
    m = re.search(r"\$\{PORT:-(\d+)\}", cmd)
    if m:
        plan.port = int(m.group(1))
    if plan.variables.get("PORT", "").isdigit() and plan.port is None:
        plan.port = int(plan.variables["PORT"])
    if plan.start.command is None:
        plan.notes.append("No start command could be determined; set one with a Procfile, the tool's config "
                          "file or the START_CMD variable.")


def _rank(plan: NeutralPlan, path: str) -> tuple:
    name = path.rsplit("/", 1)[-1].lower()
    static = plan.provider in ("staticfile", None)
    return (static, plan.start.command is None, plan.port is None,
            NAME_RANK.index(name) if name in NAME_RANK else len(NAME_RANK), path)


def _candidates(app_dir: Path, flavor: Flavor, env: dict[str, str]) -> list[tuple[str, NeutralPlan]]:
    """Apps one level down; for a folder that is no app itself (or a group folder such as apps/), two."""
    found = []
    for name in AppFiles(app_dir).dirs():
        if name.startswith("."):
            continue
        sub = plan_at(app_dir / name, app_dir, flavor, env)
        if sub is not None:
            found.append((name, sub))
        if sub is None or name in GROUP_DIRS:
            for inner in AppFiles(app_dir / name).dirs():
                deeper = None if inner.startswith(".") else plan_at(app_dir / name / inner, app_dir, flavor, env)
                if deeper is not None:
                    found.append((f"{name}/{inner}", deeper))
    return found


def build_plan(app_dir: Path, flavor: Flavor, env: dict[str, str]) -> NeutralPlan | None:
    """The neutral plan for ``app_dir`` (choosing one app in a monorepo), or None when there is no app."""
    plan = plan_at(app_dir, app_dir, flavor, env)
    if plan is not None:
        plan.apps.append(AppCandidate(path=".", provider=plan.provider, chosen=True,
                                      reason="the folder itself is an app (the tool builds it)"))
        for folder in plan.metadata.get("workspacePackages", "").split(","):
            if folder:
                plan.apps.append(AppCandidate(path=folder, provider=plan.provider, reason="workspace package; "
                                              "installed and built from the workspace root"))
        return plan
    subdirs = [p for p in AppFiles(app_dir).dirs() if not p.startswith(".")]
    if flavor == "nixpacks" and len(subdirs) == 1:
        inner = plan_at(app_dir / subdirs[0], app_dir, flavor, env)
        if inner is not None:
            inner.apps.append(AppCandidate(path=subdirs[0], provider=inner.provider, chosen=True,
                                           reason="the only sub-folder (Nixpacks plans it when the root has no app)"))
            return inner
    candidates = _candidates(app_dir, flavor, env)
    if not candidates:
        return None
    candidates.sort(key=lambda c: _rank(c[1], c[0]))
    path, chosen = candidates[0]
    chosen.apps.append(AppCandidate(path=path, provider=chosen.provider, chosen=True, reason=_why_chosen(chosen)))
    for other_path, other in candidates[1:]:
        chosen.apps.append(AppCandidate(path=other_path, provider=other.provider,
                                        reason=_why_not(other, chosen, other_path, path)))
    chosen.notes.append(f"The folder itself has no app; planned {path} (the real tool must be pointed at it).")
    return chosen


def _why_chosen(plan: NeutralPlan) -> str:
    if plan.provider in ("staticfile", None):
        return "the only kind of app found is a static site"
    what = f"a {plan.framework or plan.provider} front end served from {plan.static_dir}" if plan.static_dir \
        else f"a {plan.framework or plan.provider} app with a start command"
    return what + (f" on port {plan.port}" if plan.port else "")


def _why_not(other: NeutralPlan, chosen: NeutralPlan, other_path: str, chosen_path: str) -> str:
    if other.provider in ("staticfile", None) and chosen.provider not in ("staticfile", None):
        return f"only static files; {chosen_path} is a server app"
    if other.start.command is None and chosen.start.command:
        return f"no start command could be found; {chosen_path} has one"
    if other.port is None and chosen.port is not None:
        return f"its port is unknown; {chosen_path} listens on {chosen.port}"
    return f"another app ({other.provider}); {chosen_path} ranks first by name and path"
