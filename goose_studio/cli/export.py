"""``goose-studio export CORE --gguf --out DIR``: a core for llama.cpp and Ollama (merged GGUF, LoRA GGUF,
Modelfile, the adapter); options derived from the ``export_gguf`` tool's arguments."""

from __future__ import annotations

import inspect
from typing import Any

import typer

from ..errors import FailureKind, ToolFailure
from ..tools.publish import ExportArgs
from ..tools.registry import ToolContext, call_tool
from .common import EXIT_USAGE, app, command_failures, console, fail, print_json, workspace
from .build import switches
from .params import flag, model_parameters, with_parameters


def export(**kwargs: Any) -> None:
    as_json, gguf = kwargs.pop("as_json"), kwargs.pop("gguf")
    if not gguf:
        raise fail(ToolFailure(FailureKind.invalid_input, "Choose the format to export to.",
                               hint="Pass --gguf (llama.cpp and Ollama)."), as_json, EXIT_USAGE)
    with command_failures(as_json):
        result = call_tool("export_gguf", kwargs, ToolContext(workspace=workspace()))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    model = result.model
    console.print(f"[bold green]GGUF written:[/] {model.path} ({model.size_bytes / 1e6:.0f} MB, {model.tensors} "
                  f"tensors, {model.architecture}, {model.file_type})")
    if result.lora:
        console.print(f"LoRA for llama.cpp --lora: {result.lora.path}")
    else:
        console.print(f"[yellow]No LoRA GGUF:[/] {result.lora_error}")
    console.print(f"Ollama: {result.modelfile}  (cd {result.out_dir} && ollama create NAME -f Modelfile)")
    if result.generated is not None:
        console.print(f"Loaded back and generated: {result.generated!r}")


app.command("export")(with_parameters(export, [
    *switches(model_parameters(ExportArgs, arguments=("core",), skip=("out_dir",))),
    inspect.Parameter("out_dir", inspect.Parameter.KEYWORD_ONLY, annotation=str,
                      default=typer.Option(..., "--out", "--out-dir", help=ExportArgs.model_fields["out_dir"].description)),
    flag("gguf", "Export as GGUF (llama.cpp) with an Ollama Modelfile.", "--gguf"),
    flag("as_json", "Print the result as JSON.", "--json")]))

