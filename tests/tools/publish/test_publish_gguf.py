"""GGUF for llama.cpp and Ollama on a core of the embedded model: llama.cpp's converter from the
llama-cpp-python source distribution (fetched with pip into the workspace cache), the merged model and the
LoRA as GGUF (read back with the gguf package; the merged file loaded and generating), an Ollama Modelfile
FROM the merged file; a conversion that fails is build_failed and leaves the adapter published."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goose_studio.cli import app
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.publish.converter import default_converter_dir
from goose_studio.workspace import Workspace
from publish_helpers import embedded, offline_env, tool  # noqa: F401

pytestmark = pytest.mark.e2e  # converts a 135M model (and downloads the converter once)


@pytest.fixture(scope="module")
def gguf_ws(embedded) -> Workspace:
    ws = Workspace(embedded["signing_root"])
    ws.ensure()
    return ws


@pytest.fixture(scope="module")
def exported(embedded, gguf_ws, tmp_path_factory):
    out = tmp_path_factory.mktemp("gguf-out")
    return tool("export_gguf", {"core": embedded["core"].path, "out_dir": str(out),
                                "base_model_path": str(embedded["base"])}, gguf_ws)


@pytest.fixture
def broken_converter(exported, gguf_ws, tmp_path) -> Path:
    """llama.cpp's converter whose model script fails as it does on an architecture it does not know."""
    folder = tmp_path / "converter"
    shutil.copytree(default_converter_dir(gguf_ws.cache), folder)
    (folder / "convert_hf_to_gguf.py").write_text(
        "import sys\nprint('INFO:hf-to-gguf:Loading model')\n"
        "raise NotImplementedError(\"Architecture 'GooseForCausalLM' not supported!\")\n")
    return folder


def test_the_merged_model_and_the_lora_are_gguf_files_that_read_back(exported, embedded, gguf_ws):
    import gguf

    stem = Path(embedded["core"].path).stem
    model = exported.model
    assert Path(model.path).name == f"{stem}.gguf" and model.architecture == "llama" and model.file_type == "F16"
    reader = gguf.GGUFReader(model.path)
    assert len(reader.tensors) == model.tensors > 200 and "tokenizer.ggml.tokens" in reader.fields
    assert model.tokenizer == "gpt2" and model.merges > 40000  # SmolLM2's byte-level BPE, as llama.cpp needs it
    assert exported.lora is not None and exported.lora_error is None and exported.lora.tensors > 0
    lora = gguf.GGUFReader(exported.lora.path)
    assert bytes(lora.fields["general.type"].parts[-1]).decode() == "adapter"
    assert exported.generated and exported.generated.strip()  # the merged GGUF loaded and generated
    assert (Path(exported.adapter_dir) / "adapter_model.safetensors").is_file()
    assert Path(exported.converter).parent.parent == gguf_ws.cache  # from the sdist, in the workspace cache


def test_a_byte_level_tokenizer_with_sentencepiece_decoding_steps_is_made_consistent(tmp_path):
    from goose_studio.tools.publish.gguf_export import byte_level, normalize_tokenizer

    level = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
    data = {"model": {"type": "BPE", "byte_fallback": True, "vocab": {}, "merges": []},
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
            "decoder": {"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}, level]}}
    (tmp_path / "tokenizer.json").write_text(json.dumps(data))
    assert byte_level(tmp_path) and normalize_tokenizer(tmp_path)
    fixed = json.loads((tmp_path / "tokenizer.json").read_text())
    assert fixed["decoder"] == level and fixed["model"]["byte_fallback"] is False
    assert not normalize_tokenizer(tmp_path)  # already consistent


def test_the_modelfile_starts_from_the_merged_gguf_with_template_and_stops(exported):
    text = Path(exported.modelfile).read_text()
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert lines[0] == f"FROM ./{Path(exported.model.path).name}"
    assert not any(ln.startswith("ADAPTER") for ln in text.splitlines())
    assert exported.template == "smollm2" and "<|im_start|>{{ .Role }}" in text
    assert 'PARAMETER stop "<|im_end|>"' in text and exported.stop[0] == "<|im_end|>"


def test_a_failing_conversion_is_build_failed_and_the_adapter_is_still_published(embedded, gguf_ws, broken_converter,
                                                                                 tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ToolFailure) as caught:
        tool("export_gguf", {"core": embedded["core"].path, "out_dir": str(out), "lora": False,
                             "check_generate": False, "converter_dir": str(broken_converter),
                             "base_model_path": str(embedded["base"])}, gguf_ws)
    failure = caught.value
    assert failure.kind is FailureKind.build_failed and "GooseForCausalLM" in failure.message
    assert Path(failure.details["log"]).is_file() and failure.hint
    assert (Path(failure.details["adapter_dir"]) / "adapter_model.safetensors").is_file()
    assert not list(out.glob("*.gguf"))


def test_publish_with_a_failing_conversion_still_publishes_locally(embedded, gguf_ws, broken_converter, tmp_path):
    done = tool("publish_core", {"core": embedded["core"].path, "to": ["gguf", "local"], "check_load": False,
                                 "out_dir": str(tmp_path / "gguf"), "converter_dir": str(broken_converter),
                                 "base_model_path": str(embedded["base"])}, gguf_ws)
    gguf_part, local_part = done.destinations
    assert not done.ok and gguf_part.failure["kind"] == "build_failed"
    assert local_part.ok and Path(local_part.installed.path).parent == gguf_ws.cores


def test_cli_export_needs_a_format_and_reports_a_failed_conversion(embedded, gguf_ws, broken_converter, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(gguf_ws.root))
    runner = CliRunner()
    core = embedded["core"].path
    res = runner.invoke(app, ["export", core, "--out", str(tmp_path / "a"), "--json"])
    assert res.exit_code == 2 and json.loads(res.stdout)["failure"]["kind"] == "invalid_input"
    res = runner.invoke(app, ["export", core, "--gguf", "--out", str(tmp_path / "b"), "--no-lora",
                              "--no-check-generate", "--converter-dir", str(broken_converter),
                              "--base-model-path", str(embedded["base"]), "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["failure"]["kind"] == "build_failed"
