"""``make_plan``: plan an app folder in Nixpacks' or Railpack's JSON shape.

When the real tool is on PATH it plans (``engine`` is its name, ``engine_version`` its version) and its JSON is
returned as printed, with a neutral plan read back from it. Otherwise the studio's own rules plan
(``engine: "goose-studio"``) and the neutral plan is rendered in the tool's shape. A folder without a
recognizable app is not an error: ``status`` is ``"no-app"`` with the reason and what was looked for.
"""

from __future__ import annotations

from pathlib import Path

from . import readback, render_nixpacks, render_railpack
from .config import ConfigError
from .detect import build_plan, looked_for
from .engines import EngineError, find_binary, run_engine
from .model import Flavor, NeutralPlan, PlanResult


def render(plan: NeutralPlan, fmt: Flavor) -> dict:
    """The neutral plan in the JSON shape of ``fmt`` (any plan renders in either shape)."""
    return render_nixpacks.render(plan) if fmt == "nixpacks" else render_railpack.render(plan)


def studio_plan(app_dir: Path, fmt: Flavor, env: dict[str, str], note: str) -> PlanResult:
    plan = build_plan(app_dir, fmt, env)
    if plan is None:
        reason = "No supported app was found in the folder or its sub-folders."
        rendered = render_nixpacks.empty_plan() if fmt == "nixpacks" else render_railpack.no_app_result()
        return PlanResult(status="no-app", engine="goose-studio", format=fmt, app_dir=str(app_dir),
                          rendered=rendered, reason=reason, looked_for=looked_for(fmt), note=note)
    return PlanResult(status="planned", engine="goose-studio", format=fmt, app_dir=str(app_dir),
                      rendered=render(plan, fmt), plan=plan, note=note)


def _engine_result(app_dir: Path, fmt: Flavor, data: dict, binary: str, version: str | None) -> PlanResult:
    note = f"Planned by the real {fmt} ({binary}{', ' + version if version else ''})."
    no_app = (fmt == "nixpacks" and not readback.nixpacks_phases(data) and not readback.nixpacks_start(data)) or \
        (fmt == "railpack" and data.get("success") is not True and "plan" not in data)
    if no_app:
        logs = [str(log.get("msg")) for log in data.get("logs") or [] if isinstance(log, dict)]
        return PlanResult(status="no-app", engine=fmt, engine_version=version, format=fmt, app_dir=str(app_dir),
                          rendered=data, reason=logs[-1] if logs else f"{fmt} found no app to build.",
                          looked_for=looked_for(fmt), note=note)
    return PlanResult(status="planned", engine=fmt, engine_version=version, format=fmt, app_dir=str(app_dir),
                      rendered=data, plan=readback.neutral_from(fmt, data, str(app_dir)), note=note)


def make_plan(app_dir: str | Path, fmt: Flavor = "nixpacks", env: dict[str, str] | None = None) -> PlanResult:
    """Plan ``app_dir`` in ``fmt``'s shape; the real tool plans when it is on PATH.

    Raises :class:`~.config.ConfigError` when the tool's config file is named but missing or cannot be
    parsed (the real tools stop there too).
    """
    folder = Path(app_dir).resolve()
    env = dict(env or {})
    binary = find_binary(fmt)
    if binary:
        try:
            run = run_engine(fmt, binary, str(folder), env)
        except EngineError as exc:
            return studio_plan(folder, fmt, env, f"The real {fmt} failed ({exc}); planned by goose-studio's "
                               f"own {fmt} rules instead.")
        return _engine_result(folder, fmt, run.output, binary, run.version)
    return studio_plan(folder, fmt, env, f"{fmt} is not on PATH; planned by goose-studio's own {fmt} rules.")


__all__ = ["ConfigError", "make_plan", "render", "studio_plan"]
