# Two entry points for a fresh machine; each does its own set-up (scripts/setup.sh is idempotent).
.PHONY: setup demo test bench

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/goose-studio learn --example

test: setup
	bash scripts/test-tools.sh
	HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python benchmarks/learn_e2e.py
