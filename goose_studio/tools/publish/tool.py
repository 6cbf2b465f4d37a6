"""The shipping tools of the publish tab: ``show_core``, ``install_core`` and ``remove_core`` (the local
registry), ``export_gguf`` (llama.cpp and Ollama) and ``publish_core`` (to the local marketplace, the Hugging
Face Hub and GGUF, each destination reported on its own)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ...cores import core_path, open_core, read_manifest
from ...errors import ToolFailure
from ..package import Signer
from ..registry import ToolContext, tool
from .gguf_export import OUT_TYPES, ExportResult, export_gguf as write_gguf
from .hub import HubResult, upload_to_hub
from .local import (
    CoreDetails,
    GateStatus,
    InstalledCore,
    RemovedCore,
    gate_statuses,
    install_core as install_file,
    remove_core as remove_file,
    show_core as show_file,
    validated,
)
from .marketplace import MarketplaceResult, publish_to_marketplace

Destination = Literal["local", "hub", "gguf"]
OutType = Literal[OUT_TYPES]  # type: ignore[valid-type]


class CoreName(BaseModel):
    model_config = ConfigDict(extra="forbid")
    core: str = Field(description="A core's name (see list_cores; a slug means its highest version) or a .gcpkg path.")


class InstallArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="The .gcpkg file to install.")
    check_load: bool = Field(True, description="Load it onto its base in a fresh process first (gates V4, V5).")
    force: bool = Field(False, description="Replace an installed core of the same name that differs.")
    base_model_path: str | None = Field(None, description="Local base model folder; found automatically by default.")


class ExportArgs(CoreName):
    out_dir: str = Field(description="The folder the GGUF files, the Modelfile and the adapter are written to.")
    out_type: OutType = Field("f16", description="Weight type of the merged GGUF.")
    lora: bool = Field(True, description="Also convert the LoRA alone to GGUF (for llama.cpp --lora).")
    check_generate: bool = Field(True, description="Load the merged GGUF and generate a few tokens as a check.")
    converter_dir: str | None = Field(None, description="A folder with llama.cpp's converter scripts; by default "
                                                        "they come from llama-cpp-python's source distribution.")
    base_model_path: str | None = Field(None, description="Local base model folder; found automatically by default.")


class PublishArgs(CoreName):
    to: list[Destination] = Field(default_factory=lambda: ["local"], min_length=1,
                                  description="Where to: local (registry and the workspace's marketplace folder), "
                                              "hub (Hugging Face Hub, token in HF_TOKEN), gguf (llama.cpp, Ollama).")
    check_load: bool = Field(True, description="Run the gates with a load in a fresh process (V4, V5).")
    repo_id: str | None = Field(None, description="Hub repository <user>/<name>; by default the token's user and "
                                                  "the core's slug.")
    private: bool = Field(True, description="Create the Hub repository private.")
    out_dir: str | None = Field(None, description="GGUF output folder; default exports/<core> in the workspace.")
    out_type: OutType = Field("f16", description="Weight type of the merged GGUF.")
    converter_dir: str | None = Field(None, description="A folder with llama.cpp's converter scripts (GGUF); by "
                                                        "default they come from llama-cpp-python's sdist.")
    base_model_path: str | None = Field(None, description="Local base model folder; found automatically by default.")


class DestinationResult(BaseModel):
    destination: Destination
    ok: bool
    detail: str = ""
    failure: dict | None = Field(None, description="kind, message, hint and details of a destination that failed.")
    installed: InstalledCore | None = None
    marketplace: MarketplaceResult | None = None
    hub: HubResult | None = None
    gguf: ExportResult | None = None


class PublishResult(BaseModel):
    ok: bool = Field(description="Every destination succeeded.")
    core: str
    name: str
    version: str
    gates: list[GateStatus]
    signer: Signer | None = None
    destinations: list[DestinationResult]


@tool("show_core", tab="publish", read_only=True, idempotent=True)
def show_core(args: CoreName, ctx: ToolContext) -> CoreDetails:
    """One core's manifest (marketplace fields included), members, provenance and signature, without loading it."""
    return show_file(ctx.workspace, args.core)


@tool("install_core", tab="publish", idempotent=True)
def install_core(args: InstallArgs, ctx: ToolContext) -> InstalledCore:
    """Install a .gcpkg file into the workspace's cores after it passes the five gates; chat and serve then
    find it by name. A core that fails a gate is refused with the gate's fix."""
    return install_file(Path(args.path), ctx.workspace, check_load=args.check_load, force=args.force,
                        base_model_path=args.base_model_path)


@tool("remove_core", tab="publish", destructive=True)
def remove_core(args: CoreName, ctx: ToolContext) -> RemovedCore:
    """Delete an installed core from the workspace (and the adapter extracted for chatting with it)."""
    return remove_file(ctx.workspace, args.core)


@tool("export_gguf", tab="publish", idempotent=True, open_world=True)
def export_gguf(args: ExportArgs, ctx: ToolContext) -> ExportResult:
    """Export a core for llama.cpp and Ollama: the merged model as GGUF, the LoRA as a GGUF adapter where the
    converter allows, and an Ollama Modelfile FROM the merged GGUF with the core's chat template and stops.

    llama.cpp's converter comes from llama-cpp-python's source distribution (downloaded once into the
    workspace cache). A failed conversion is build_failed; the adapter is still written to out_dir/adapter.
    """
    ws = ctx.workspace
    path = core_path(ws, args.core)
    opened = open_core(ws, path, args.base_model_path)
    return write_gguf(opened, path, Path(args.out_dir).expanduser(), cache=ws.cache, out_type=args.out_type,
                      lora=args.lora, check_generate=args.check_generate, converter=args.converter_dir,
                      say=lambda stage: ctx.progress(stage=stage))


def _failed(destination: Destination, failure: ToolFailure) -> DestinationResult:
    return DestinationResult(destination=destination, ok=False, detail=failure.message, failure=failure.to_dict())


@tool("publish_core", tab="publish", open_world=True)
def publish_core(args: PublishArgs, ctx: ToolContext) -> PublishResult:
    """Publish a core that passes the five gates: to the local registry and the workspace's marketplace
    folder (index.json with name, description, tags, icon, price), to the Hugging Face Hub (adapter and a
    generated model card), and as GGUF with an Ollama Modelfile. Each destination succeeds or fails on its own;
    a failing GGUF conversion leaves the core published to the others.
    """
    ws = ctx.workspace
    path = core_path(ws, args.core)
    report = validated(path, ws, args.check_load, args.base_model_path)
    manifest = read_manifest(path)
    gates = gate_statuses(report)
    results: list[DestinationResult] = []
    for destination in dict.fromkeys(args.to):
        ctx.progress(destination=destination)
        try:
            if destination == "local":
                installed = install_file(path, ws, check_load=False, base_model_path=args.base_model_path)
                market = publish_to_marketplace(Path(installed.path), manifest, ws, gates, report.signer)
                results.append(DestinationResult(destination="local", ok=True, installed=installed,
                                                 marketplace=market,
                                                 detail=f"{installed.name} in the registry and {market.index}"))
            elif destination == "hub":
                hub = upload_to_hub(path, repo_id=args.repo_id, private=args.private)
                results.append(DestinationResult(destination="hub", ok=True, hub=hub, detail=hub.url))
            else:
                out = Path(args.out_dir).expanduser() if args.out_dir else ws.root / "exports" / path.stem
                opened = open_core(ws, path, args.base_model_path)
                exported = write_gguf(opened, path, out, cache=ws.cache, out_type=args.out_type, check_generate=False,
                                      converter=args.converter_dir)
                results.append(DestinationResult(destination="gguf", ok=True, gguf=exported, detail=exported.model.path))
        except ToolFailure as failure:
            results.append(_failed(destination, failure))
    return PublishResult(ok=all(r.ok for r in results), core=str(path), name=str(manifest.get("name") or path.stem),
                         version=str(manifest.get("version") or ""), gates=gates, signer=report.signer,
                         destinations=results)
