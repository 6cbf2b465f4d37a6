"""Building, running and exploring an app folder in the sandbox: the ``build_app`` tool.

Modules: :mod:`.report` (the report's schema), :mod:`.workdir` (the build folder in the workspace),
:mod:`.runtimes` (this machine's runtimes against a plan's), :mod:`.commands` (a plan as sandbox
commands; web-app detection; refusals), :mod:`.diagnose` (logs to findings), :mod:`.syslibs` (Debian
packages for missing libraries), :mod:`.envfile` (``.env`` from ``.env.example``), :mod:`.repairs` (one
repair per finding), :mod:`.ports` (what a sandboxed app listens on), :mod:`.follow` (log lines as
progress events), :mod:`.execution` (steps and start with repairs between), :mod:`.exploring` (the UI
explorer through the registry), :mod:`.dockerfile` and :mod:`.docker_run` (the Dockerfile fallback),
:mod:`.pipeline` (the whole build) and :mod:`.tool` (the ``build_app`` tool). Importing this package
registers the tool.
"""

from .pipeline import Build, BuildOptions, build_app
from .report import (AppChoice, BuildReport, DockerfileReport, Exploration, NetworkReport, PageEntry, PhaseRun,
                     RepairAction, StartRun)
from .tool import BuildAppArgs, build_app_tool

__all__ = ["AppChoice", "Build", "BuildAppArgs", "BuildOptions", "BuildReport", "DockerfileReport", "Exploration",
           "NetworkReport", "PageEntry", "PhaseRun", "RepairAction", "StartRun", "build_app", "build_app_tool"]
