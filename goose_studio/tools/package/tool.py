"""The publish tab's two core tools: ``package`` (build, sign and publish a core) and ``validate`` (the five
gates on one).

Both live here so that they register in this order, the order in which the tab lists them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..registry import ToolContext, tool
from .build import PackageArgs, PackageResult, build_package
from .report import ValidateReport
from .validation import validate_package


class ValidateArgs(BaseModel):
    path: str = Field(description="The .gcpkg file to check.")
    check_load: bool = Field(True, description="Load the adapter onto its base in a fresh process (gates V4, V5).")
    base_model_path: str | None = Field(default=None, description="Local HF folder of the base model.")
    strict: bool = Field(default=False, description="Also fail on notes, on an untrusted signer, on a score accepted "
                                                    "below the threshold and on a load check skipped because the "
                                                    "base model is not available locally.")
    min_quality: int | None = Field(default=None, ge=0, le=100,
                                    description="Quality threshold for gate V3; the one the core was held to by default.")


@tool("package", tab="publish", primary=True)
def package(args: PackageArgs, ctx: ToolContext) -> PackageResult:
    """Pack a trained adapter into an Intelligence Core (.gcpkg), sign it, run the five gates, and only then
    publish it.

    The core goes to ``out_dir`` (the workspace's cores/ folder by default) as ``<slug>-v<N>.gcpkg``.
    """
    return build_package(args, cores_dir=ctx.workspace.cores, progress=ctx.progress, model_cache=ctx.workspace.cache,
                         workspace_root=ctx.workspace.root)


@tool("validate", tab="publish", read_only=True, idempotent=True)
def validate(args: ValidateArgs, ctx: ToolContext) -> ValidateReport:
    """Run the five gates on an Intelligence Core: V1 schema, V2 security (secrets, safetensors only, no
    pickles or executables, sane paths, signature), V3 eval, V4 portable (hashes, a load in a fresh process),
    V5 quality (consistent outputs, no regression). Each gate says passed, failed or skipped, and how to fix it.

    A damaged or tampered core yields a report with ok=False; a path that does not exist is not_found.
    """
    return validate_package(args.path, check_load=args.check_load, base_model_path=args.base_model_path,
                            strict=args.strict, model_cache=ctx.workspace.cache, min_quality=args.min_quality,
                            workspace_root=ctx.workspace.root)
