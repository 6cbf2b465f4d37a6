"""The BUILD tab's planner: how to install, build and start an app, in Nixpacks' or Railpack's JSON shape.

:func:`make_plan` uses the real ``nixpacks``/``railpack`` binary when one is on PATH and otherwise the studio's
own rules for that tool. Modules: :mod:`.model` (the engine-neutral plan and the result), :mod:`.files`
(reading the app folder), :mod:`.versions` (version rules), :mod:`.context` (what a provider gets),
:mod:`.providers` (one module per language family and each tool's detection order), :mod:`.config` (Procfile,
config files, env overrides), :mod:`.detect` (the detection core, monorepos), :mod:`.render_nixpacks` /
:mod:`.render_railpack` (the two JSON shapes), :mod:`.readback` (reading real tool output back),
:mod:`.engines` (the real binaries), :mod:`.planner` (``make_plan``) and :mod:`.tool` (the ``plan`` tool).
Importing this package registers the tool.
"""

from .config import ConfigError
from .model import AppCandidate, NeutralPlan, Phase, PlanResult, RuntimeVersion, StartSpec
from .planner import make_plan, render
from .tool import PlanArgs, plan_tool

__all__ = ["AppCandidate", "ConfigError", "NeutralPlan", "Phase", "PlanArgs", "PlanResult", "RuntimeVersion",
           "StartSpec", "make_plan", "plan_tool", "render"]
