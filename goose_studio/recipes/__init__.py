"""Training recipes as data: the presets (``presets.yaml``, read by :mod:`goose_studio.presets`) and the
Quick Recipes (one YAML file each, read by :mod:`.quick`; what they become on this machine: :mod:`.fit`)."""
