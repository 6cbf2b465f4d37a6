"""The human-readable members of a built core: README (usage, evaluation table) and the dataset card."""

from __future__ import annotations

import zipfile

from package_helpers import built, inputs, offline_env, signing_root  # noqa: F401  (fixtures)


def test_readme_and_dataset_card(built):
    with zipfile.ZipFile(built.path) as zf:
        readme = zf.read("README.md").decode()
        card = zf.read("data/dataset_card.md").decode()
    assert "llamafactory-cli chat" in readme and "--adapter_name_or_path tiny-core-v1/adapter" in readme
    assert "PeftModel.from_pretrained" in readme
    assert "| metric | base | lora | delta |" in readme
    assert "| rouge_l | 0.21 | 0.43 | 0.22 |" in readme and "| bleu | – | – | – |" in readme
    assert "| n_perplexity | 6 |" in readme
    assert "| explain | 11 | 2 |" in card and "widgets.git" in card
