"""Reading the real tools' JSON back: providers, start command, phase commands, and a neutral plan.

Used when a real ``nixpacks``/``railpack`` binary planned (so the executor still gets plain shell commands)
and by the accuracy benchmark. Nixpacks output is read in its current shape (``phases`` keyed by name,
``start``) and in its two earlier ones (a ``phases`` list with ``startPhase``; top-level ``setup``/``install``/
``build``/``start``); Railpack output as a BuildResult or a bare plan.
"""

from __future__ import annotations

import re
from typing import Any

from .model import CacheDir, Flavor, NeutralPlan, Phase

NIX_PKG_PROVIDERS = [("nodejs", "node"), ("bun", "node"), ("python", "python"), ("go", "go"), ("rust", "rust"),
                     ("ruby", "ruby"), ("php", "php"), ("jdk", "java"), ("maven", "java"), ("gradle", "java"),
                     ("dotnet", "c#"), ("elixir", "elixir"), ("crystal", "crystal"), ("dart", "dart"),
                     ("deno", "deno"), ("stack", "haskell"), ("swift", "swift"), ("zig", "zig"), ("nginx", "staticfile"),
                     ("leiningen", "clojure"), ("gnu-cobol", "cobol")]


def _pkg_names(items: Any) -> list[str]:
    out = []
    for item in items or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and item.get("name"):
            out.append(str(item["name"]))
    return out


def nixpacks_phases(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Phases by name, each with 'cmds', 'nixPkgs', 'aptPkgs', 'cacheDirectories', 'paths' (any shape)."""
    phases: dict[str, dict[str, Any]] = {}
    raw = data.get("phases")
    if isinstance(raw, dict):
        items = [(name, p) for name, p in raw.items() if isinstance(p, dict)]
    elif isinstance(raw, list):
        items = [(p.get("name", ""), p) for p in raw if isinstance(p, dict)]
    else:
        items = [(name, data[name]) for name in ("setup", "install", "build") if isinstance(data.get(name), dict)]
    for name, p in items:
        cmds = p.get("cmds") or p.get("commands") or ([p["cmd"]] if p.get("cmd") else [])
        phases[name] = {"cmds": [c for c in cmds if isinstance(c, str) and c],
                        "nixPkgs": _pkg_names(p.get("nixPkgs") or p.get("nixPackages") or p.get("pkgs")),
                        "aptPkgs": list(p.get("aptPkgs") or p.get("aptPackages") or p.get("apt_pkgs") or []),
                        "cacheDirectories": list(p.get("cacheDirectories") or []),
                        "paths": list(p.get("paths") or []), "dependsOn": list(p.get("dependsOn") or [])}
    return phases


def nixpacks_start(data: dict[str, Any]) -> str | None:
    start = data.get("start") or data.get("startPhase") or {}
    return start.get("cmd") if isinstance(start, dict) else None


def nixpacks_provider(data: dict[str, Any]) -> str | None:
    meta = (data.get("variables") or {}).get("NIXPACKS_METADATA")
    if isinstance(meta, str):
        return meta.split(",")[0].strip().lower() or None
    providers = data.get("providers") or []
    if providers:
        return str(providers[0]).lower()
    pkgs = [n.lower() for n in nixpacks_phases(data).get("setup", {}).get("nixPkgs", [])]
    for prefix, provider in NIX_PKG_PROVIDERS:
        if any(p.startswith(prefix) for p in pkgs):
            return provider
    return None


def _unwrap(cmd: str) -> str:
    m = re.fullmatch(r"sh -c '(.*)'", cmd, flags=re.S)
    return m.group(1).replace("'\\''", "'") if m else cmd


def railpack_plan(data: dict[str, Any]) -> dict[str, Any]:
    return data.get("plan") if isinstance(data.get("plan"), dict) else data


def railpack_provider(data: dict[str, Any]) -> str | None:
    found = data.get("detectedProviders") or []
    return str(found[0]).lower() if found else None


def railpack_start(data: dict[str, Any]) -> str | None:
    return (railpack_plan(data).get("deploy") or {}).get("startCommand")


def railpack_steps(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    steps = {}
    for step in railpack_plan(data).get("steps") or []:
        if not isinstance(step, dict):
            continue
        cmds, paths = [], []
        for c in step.get("commands") or []:
            if isinstance(c, dict) and c.get("cmd"):
                cmds.append(_unwrap(str(c["cmd"])))
            elif isinstance(c, dict) and c.get("path") and not c.get("name"):
                paths.append(str(c["path"]))
        steps[str(step.get("name", ""))] = {"cmds": cmds, "paths": paths, "caches": list(step.get("caches") or [])}
    return steps


def provider_of(fmt: Flavor, data: dict[str, Any]) -> str | None:
    return nixpacks_provider(data) if fmt == "nixpacks" else railpack_provider(data)


def start_of(fmt: Flavor, data: dict[str, Any]) -> str | None:
    return nixpacks_start(data) if fmt == "nixpacks" else railpack_start(data)


def commands_of(fmt: Flavor, data: dict[str, Any], phase: str) -> list[str]:
    phases = nixpacks_phases(data) if fmt == "nixpacks" else railpack_steps(data)
    return list((phases.get(phase) or {}).get("cmds") or [])


def neutral_from(fmt: Flavor, data: dict[str, Any], app_dir: str) -> NeutralPlan:
    """A neutral plan read back from a real tool's JSON (phases, commands, packages, start)."""
    provider = provider_of(fmt, data)
    plan = NeutralPlan(flavor=fmt, app_dir=app_dir, app_root=".", provider=provider,
                       providers=[provider] if provider else [])
    if fmt == "nixpacks":
        for name, p in nixpacks_phases(data).items():
            plan.phases.append(Phase(name=name, commands=p["cmds"], nix_pkgs=p["nixPkgs"], apt_pkgs=p["aptPkgs"],
                                     depends_on=p["dependsOn"], paths=p["paths"],
                                     caches=[CacheDir(name=d, directory=d) for d in p["cacheDirectories"]]))
        plan.variables = {k: str(v) for k, v in (data.get("variables") or {}).items()}
        start = data.get("start") or data.get("startPhase") or {}
        plan.start.run_image = start.get("runImage") if isinstance(start, dict) else None
    else:
        for name, s in railpack_steps(data).items():
            plan.phases.append(Phase(name=name, commands=s["cmds"], paths=s["paths"]))
        deploy = railpack_plan(data).get("deploy") or {}
        plan.variables = {k: str(v) for k, v in (deploy.get("variables") or {}).items()}
        plan.metadata = {k: str(v) for k, v in (data.get("metadata") or {}).items()}
    plan.start.command = start_of(fmt, data)
    plan.notes.append(f"Read back from the real {fmt} output.")
    return plan
