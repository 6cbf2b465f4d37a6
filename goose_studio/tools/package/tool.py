"""The publish tab's two tools: ``package`` (build and publish a core) and ``validate`` (check one).

Both live here so that they register in this order, the order in which the tab lists them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..registry import ToolContext, tool
from .build import PackageArgs, PackageResult, build_package
from .checks import ValidateReport
from .validation import validate_package


class ValidateArgs(BaseModel):
    path: str = Field(description="The .gcpkg file to check.")
    check_load: bool = True
    base_model_path: str | None = Field(default=None, description="Local HF folder of the base model.")
    strict: bool = Field(default=False, description="Also fail on warnings and on a load check that was skipped "
                                                    "because the base model is not available locally.")


@tool("package", tab="publish", primary=True)
def package(args: PackageArgs, ctx: ToolContext) -> PackageResult:
    """Pack a trained adapter into an Intelligence Core (.gcpkg), validate it, and only then publish it.

    The core goes to ``out_dir`` (the workspace's cores/ folder by default) as ``<slug>-v<N>.gcpkg``.
    """
    return build_package(args, cores_dir=ctx.workspace.cores, progress=ctx.progress, model_cache=ctx.workspace.cache)


@tool("validate", tab="publish", read_only=True, idempotent=True)
def validate(args: ValidateArgs, ctx: ToolContext) -> ValidateReport:
    """Check an Intelligence Core: zip integrity, layout, checksums, adapter weights, secrets and a real load.

    A corrupted or incomplete core yields a report with ok=False; a path that does not exist is not_found.
    """
    return validate_package(args.path, check_load=args.check_load, base_model_path=args.base_model_path,
                            strict=args.strict, model_cache=ctx.workspace.cache)
