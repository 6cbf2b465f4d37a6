"""The publish tools: ``package`` builds a validated Intelligence Core, ``validate`` checks one."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools import package as pkg
from goose_studio.tools.registry import REGISTRY, ToolContext, validate_args
from goose_studio.workspace import Workspace

BASE_ID = "tiny-org/tiny-llama"
# Built at run time so that the test source itself holds no token-shaped strings.
FAKE_GITHUB_TOKEN = "ghp_" + "Ab1" * 12
FAKE_AWS_KEY = "AKIA" + "Q7" * 8


@pytest.fixture(scope="module", autouse=True)
def _offline():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield


def _tiny_llama(folder: Path, hidden: int = 32, seed: int = 0) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=128, hidden_size=hidden, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=64)
    model = LlamaForCausalLM(config)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """A tiny real base model, a real LoRA adapter for it, and the training run's side files."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    root = tmp_path_factory.mktemp("package-inputs")
    base = _tiny_llama(root / "base")
    other_base = _tiny_llama(root / "other-base", hidden=48, seed=1)

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM",
                      init_lora_weights=False)
    peft_model = get_peft_model(model, lora)
    adapter = root / "adapter"
    peft_model.save_pretrained(str(adapter))

    recipe = root / "recipe.yaml"
    recipe.write_text(
        f"model_name_or_path: {BASE_ID}\nstage: sft\ndo_train: true\nfinetuning_type: lora\nlora_rank: 4\n"
        "lora_alpha: 8\nlora_target: q_proj,v_proj\ntemplate: llama3\nnum_train_epochs: 2\n"
        "learning_rate: 0.0002\noutput_dir: out\n"
    )
    log = root / "trainer_log.jsonl"
    log.write_text(
        json.dumps({"current_steps": 1, "total_steps": 2, "loss": 2.5, "epoch": 1.0, "elapsed_time": "0:00:03"})
        + "\n"
        + json.dumps({"current_steps": 2, "total_steps": 2, "loss": 1.25, "epoch": 2.0, "elapsed_time": "0:01:05"})
        + "\n"
    )
    evals = root / "eval_results.json"
    evals.write_text(json.dumps({
        "base": {"perplexity": 9.5, "rouge_l": 0.21, "bleu": None},
        "lora": {"perplexity": 4.25, "rouge_l": 0.43, "bleu": None},
        "delta": {"perplexity": -5.25, "rouge_l": 0.22, "bleu": None},
        "n_perplexity": 6, "improved": True, "quality_score": 71,
        "samples": [{"prompt": "Eval 0", "reference": "E0", "base": "x", "lora": "E0"}],
    }))
    data = root / "dataset"
    data.mkdir()
    cats = ["explain", "complete", "docstring"]
    train = [{"instruction": f"Question {i}", "input": "", "output": f"Answer {i}", "category": cats[i % 3]}
             for i in range(30)]
    train.append({"instruction": "Show the config", "input": "",
                  "output": f"token = '{FAKE_GITHUB_TOKEN}'", "category": "explain"})
    evals_rows = [{"instruction": f"Eval {i}", "input": "", "output": f"E{i}", "category": cats[i % 3]}
                  for i in range(6)]
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train))
    (data / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in evals_rows))
    (data / "stats.json").write_text(json.dumps({"files_indexed": 12, "pairs_generated": 37}))
    return {"root": root, "base": base, "other_base": other_base, "adapter": adapter, "recipe": recipe,
            "log": log, "evals": evals, "data": data}


def _args(inputs: dict, out_dir: Path, **over) -> pkg.PackageArgs:
    fields = dict(
        adapter_dir=str(inputs["adapter"]), recipe_path=str(inputs["recipe"]),
        training_log_path=str(inputs["log"]), eval_results_path=str(inputs["evals"]),
        dataset_dir=str(inputs["data"]), name="Tiny Core", description="A core for tests.",
        tags=["python", "test"], base_model_id=BASE_ID, base_model_path=str(inputs["base"]),
        base_model_hash="sha256:" + "0" * 64, source="https://example.org/acme/widgets.git",
        commit="0123456789abcdef0123456789abcdef01234567", method="lora", quality_score=71.5,
        training={"trained_on": "cpu", "duration_sec": 65.0}, fallbacks=[{"step": "build", "action": "code-only"}],
        out_dir=str(out_dir),
    )
    fields.update(over)
    return pkg.PackageArgs(**fields)


@pytest.fixture(scope="module")
def built(inputs, tmp_path_factory) -> pkg.PackageResult:
    out = tmp_path_factory.mktemp("cores")
    return pkg.build_package(_args(inputs, out))


def _ctx(tmp_path: Path) -> ToolContext:
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    return ToolContext(workspace=ws)


def _run_tool(name: str, raw: dict, ctx: ToolContext):
    spec = REGISTRY[name]
    return spec.fn(validate_args(spec, raw), ctx)


def _copy(built: pkg.PackageResult, tmp_path: Path) -> Path:
    dest = tmp_path / Path(built.path).name
    shutil.copyfile(built.path, dest)
    return dest


def _rewrite(src: Path, dest: Path, changes: dict[str, bytes], *, fix_provenance: bool, extra: dict | None = None):
    """Copy a core's members to a new zip, replacing some members (and optionally re-signing PROVENANCE)."""
    with zipfile.ZipFile(src) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    members.update(changes)
    if fix_provenance:
        prov = json.loads(members[pkg.PROVENANCE])
        prov["files"] = {n: hashlib.sha256(b).hexdigest() for n, b in members.items() if n != pkg.PROVENANCE}
        members[pkg.PROVENANCE] = json.dumps(prov).encode()
    members.update(extra or {})
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return dest


def _status(report: pkg.ValidateReport) -> dict:
    return {c.name: c.ok for c in report.checks}


# ------------------------------------------------------------------------------------------- package


def test_package_has_exact_layout_and_validates_with_load(built, inputs):
    path = Path(built.path)
    assert path.name == "tiny-core-v1.gcpkg"
    assert built.version == 1
    assert built.size_bytes == path.stat().st_size
    assert built.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert built.validation.ok, built.validation.errors
    assert _status(built.validation) == {n: True for n in pkg.CHECK_NAMES}
    assert built.validation.path == str(path)

    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == list(pkg.REQUIRED_FILES)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        manifest = json.loads(zf.read("manifest.json"))
        prov = json.loads(zf.read("PROVENANCE.json"))
        readme = zf.read("README.md").decode()
        card = zf.read("data/dataset_card.md").decode()
        samples = [json.loads(line) for line in zf.read("data/sample_pairs.jsonl").decode().splitlines()]
        assert zf.read("adapter/adapter_model.safetensors") == (inputs["adapter"] / "adapter_model.safetensors"
                                                               ).read_bytes()
        assert zf.read("training/recipe.yaml") == inputs["recipe"].read_bytes()
        for name in pkg.REQUIRED_FILES:
            if name != "PROVENANCE.json":
                assert prov["files"][name] == hashlib.sha256(zf.read(name)).hexdigest()
    assert set(prov["files"]) == set(pkg.REQUIRED_FILES) - {"PROVENANCE.json"}

    assert manifest["name"] == "Tiny Core"
    assert manifest["version"] == "1.0.0"
    assert manifest["base_model"] == BASE_ID
    assert manifest["method"] == "lora"
    assert manifest["quality_score"] == 71.5
    assert manifest["format_version"] == 1
    assert manifest["hardware"] == {"trained_on": "cpu"}
    assert manifest["adapter"]["rank"] == 4 and manifest["adapter"]["alpha"] == 8
    assert manifest["adapter"]["target_modules"] == ["q_proj", "v_proj"]
    assert manifest["created"].endswith("Z")
    assert manifest["compatible_vram_min_gb"] is not None and manifest["compatible_vram_min_gb"] > 0
    pkg.Manifest.model_validate(manifest)

    assert prov["base_model"] == {"id": BASE_ID, "hash": "sha256:" + "0" * 64}
    assert prov["source"] == {"repo": "https://example.org/acme/widgets.git",
                              "commit": "0123456789abcdef0123456789abcdef01234567"}
    assert prov["recipe_sha256"] == hashlib.sha256(inputs["recipe"].read_bytes()).hexdigest()
    assert set(prov["tool_versions"]) == {"python", *pkg.TOOL_DISTRIBUTIONS}
    assert prov["tool_versions"]["peft"] != "not installed"
    assert prov["dataset_pairs"] == 37
    assert prov["epochs"] == 2.0 and prov["final_loss"] == 1.25  # read from the trainer log
    assert prov["training_duration_sec"] == 65.0
    assert prov["build_engine"] == "none (code-only)"
    assert prov["fallbacks"] == [{"step": "build", "action": "code-only"}]

    assert "llamafactory-cli chat" in readme and "--adapter_name_or_path tiny-core-v1/adapter" in readme
    assert "PeftModel.from_pretrained" in readme
    assert "| metric | base | lora | delta |" in readme
    assert "| rouge_l | 0.21 | 0.43 | 0.22 |" in readme and "| bleu | – | – | – |" in readme
    assert "| n_perplexity | 6 |" in readme
    assert "| explain | 11 | 2 |" in card and "widgets.git" in card
    assert 1 <= len(samples) <= 10
    assert all(FAKE_GITHUB_TOKEN not in json.dumps(s) for s in samples)  # the secret pair is not sampled
    assert {s["category"] for s in samples} == {"explain", "complete", "docstring"}


def test_versions_increase_and_tool_defaults_to_workspace_cores(inputs, tmp_path):
    ctx = _ctx(tmp_path)
    raw = _args(inputs, tmp_path, check_load=False).model_dump()
    raw["out_dir"] = None
    first = _run_tool("package", raw, ctx)
    second = _run_tool("package", raw, ctx)
    assert (first.version, second.version) == (1, 2)
    assert Path(first.path) == ctx.workspace.cores / "tiny-core-v1.gcpkg"
    assert Path(second.path) == ctx.workspace.cores / "tiny-core-v2.gcpkg"
    assert sorted(p.name for p in ctx.workspace.cores.iterdir()) == ["tiny-core-v1.gcpkg", "tiny-core-v2.gcpkg"]
    with zipfile.ZipFile(second.path) as zf:
        assert json.loads(zf.read("manifest.json"))["version"] == "2.0.0"
        assert "tiny-core-v2/adapter" in zf.read("README.md").decode()
    assert pkg.next_version(ctx.workspace.cores, "tiny-core") == 3
    assert second.validation.check("load").ok is None  # turned off, not failed
    assert second.validation.ok


def test_explicit_existing_version_is_refused(inputs, tmp_path):
    pkg.build_package(_args(inputs, tmp_path, check_load=False, version=3))
    before = (tmp_path / "tiny-core-v3.gcpkg").read_bytes()
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(_args(inputs, tmp_path, check_load=False, version=3))
    assert err.value.kind is FailureKind.invalid_input
    assert (tmp_path / "tiny-core-v3.gcpkg").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny-core-v3.gcpkg"]


def test_build_engine_from_training_facts(inputs, tmp_path):
    result = pkg.build_package(_args(inputs, tmp_path, check_load=False,
                                     training={"trained_on": "cuda:0", "build_engine": "docker"}))
    with zipfile.ZipFile(result.path) as zf:
        prov = json.loads(zf.read("PROVENANCE.json"))
        manifest = json.loads(zf.read("manifest.json"))
    assert prov["build_engine"] == "docker"
    assert prov["training_duration_sec"] == 65.0  # not given: read from the trainer log
    assert manifest["hardware"]["trained_on"] == "cuda:0"


def test_next_version_ignores_other_files(tmp_path):
    assert pkg.next_version(tmp_path / "absent", "core") == 1
    for name in ("core-v1.gcpkg", "core-v3.gcpkg", ".core-v9.gcpkg.abc.tmp", "core-v7.gcpkg.bak",
                 "other-v12.gcpkg", "core-extra-v20.gcpkg"):
        (tmp_path / name).write_bytes(b"x")
    assert pkg.next_version(tmp_path, "core") == 4


def test_package_with_secret_is_refused_and_leaves_nothing(inputs, tmp_path):
    out = tmp_path / "cores"
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(_args(inputs, out, description=f"Deploy with {FAKE_GITHUB_TOKEN} please."))
    assert err.value.kind is FailureKind.needs_user
    assert "README.md" in err.value.message and "github_token" in err.value.message
    assert FAKE_GITHUB_TOKEN not in err.value.message  # reported redacted
    report = pkg.ValidateReport.model_validate(err.value.details["report"])
    assert _status(report)["secrets"] is False
    assert list(out.iterdir()) == []  # neither a core nor a temporary file


def test_package_rejects_adapter_for_another_base(inputs, tmp_path):
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(_args(inputs, tmp_path, base_model_path=str(inputs["other_base"])))
    assert err.value.kind is FailureKind.corrupted
    report = pkg.ValidateReport.model_validate(err.value.details["report"])
    assert _status(report)["load"] is False
    assert list(tmp_path.iterdir()) == []


def test_package_missing_inputs_are_not_found(inputs, tmp_path):
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(_args(inputs, tmp_path, adapter_dir=str(tmp_path / "nope")))
    assert err.value.kind is FailureKind.not_found
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(_args(inputs, tmp_path, base_model_path=str(tmp_path / "no-base")))
    assert err.value.kind is FailureKind.not_found


def test_package_disk_full_is_typed(inputs, tmp_path, monkeypatch):
    import errno

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pkg, "_write_zip", full)
    with pytest.raises(ToolFailure) as err:
        pkg.build_package(_args(inputs, tmp_path, check_load=False))
    assert err.value.kind is FailureKind.disk_full
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------ validate


def test_validate_tool_passes_a_good_core(built, inputs, tmp_path):
    report = _run_tool("validate", {"path": built.path, "base_model_path": str(inputs["base"])}, _ctx(tmp_path))
    assert report.ok and report.errors == []
    assert _status(report) == {n: True for n in pkg.CHECK_NAMES}
    assert "finite logits" in report.check("load").detail


def test_validate_without_local_base_skips_load(built):
    report = pkg.validate_package(built.path)  # the manifest names a hub id, not a local folder
    load = report.check("load")
    assert load.ok is None and load.detail == "skipped: base model not available locally" and load.hint
    assert report.ok
    strict = pkg.validate_package(built.path, strict=True)
    assert not strict.ok and strict.check("load").ok is False


def test_validate_resolves_local_base_from_manifest(inputs, tmp_path):
    result = pkg.build_package(_args(inputs, tmp_path, base_model_id=str(inputs["base"]), check_load=False))
    report = pkg.validate_package(result.path)
    assert report.check("load").ok is True


def test_secret_in_readme_fails_secrets_check(built, tmp_path):
    with zipfile.ZipFile(built.path) as zf:
        readme = zf.read("README.md")
    bad = _rewrite(Path(built.path), tmp_path / "secret.gcpkg",
                   {"README.md": readme + f"\naws_key: {FAKE_AWS_KEY}\n".encode()}, fix_provenance=True)
    report = pkg.validate_package(bad, check_load=False)
    status = _status(report)
    assert not report.ok
    assert status["secrets"] is False
    assert status["integrity"] is True and status["schema"] is True
    detail = report.check("secrets").detail
    assert "README.md" in detail and "aws_access_key_id" in detail and FAKE_AWS_KEY not in detail


def test_truncated_core_fails_zip_check(built, tmp_path):
    path = _copy(built, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    report = pkg.validate_package(path)
    assert not report.ok
    assert report.check("zip").ok is False
    assert any(e.startswith("zip:") for e in report.errors)


@pytest.mark.parametrize("member", ["adapter/adapter_model.safetensors", "README.md"])
def test_flipped_bytes_fail_zip_and_integrity(built, tmp_path, member):
    path = _copy(built, tmp_path)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    raw = bytearray(path.read_bytes())
    name_len = int.from_bytes(raw[info.header_offset + 26: info.header_offset + 28], "little")
    extra_len = int.from_bytes(raw[info.header_offset + 28: info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len + min(40, info.compress_size // 2)
    for i in range(start, start + 4):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    report = pkg.validate_package(path, check_load=False)
    assert not report.ok
    assert report.check("zip").ok is False
    assert report.check("integrity").ok is False
    assert member in report.check("integrity").detail


def test_tampered_member_fails_integrity(built, tmp_path):
    with zipfile.ZipFile(built.path) as zf:
        card = zf.read("data/dataset_card.md")
    bad = _rewrite(Path(built.path), tmp_path / "tampered.gcpkg",
                   {"data/dataset_card.md": card.replace(b"Pairs", b"Pears")}, fix_provenance=False)
    report = pkg.validate_package(bad, check_load=False)
    status = _status(report)
    assert not report.ok
    assert status["zip"] is True and status["schema"] is True
    assert status["integrity"] is False
    assert "data/dataset_card.md: sha256 mismatch" in report.check("integrity").detail


def test_extra_file_fails_schema(built, tmp_path):
    bad = _rewrite(Path(built.path), tmp_path / "extra.gcpkg", {}, fix_provenance=True,
                   extra={"notes.txt": b"hello"})
    report = pkg.validate_package(bad, check_load=False)
    assert not report.ok
    assert report.check("schema").ok is False
    assert "unexpected: notes.txt" in report.check("schema").detail


def test_missing_file_fails_schema(built, tmp_path):
    src = Path(built.path)
    dest = tmp_path / "missing.gcpkg"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            if info.filename != "training/eval_results.json":
                zout.writestr(info, zin.read(info.filename))
    report = pkg.validate_package(dest, check_load=False)
    assert not report.ok
    assert "missing: training/eval_results.json" in report.check("schema").detail
    assert report.check("integrity").ok is False  # listed in PROVENANCE but absent


def test_invalid_manifest_and_adapter_config_fail_schema(built, tmp_path):
    with zipfile.ZipFile(built.path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        cfg = json.loads(zf.read("adapter/adapter_config.json"))
    manifest["method"] = "full"
    cfg["peft_type"] = "IA3"
    bad = _rewrite(Path(built.path), tmp_path / "schema.gcpkg",
                   {"manifest.json": json.dumps(manifest).encode(),
                    "adapter/adapter_config.json": json.dumps(cfg).encode()}, fix_provenance=True)
    report = pkg.validate_package(bad, check_load=False)
    detail = report.check("schema").detail
    assert report.check("schema").ok is False
    assert "manifest.json: method" in detail and "peft_type" in detail


def test_broken_safetensors_fails(built, tmp_path):
    bad = _rewrite(Path(built.path), tmp_path / "weights.gcpkg",
                   {"adapter/adapter_model.safetensors": b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      "},
                   fix_provenance=True)
    report = pkg.validate_package(bad, check_load=False)
    assert not report.ok
    assert report.check("safetensors").ok is False
    assert report.check("integrity").ok is True


def test_zip_slip_entry_fails_zip_check(built, tmp_path):
    bad = _rewrite(Path(built.path), tmp_path / "slip.gcpkg", {}, fix_provenance=False,
                   extra={"../evil.txt": b"x"})
    report = pkg.validate_package(bad)
    assert not report.ok
    assert report.check("zip").ok is False and "'..'" in report.check("zip").detail


def test_not_a_zip_and_missing_path(tmp_path):
    junk = tmp_path / "junk.gcpkg"
    junk.write_text("this is not a zip file at all")
    report = pkg.validate_package(junk)
    assert not report.ok
    assert report.check("zip").ok is False
    assert report.errors and report.errors[0].startswith("zip:")

    with pytest.raises(ToolFailure) as err:
        _run_tool("validate", {"path": str(tmp_path / "nope.gcpkg")}, _ctx(tmp_path))
    assert err.value.kind is FailureKind.not_found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FAKE_AWS_KEY, "aws_access_key_id"),
        (FAKE_GITHUB_TOKEN, "github_token"),
        ("github_pat_" + "A1b2" * 8, "github_fine_grained_token"),
        ("sk-proj-" + "a1B2c3" * 5, "openai_api_key"),
        ("hf_" + "aB3" * 12, "huggingface_token"),
        ("xoxb-" + "1234567890-abcdef", "slack_token"),
        ("-----BEGIN RSA PRIVATE KEY-----", "private_key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "private_key"),
        ('DB_PASSWORD = "s3cr3tValue!9x"', "credential_assignment"),
        ('{"api_key": "Zq81mVn0pLk2x7Yt"}', "credential_assignment"),
    ],
)
def test_secret_patterns_match(text, expected):
    assert expected in [name for name, _ in pkg.find_secrets(f"before {text} after")]


@pytest.mark.parametrize(
    "text",
    [
        "task-manager-configuration-module-name",
        'password = "your-password-here"',
        "api_key = os.environ['API_KEY']",
        "password: short",
        "The hf_hub_download helper and the sk-learn package.",
    ],
)
def test_secret_patterns_ignore_ordinary_text(text):
    assert pkg.find_secrets(text) == []


def test_zero_lora_b_is_a_note_unless_strict(built, tmp_path):
    import torch
    from safetensors.torch import load_file, save_file

    with zipfile.ZipFile(built.path) as zf:
        raw = zf.read("adapter/adapter_model.safetensors")
    src = tmp_path / "in.safetensors"
    src.write_bytes(raw)
    tensors = {k: (torch.zeros_like(v) if "lora_B" in k else v) for k, v in load_file(str(src)).items()}
    dst = tmp_path / "zero.safetensors"
    save_file(tensors, str(dst))
    core = _rewrite(Path(built.path), tmp_path / "zero.gcpkg",
                    {"adapter/adapter_model.safetensors": dst.read_bytes()}, fix_provenance=True)
    relaxed = pkg.validate_package(core, check_load=False)
    assert relaxed.ok and "all lora_B tensors are zero" in relaxed.check("safetensors").detail
    strict = pkg.validate_package(core, check_load=False, strict=True)
    assert not strict.ok and strict.check("safetensors").ok is False


def test_validate_tool_finds_base_in_workspace_model_cache(built, inputs, tmp_path):
    ctx = _ctx(tmp_path)
    folder = ctx.workspace.cache / "models" / "tiny-llama"
    shutil.copytree(inputs["base"], folder)
    (folder / "goose-model.json").write_text(json.dumps({"model_id": BASE_ID, "complete": True}))
    report = _run_tool("validate", {"path": built.path}, ctx)
    assert report.ok
    assert report.check("load").ok is True and "studio's model cache" in report.check("load").detail


def test_validate_finds_base_in_hugging_face_cache(built, inputs, tmp_path):
    cache = tmp_path / "cache"
    repo = cache / "huggingface" / ("models--" + BASE_ID.replace("/", "--"))
    revision = "a" * 40
    shutil.copytree(inputs["base"], repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    report = pkg.validate_package(built.path, model_cache=cache)
    assert report.check("load").ok is True and "Hugging Face cache" in report.check("load").detail
