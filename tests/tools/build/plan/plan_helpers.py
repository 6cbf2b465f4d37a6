"""Shared helpers for the planner's tests: small apps written into temp folders, and one checker.

Test modules import what they use from here (``from plan_helpers import ...``). ``no_real_tools`` (autouse in
every module that imports it) points PATH at an empty folder, so a nixpacks/railpack binary installed on the
machine never plans in place of the studio's rules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from goose_studio.tools.build.plan import PlanResult, make_plan
from goose_studio.tools.build.plan import readback

FORMATS = ("nixpacks", "railpack")


@pytest.fixture(autouse=True)
def no_real_tools(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


def write_app(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` under ``root``: relative path -> text; a path ending in '/' makes an empty folder and
    one ending in ' !x' an executable file."""
    root.mkdir(parents=True, exist_ok=True)
    for key, text in files.items():
        rel = key.removesuffix(" !x")
        path = root / rel
        if rel.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.chmod(path, 0o755 if key.endswith(" !x") else 0o644)
    return root


def in_order(want: list[str], have: list[str]) -> bool:
    it = iter(have)
    return all(any(w == h for h in it) for w in want)


def check(app: Path, fmt: str, exp: dict[str, Any], env: dict[str, str] | None = None) -> PlanResult:
    """Plan ``app`` and assert the expectations: status, provider and start (in the rendered JSON and the
    neutral plan), install/build commands (in order), a runtime (name, version, source) and plan fields."""
    result = make_plan(app, fmt, {**exp.get("env", {}), **(env or {})})  # type: ignore[arg-type]
    assert result.engine == "goose-studio"
    assert result.status == exp.get("status", "planned"), result.reason
    if result.status == "no-app":
        assert result.plan is None and result.looked_for
        return result
    plan = result.plan
    assert plan is not None
    assert readback.provider_of(fmt, result.rendered) == exp["provider"]  # type: ignore[arg-type]
    assert readback.start_of(fmt, result.rendered) == exp["start"]  # type: ignore[arg-type]
    assert plan.start.command == exp["start"]
    for phase in ("install", "build"):
        if phase in exp:
            assert in_order(exp[phase], plan.shell_commands(phase)), (phase, plan.shell_commands(phase))
            assert in_order(exp[phase], readback.commands_of(fmt, result.rendered, phase))  # type: ignore[arg-type]
    for name, version, source in exp.get("runtimes", []):
        found = next((r for r in plan.runtimes if r.name == name), None)
        assert found is not None and (found.version, found.source) == (version, source), plan.runtimes
    for key in ("port", "framework", "package_manager", "static_dir", "language", "app_root"):
        if key in exp:
            assert getattr(plan, key) == exp[key], (key, getattr(plan, key))
    if "binaries" in exp:
        assert set(exp["binaries"]) <= set(plan.binaries), plan.binaries
    if "nix_pkgs" in exp and fmt == "nixpacks":
        setup = plan.phase("setup")
        assert setup is not None and in_order(exp["nix_pkgs"], setup.nix_pkgs), setup
    return result


def case_params(cases: list[tuple[str, dict[str, str], dict[str, dict[str, Any]]]]) -> list:
    """pytest params ``(name, files, fmt, expectation)`` for every case and format, with readable ids."""
    return [pytest.param(name, files, fmt, exp[fmt], id=f"{name}-{fmt}") for name, files, exp in cases
            for fmt in FORMATS]


NO_APP: dict[str, Any] = {"status": "no-app"}
