"""Each tool's own configuration on top of a provider's plan: Procfile, config files and env overrides.

Nixpacks: the provider plan, then the Procfile (``web`` > ``worker`` > first by name; ``release`` becomes a
release phase), then ``NIXPACKS_CONFIG_FILE`` / ``nixpacks.toml`` / ``nixpacks.json`` merged with the
``NIXPACKS_*`` env plan (PKGS, APT_PKGS, LIBS, INSTALL_CMD, BUILD_CMD, START_CMD and their cache dirs). Lists
replace the provider's unless they contain ``"..."``, which stands for the provider's items.

Railpack: the provider plan, then the Procfile (``web`` > ``worker`` > first in file order), then the
``RAILPACK_*`` env config (INSTALL_CMD, BUILD_CMD, START_CMD, PACKAGES, BUILD_APT_PACKAGES,
DEPLOY_APT_PACKAGES) and ``RAILPACK_CONFIG_FILE`` / ``railpack.json`` (which wins over the env).
"""

from __future__ import annotations

import re
from typing import Any

from .context import PREFIX
from .files import AppFiles
from .model import CacheDir, Flavor, NeutralPlan, Phase, RuntimeVersion

AUTO = ("...", "@auto")
PHASE_KEYS = {"nixPkgs": "nix_pkgs", "nixPackages": "nix_pkgs", "nixLibs": "nix_libs", "nixLibraries": "nix_libs",
              "aptPkgs": "apt_pkgs", "aptPackages": "apt_pkgs", "cmds": "commands", "commands": "commands",
              "dependsOn": "depends_on", "paths": "paths", "envPaths": "paths", "nixOverlays": "nix_overlays",
              "onlyIncludeFiles": "only_include_files"}


class ConfigError(ValueError):
    """The tool's config file could not be read (the real tool stops with an error too)."""


def fill_auto(old: list[str] | None, new: list[str] | None) -> list[str] | None:
    """Nixpacks' list merge: ``new`` replaces ``old`` unless it holds '...', which is replaced by ``old``."""
    if new is None:
        return old
    if any(x in AUTO for x in new):
        out: list[str] = []
        for x in new:
            out.extend(old or [] if x in AUTO else [x])
        return out
    return list(new)


def read_config(files: AppFiles, flavor: Flavor, env: dict[str, str]) -> tuple[dict[str, Any], str | None]:
    """(parsed config, its file name) for the tool; ({}, None) when there is none."""
    named = env.get(PREFIX[flavor] + "CONFIG_FILE")
    if flavor == "nixpacks":
        name = named or files.any("nixpacks.toml", "nixpacks.json")
    else:
        name = named or ("railpack.json" if files.has("railpack.json") else None)
    if not name:
        return {}, None
    if not files.has(name):
        raise ConfigError(f"config file {name} does not exist")
    if name.endswith(".toml"):
        data: Any = files.toml(name)
        if not data and (files.read(name) or "").strip():
            raise ConfigError(f"config file {name} is not valid TOML")
    else:
        data = files.json(name, comments=True)
        if not isinstance(data, dict):
            raise ConfigError(f"config file {name} is not valid JSON")
    return data, name


def _split(value: str) -> list[str]:
    return [x for x in re.split(r"[ ,]", value) if x]


def _phase_from_config(name: str, data: dict[str, Any]) -> tuple[Phase, dict[str, Any]]:
    """A config phase as a Phase plus the raw list fields it set (to merge with '...')."""
    raw = {PHASE_KEYS[k]: [str(x) for x in v] for k, v in data.items() if k in PHASE_KEYS and isinstance(v, list)}
    if isinstance(data.get("cmds") or data.get("commands"), str):
        raw["commands"] = [data.get("cmds") or data.get("commands")]
    caches = data.get("cacheDirectories")
    if isinstance(caches, list):
        raw["caches"] = [str(c) for c in caches]
    if data.get("nixpkgsArchive"):
        raw["nixpkgs_archive"] = str(data["nixpkgsArchive"])
    return Phase(name=name), raw


def _merge_phase(plan: NeutralPlan, name: str, raw: dict[str, Any]) -> None:
    default = {"install": ["setup"], "build": ["install"]}.get(name, [])
    phase = plan.ensure_phase(name, default)
    for key, value in raw.items():
        if key == "caches":
            merged = fill_auto([c.directory for c in phase.caches], value) or []
            known = {c.directory: c for c in phase.caches}
            phase.caches = [known.get(d) or CacheDir(name=d.strip("/").replace("/", "-") or "cache", directory=d)
                            for d in merged]
        elif key == "nixpkgs_archive":
            phase.nixpkgs_archive = value
        elif key == "only_include_files":
            phase.only_include_files = fill_auto(phase.only_include_files, value)
        else:
            setattr(phase, key, [x for x in (fill_auto(getattr(phase, key), value) or []) if x not in AUTO])


def nixpacks_procfile(plan: NeutralPlan, files: AppFiles) -> None:
    entries = dict(files.procfile())
    release = entries.pop("release", None)
    if release:
        phase = plan.ensure_phase("release")
        phase.depends_on = ["setup", "install", "build"]
        phase.commands = [release]
        plan.overrides.append("Procfile release: release phase")
    cmd = entries.get("web") or entries.get("worker") or (entries[sorted(entries)[0]] if entries else None)
    if cmd:
        plan.start.command = cmd
        plan.overrides.append("Procfile: start command")


def railpack_procfile(plan: NeutralPlan, files: AppFiles) -> None:
    entries = files.procfile()
    by_type = dict(entries)
    cmd = by_type.get("web") or by_type.get("worker") or next((c for _, c in entries if c), None)
    if cmd:
        plan.start.command = cmd
        plan.overrides.append("Procfile: start command")


def apply_nixpacks(plan: NeutralPlan, files: AppFiles, env: dict[str, str], config: dict[str, Any],
                   config_name: str | None) -> None:
    nixpacks_procfile(plan, files)
    if config_name:
        plan.config_files.append(config_name)
        if config.get("buildImage"):
            plan.metadata["buildImage"] = str(config["buildImage"])
        for name, data in (config.get("phases") or {}).items():
            if isinstance(data, dict):
                _merge_phase(plan, name, _phase_from_config(name, data)[1])
                plan.overrides.append(f"{config_name}: phases.{name}")
        start = config.get("start") or {}
        if isinstance(start, dict) and start.get("cmd"):
            plan.start.command = str(start["cmd"])
            plan.overrides.append(f"{config_name}: start.cmd")
        if isinstance(start, dict) and start.get("runImage"):
            plan.start.run_image = str(start["runImage"])
        for key, value in (config.get("variables") or {}).items():
            plan.variables[str(key)] = str(value)
    get = lambda name: env.get("NIXPACKS_" + name) or None  # noqa: E731
    setup_raw = {k: _split(get(v)) + ["..."] for k, v in (("nix_pkgs", "PKGS"), ("apt_pkgs", "APT_PKGS"),
                                                          ("nix_libs", "LIBS")) if get(v)}
    if setup_raw:
        _merge_phase(plan, "setup", setup_raw)
        plan.overrides += [f"NIXPACKS_{v}" for v in ("PKGS", "APT_PKGS", "LIBS") if get(v)]
    for phase, var in (("install", "INSTALL_CMD"), ("build", "BUILD_CMD")):
        if get(var):
            raw: dict[str, Any] = {"commands": [get(var)]}
            extra = get(var.replace("_CMD", "_CACHE_DIRS"))
            if extra:
                raw["caches"] = ["..."] + _split(extra)
            _merge_phase(plan, phase, raw)
            plan.overrides.append(f"NIXPACKS_{var}")
    if get("START_CMD"):
        plan.start.command = get("START_CMD")
        plan.overrides.append("NIXPACKS_START_CMD")
    if get("RUN_IMAGE") is not None:
        image = get("RUN_IMAGE")
        plan.start.run_image = None if image in ("0", "false", "") else image
    plan.variables.update(env)


def _railpack_commands(value: Any) -> list[str]:
    out = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and item.get("cmd"):
            out.append(str(item["cmd"]))
    return out


def apply_railpack(plan: NeutralPlan, files: AppFiles, env: dict[str, str], config: dict[str, Any],
                   config_name: str | None) -> None:
    railpack_procfile(plan, files)
    get = lambda name: env.get("RAILPACK_" + name) or None  # noqa: E731
    for phase, var in (("install", "INSTALL_CMD"), ("build", "BUILD_CMD")):
        if get(var):
            plan.ensure_phase(phase).commands = [get(var) or ""]
            plan.overrides.append(f"RAILPACK_{var}")
    if get("START_CMD"):
        plan.start.command = get("START_CMD")
        plan.overrides.append("RAILPACK_START_CMD")
    if get("PACKAGES"):
        for spec in _split(get("PACKAGES") or ""):
            name, _, version = spec.partition("@")
            plan.runtimes = [r for r in plan.runtimes if r.name != name]
            plan.runtimes.append(RuntimeVersion(name=name, version=version or "latest", source="RAILPACK_PACKAGES"))
        plan.overrides.append("RAILPACK_PACKAGES")
    if get("BUILD_APT_PACKAGES"):
        plan.ensure_phase("setup").apt_pkgs += _split(get("BUILD_APT_PACKAGES") or "")
        plan.overrides.append("RAILPACK_BUILD_APT_PACKAGES")
    if get("DEPLOY_APT_PACKAGES"):
        plan.deploy_apt_pkgs += _split(get("DEPLOY_APT_PACKAGES") or "")
        plan.overrides.append("RAILPACK_DEPLOY_APT_PACKAGES")
    if not config_name:
        return
    plan.config_files.append(config_name)
    for name, version in (config.get("packages") or {}).items():
        plan.runtimes = [r for r in plan.runtimes if r.name != name]
        plan.runtimes.append(RuntimeVersion(name=str(name), version=str(version), source=f"{config_name} > packages"))
    if isinstance(config.get("buildAptPackages"), list):
        plan.ensure_phase("setup").apt_pkgs += [str(x) for x in config["buildAptPackages"]]
    for name, step in (config.get("steps") or {}).items():
        if not isinstance(step, dict):
            continue
        phase = plan.ensure_phase(name, ["install"] if name == "build" else [])
        if "commands" in step:
            phase.commands = [x for x in fill_auto(phase.commands, _railpack_commands(step["commands"])) or []
                              if x not in AUTO]
        phase.variables.update({str(k): str(v) for k, v in (step.get("variables") or {}).items()})
        plan.overrides.append(f"{config_name}: steps.{name}")
    deploy = config.get("deploy") or {}
    if isinstance(deploy, dict):
        if deploy.get("startCommand"):
            plan.start.command = str(deploy["startCommand"])
            plan.overrides.append(f"{config_name}: deploy.startCommand")
        if isinstance(deploy.get("aptPackages"), list):
            plan.deploy_apt_pkgs += [str(x) for x in deploy["aptPackages"]]
        plan.variables.update({str(k): str(v) for k, v in (deploy.get("variables") or {}).items()})

