"""The train tool's recipe: presets, methods, custom hyper-parameters and what LLaMA-Factory accepts."""
from pathlib import Path

import pytest
import yaml

from goose_studio.errors import ToolFailure
from goose_studio.presets import parse_hyperparameters, parse_presets, preset, presets
from goose_studio.tools.train import TrainArgs, build_recipe, plan_training, render_recipe
from goose_studio.tools.train import methods


def make_args(tmp_path: Path, **kw) -> TrainArgs:
    return TrainArgs(model_path=str(tmp_path / "m"), template="smollm2", dataset_dir=str(tmp_path / "d"),
                     dataset="x_train", output_dir=str(tmp_path / "o"), recipe_path=str(tmp_path / "r.yaml"), **kw)


def lf_parse(recipe: dict):
    from llamafactory.hparams.parser import _parse_train_args

    return _parse_train_args(yaml.safe_load(render_recipe(recipe)))


def test_recipe_is_a_config_llamafactory_accepts(tmp_path):
    recipe = build_recipe(make_args(tmp_path, preset="quick", max_steps=7, use_cpu=True, bf16=False))
    text = render_recipe(recipe)
    assert text.startswith("# Goose Studio training recipe") and "llamafactory-cli train" in text
    model_args, data_args, training_args, finetuning_args, _ = lf_parse(recipe)
    assert finetuning_args.finetuning_type == "lora" and finetuning_args.lora_rank == 16
    assert data_args.template == "smollm2" and data_args.cutoff_len == 256
    assert training_args.max_steps == 7 and training_args.use_cpu is True
    assert training_args.include_num_input_tokens_seen == "non_padding"  # tokens/s in the trainer's log


def test_explicit_values_override_the_preset(tmp_path):
    recipe = build_recipe(make_args(tmp_path, preset="smoke", cutoff_len=64, learning_rate=1e-4,
                                    overrides={"lora_dropout": 0.0}))
    assert (recipe["cutoff_len"], recipe["learning_rate"], recipe["lora_dropout"]) == (64, 1e-4, 0.0)
    assert recipe["max_steps"] == 4 and "num_train_epochs" not in recipe


def test_the_presets_are_the_specs():
    assert list(presets()) == ["quick", "recommended", "high-quality", "custom", "smoke"]
    rec = preset("recommended").values()
    assert (rec["num_train_epochs"], rec["learning_rate"], rec["lora_rank"], rec["lora_alpha"]) == (3.0, 2e-4, 16, 32)
    assert preset("high-quality").values()["num_train_epochs"] == 5.0 and preset("custom").custom
    assert preset("quick").values()["num_train_epochs"] == 1.0


def test_a_broken_presets_file_reports_every_problem_at_once():
    text = ("quick: {summary: s, description: d, recipe: {num_train_epochs: 1, lora_rank: 0, lora_alpha: 1, "
            "learning_rate: 2, cutoff_len: 64}}\nother: {summary: s, description: d, recipe: {bogus: 1}}\n")
    with pytest.raises(ToolFailure) as exc:
        parse_presets(text)
    problems = exc.value.details["problems"]
    assert any("lora_rank" in p for p in problems) and any("learning_rate" in p for p in problems)
    assert any(p.startswith("other:") for p in problems)


def test_custom_hyperparameters_are_checked_all_at_once_and_layered_under_explicit_values(tmp_path):
    assert parse_hyperparameters(["lora_alpha=64", "packing=true", "warmup_ratio=0.05"]) == {
        "lora_alpha": 64, "packing": True, "warmup_ratio": 0.05}
    with pytest.raises(ValueError) as exc:
        parse_hyperparameters(["lora_alpha=0", "nonsense=1", "no-equals-sign", "lr_scheduler_type=zigzag"])
    text = str(exc.value)
    assert all(word in text for word in ("lora_alpha", "nonsense", "no-equals-sign", "lr_scheduler_type"))
    args = make_args(tmp_path, preset="custom", hyperparameters={"lora_alpha": 64, "learning_rate": 3e-4,
                                                                 "max_steps": 9, "packing": True},
                     learning_rate=1e-4)
    recipe = build_recipe(args)
    assert recipe["lora_alpha"] == 64 and recipe["packing"] is True and recipe["max_steps"] == 9
    assert recipe["learning_rate"] == 1e-4  # an explicit value (a run option, a repair) wins over a custom one
    assert "num_train_epochs" not in recipe
    lf_parse(recipe)
    with pytest.raises(ValueError):
        make_args(tmp_path, hyperparameters={"lora_rank": 100000})


def test_qlora_needs_cuda_and_the_nearest_method_is_said(tmp_path, monkeypatch):
    plan = plan_training(make_args(tmp_path, method="qlora-4bit", use_cpu=True))
    assert plan.method == "lora" and "quantization_bit" not in plan.recipe
    assert [(s.what, s.asked, s.used) for s in plan.substitutions] == [("method", "qlora-4bit", "lora")]
    monkeypatch.setattr(methods, "importable", lambda name: name == "bitsandbytes")
    gpu = plan_training(make_args(tmp_path, method="qlora-4bit", use_cpu=False))
    assert gpu.method == "qlora-4bit" and gpu.recipe["quantization_bit"] == 4
    assert [s.what for s in gpu.substitutions] == ["unsloth"]  # wanted on a GPU, not installed: said
    assert "disable_gradient_checkpointing" not in gpu.recipe  # checkpointing on, on a GPU
    model_args, _, _, finetuning_args, _ = lf_parse({**gpu.recipe, "bf16": False})  # bf16 needs the GPU itself
    assert finetuning_args.finetuning_type == "lora" and model_args.quantization_bit == 4
    assert model_args.quantization_method == "bnb"  # LLaMA-Factory's name for bitsandbytes
    monkeypatch.setattr(methods, "importable", lambda name: False)
    no_bnb = plan_training(make_args(tmp_path, method="qlora-4bit", use_cpu=False))
    assert no_bnb.method == "lora" and "bitsandbytes" in no_bnb.substitutions[0].reason


def test_full_fine_tuning_where_memory_allows_and_lora_where_not(tmp_path, monkeypatch):
    plan = plan_training(make_args(tmp_path, method="full", use_cpu=True))
    assert plan.method == "full" and plan.recipe["finetuning_type"] == "full" and "lora_rank" not in plan.recipe
    assert plan.recipe["learning_rate"] == 1e-5  # not a LoRA rate
    lf_parse(plan.recipe)
    monkeypatch.setattr(methods, "model_params", lambda path: 8_000_000_000)
    monkeypatch.setattr(methods, "available_memory_bytes", lambda cuda: 16 * 2**30)
    small = plan_training(make_args(tmp_path, method="full", use_cpu=True))
    assert small.method == "lora" and small.substitutions[0].what == "method"


def test_unsloth_is_used_only_where_it_can_run(tmp_path, monkeypatch):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text('{"model_type": "llama"}')
    assert plan_training(make_args(tmp_path, use_cpu=True)).unsloth is False
    forced = plan_training(make_args(tmp_path, use_cpu=True, use_unsloth=True))
    assert forced.unsloth and forced.recipe["use_unsloth"] is True  # asked for: tried; a failure falls back
    monkeypatch.setattr(methods, "importable", lambda name: False)
    use, note = methods.choose_unsloth(None, True, tmp_path / "m")
    assert not use and note.what == "unsloth" and "not installed" in note.reason
    monkeypatch.setattr(methods, "importable", lambda name: True)
    assert methods.choose_unsloth(None, True, tmp_path / "m") == (True, None)
    (tmp_path / "m" / "config.json").write_text('{"model_type": "t5"}')
    use, note = methods.choose_unsloth(None, True, tmp_path / "m")
    assert not use and "t5" in note.reason


def test_parameters_are_counted_from_safetensors_headers(tmp_path):
    import torch
    from safetensors.torch import save_file

    save_file({"a": torch.zeros(3, 4), "b": torch.zeros(5)}, str(tmp_path / "model.safetensors"))
    assert methods.model_params(tmp_path) == 17
