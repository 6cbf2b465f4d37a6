"""The neutral plan as the JSON ``nixpacks plan DIR`` prints.

Shape: ``providers`` (always [] after pinning), ``buildImage``, ``variables`` (sorted; ``NIXPACKS_METADATA`` is
the provider name plus its labels), ``phases`` keyed by name (sorted; camelCase fields, empty ones left out,
names dropped as the CLI drops them) and ``start``. A folder with no app prints no phases.
"""

from __future__ import annotations

from typing import Any

from .model import NeutralPlan, Phase

BUILD_IMAGE = "ghcr.io/railwayapp/nixpacks:ubuntu-1727136237"
DEFAULT_ARCHIVE = "e05605ec414618eab4a7a6aea8b38f6fbbcc8f08"


def empty_plan() -> dict[str, Any]:
    """What the tool prints for a folder it cannot plan."""
    return {"providers": [], "buildImage": BUILD_IMAGE, "phases": {}}


def _phase(p: Phase) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if p.depends_on:
        out["dependsOn"] = list(p.depends_on)
    if p.nix_pkgs:
        out["nixPkgs"] = list(p.nix_pkgs)
    if p.nix_libs:
        out["nixLibs"] = list(p.nix_libs)
    if p.nix_pkgs or p.nix_overlays:
        out["nixOverlays"] = list(dict.fromkeys(p.nix_overlays))
    if p.nix_pkgs or p.nix_libs:
        out["nixpkgsArchive"] = p.nixpkgs_archive or DEFAULT_ARCHIVE
    if p.apt_pkgs:
        out["aptPkgs"] = list(dict.fromkeys(p.apt_pkgs))
    if p.commands:
        out["cmds"] = list(p.commands)
    if p.only_include_files is not None:
        out["onlyIncludeFiles"] = list(p.only_include_files)
    if p.caches:
        out["cacheDirectories"] = [c.directory for c in p.caches]
    if p.paths:
        out["paths"] = list(p.paths)
    return out


def metadata_value(plan: NeutralPlan) -> str | None:
    if not plan.provider:
        return None
    labels = [x for x in plan.metadata.get("labels", "").split(",") if x]
    return ",".join([plan.provider] + labels)


def render(plan: NeutralPlan) -> dict[str, Any]:
    out: dict[str, Any] = {"providers": [], "buildImage": plan.metadata.get("buildImage", BUILD_IMAGE)}
    variables = dict(plan.variables)
    meta = metadata_value(plan)
    if meta:
        variables["NIXPACKS_METADATA"] = meta
    if variables:
        out["variables"] = dict(sorted(variables.items()))
    phases = {}
    for p in sorted(plan.phases, key=lambda p: p.name):
        body = _phase(p)
        if body or p.name in ("setup", "install", "build"):
            phases[p.name] = body
    out["phases"] = phases
    start: dict[str, Any] = {}
    if plan.start.command:
        start["cmd"] = plan.start.command
    if plan.start.run_image:
        start["runImage"] = plan.start.run_image
    if plan.start.only_include_files is not None:
        start["onlyIncludeFiles"] = list(plan.start.only_include_files)
    if start:
        out["start"] = start
    return out
