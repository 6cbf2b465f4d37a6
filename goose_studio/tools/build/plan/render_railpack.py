"""The neutral plan as the JSON ``railpack info DIR --format json`` prints (a BuildResult).

Shape: ``railpackVersion``, ``plan`` (``caches``, ``steps`` with name, inputs, commands, caches, secrets,
variables, and ``deploy`` with its base, inputs, ``startCommand`` and variables), ``resolvedPackages``,
``metadata``, ``detectedProviders``, ``logs`` and ``success``. Runtimes become mise packages in a
``packages:mise`` step, Apt packages ``packages:apt:build`` / ``packages:apt:runtime`` steps, a Caddy phase
``packages:caddy`` + ``caddy``. Versions are not resolved against mise here: ``resolvedVersion`` repeats the
requested one.
"""

from __future__ import annotations

import re
from typing import Any

from .model import NeutralPlan, Phase

BUILDER = "ghcr.io/railwayapp/railpack-builder:latest"
RUNTIME = "ghcr.io/railwayapp/railpack-runtime:latest"
VERSION = "goose-studio"
MISE_VARS = {"MISE_CACHE_DIR": "/mise/cache", "MISE_CONFIG_DIR": "/mise", "MISE_DATA_DIR": "/mise",
             "MISE_INSTALLS_DIR": "/mise/installs", "MISE_SHIMS_DIR": "/mise/shims"}
MISE_OUTPUTS = ["/mise/shims", "/mise/installs", "/usr/local/bin/mise", "/etc/mise/config.toml",
                "/root/.local/state/mise"]
SUPPORTED = ["Php", "Golang", "Java", "Rust", "Ruby", "Elixir", "Python", "Deno", "Dotnet", "Node", "Gleam", "Cpp",
             "Staticfile", "Shell"]
NO_APP = ("Railpack could not determine how to build the app.\n\nThe following languages are supported:\n"
          + "\n".join(SUPPORTED))
SHELL_CHARS = re.compile(r"[|&;<>()$`*?]")


def _command(cmd: str) -> dict[str, str]:
    if SHELL_CHARS.search(cmd):
        return {"cmd": "sh -c '" + cmd.replace("'", "'\\''") + "'", "customName": cmd}
    return {"cmd": cmd}


def _apt_step(name: str, pkgs: list[str], image: str, inputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    pkgs = sorted(dict.fromkeys(pkgs))
    return {"caches": ["apt", "apt-lists"], "commands": [
        {"cmd": f"sh -c 'apt-get update && apt-get install -y {' '.join(pkgs)}'",
         "customName": f"install apt packages: {' '.join(pkgs)}"}],
        "inputs": inputs or [{"image": image}], "name": name}


def no_app_result(reason: str = NO_APP) -> dict[str, Any]:
    return {"logs": [{"level": "error", "msg": reason}], "success": False}


def _mise_step(plan: NeutralPlan, first_input: dict[str, Any]) -> dict[str, Any]:
    names = sorted(r.name for r in plan.runtimes)
    step: dict[str, Any] = {"inputs": [first_input], "name": "packages:mise"}
    if names:
        step.update({"assets": {"generated-mise-toml": "[tools]\n" + "".join(
            f'"{r.name}" = "{r.version}"\n' for r in sorted(plan.runtimes, key=lambda r: r.name))},
            "commands": [{"path": "/mise/shims"},
                         {"customName": "create mise config", "name": "generated-mise-toml",
                          "path": "/etc/mise/config.toml"},
                         {"cmd": "mise install", "customName": f"install mise packages: {', '.join(names)}"}],
            "variables": dict(MISE_VARS)})
    return dict(sorted(step.items()))


def _step(p: Phase, plan: NeutralPlan) -> dict[str, Any]:
    inputs: list[dict[str, Any]] = [{"step": d} for d in p.depends_on if d != "setup"] or [{"step": "packages:mise"}]
    commands: list[dict[str, Any]] = [{"path": x} for x in p.paths]
    if p.only_include_files is not None:
        commands += [{"dest": x, "src": x} for x in p.only_include_files]
    commands += [_command(c) for c in p.commands if c != "mise install"]
    step: dict[str, Any] = {"inputs": inputs, "name": p.name}
    if p.only_include_files is None and p.name not in ("packages:mise",):
        step["inputs"] = inputs + [{"include": ["."], "local": True}]
    if p.caches:
        step["caches"] = [c.name for c in p.caches]
    if commands:
        step["commands"] = commands
    if p.name.startswith("build") or p.name == "caddy":
        step["secrets"] = ["*"]
    if p.variables:
        step["variables"] = dict(sorted(p.variables.items()))
    return dict(sorted(step.items()))


def render_plan(plan: NeutralPlan) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    setup = plan.phase("setup")
    build_apt = list(setup.apt_pkgs) if setup else []
    first: dict[str, Any] = {"image": BUILDER}
    if build_apt:
        steps.append(_apt_step("packages:apt:build", build_apt, BUILDER))
        first = {"step": "packages:apt:build"}
    if plan.runtimes or any("packages:mise" in p.depends_on for p in plan.phases):
        steps.append(_mise_step(plan, first))
    for p in plan.phases:
        if p.name in ("setup", "packages:mise"):
            continue
        if p.name == "caddy":
            steps.append({"commands": [{"cmd": "mise install-into caddy@latest /railpack/caddy"},
                                       {"path": "/railpack/caddy"}, {"path": "/railpack/caddy/bin"}],
                          "inputs": [{"image": BUILDER}], "name": "packages:caddy",
                          "variables": {"MISE_PARANOID": "1"}})
        steps.append(_step(p, plan))
    if plan.provider == "staticfile":
        steps.insert(0, {"commands": [{"cmd": "mise install-into caddy@latest /railpack/caddy"},
                                      {"path": "/railpack/caddy"}, {"path": "/railpack/caddy/bin"}],
                         "inputs": [{"image": BUILDER}], "name": "packages:caddy", "variables": {"MISE_PARANOID": "1"}})
    deploy: dict[str, Any] = {"base": {"image": RUNTIME}}
    if plan.deploy_apt_pkgs:
        steps.append(_apt_step("packages:apt:runtime", plan.deploy_apt_pkgs, RUNTIME))
        deploy["base"] = {"step": "packages:apt:runtime"}
    last_build = next((s["name"] for s in reversed(steps) if s["name"] == "build"), steps[-1]["name"] if steps
                      else "build")
    inputs: list[dict[str, Any]] = []
    if plan.runtimes and not plan.static_dir:
        inputs.append({"include": list(MISE_OUTPUTS), "step": "packages:mise"})
    if plan.static_dir and plan.phase("caddy"):
        inputs += [{"include": ["/railpack/caddy"], "step": "packages:caddy"},
                   {"include": ["/Caddyfile"], "step": "caddy"},
                   {"include": [plan.static_dir], "step": last_build}]
    else:
        inputs.append({"include": ["."], "step": last_build})
    deploy["inputs"] = inputs
    if plan.start.command:
        deploy["startCommand"] = plan.start.command
    variables = dict(plan.variables)
    variables["RAILPACK_VERSION"] = VERSION
    deploy["variables"] = dict(sorted(variables.items()))
    caches: dict[str, Any] = {}
    for p in plan.phases:
        for c in p.caches:
            caches.setdefault(c.name, {"directory": c.directory, "type": c.kind})
    if any(s["name"].startswith("packages:apt") for s in steps):
        caches.update({"apt": {"directory": "/var/cache/apt", "type": "locked"},
                       "apt-lists": {"directory": "/var/lib/apt/lists", "type": "locked"}})
    out: dict[str, Any] = {}
    if caches:
        out["caches"] = dict(sorted(caches.items()))
    out["deploy"] = deploy
    out["steps"] = steps
    return out


def render(plan: NeutralPlan) -> dict[str, Any]:
    logs = [{"level": "info", "msg": f"Detected {(plan.provider or 'nothing').capitalize()}"}]
    logs += [{"level": "info", "msg": f"Using {o}"} for o in plan.overrides]
    logs += [{"level": "warn", "msg": n} for n in plan.notes]
    metadata = {k: v for k, v in plan.metadata.items() if k not in ("labels", "buildImage", "workspacePackages")}
    if plan.provider:
        metadata["providers"] = plan.provider
    resolved = {r.name: {"name": r.name, "requestedVersion": r.version, "resolvedVersion": r.version,
                         "source": "railpack default" if r.source == "default" else r.source}
                for r in plan.runtimes}
    out: dict[str, Any] = {"railpackVersion": VERSION, "plan": render_plan(plan)}
    if resolved:
        out["resolvedPackages"] = dict(sorted(resolved.items()))
    out["metadata"] = dict(sorted(metadata.items()))
    if plan.providers or plan.provider:
        out["detectedProviders"] = plan.providers[:1] or [plan.provider]
    out["logs"] = logs
    out["success"] = True
    return out
