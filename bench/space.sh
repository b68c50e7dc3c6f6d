#!/usr/bin/env bash
# A Hugging Face Space's build and start, timed on this machine:
#   1. build: a fresh virtual environment with what the Space's builder installs, requirements.txt plus the
#      Gradio of README.md's sdk_version (with its OAuth extra, which hf_oauth needs);
#   2. the upload's files (explorer.space.upload_files) copied into an empty folder and started there as a Space
#      starts them, with Fashion-MNIST (packages.txt) — bench/space.py: cold start (process → first image in the
#      page) and each tab's and section's first view in Chromium.
# Usage: bench/space.sh [--system-site-packages]  (a venv on top of this Python's packages: no torch install)
#        SPACE_BENCH_DIR=/tmp/space-bench bench/space.sh   (keeps the environment there; a rerun reuses it)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${SPACE_BENCH_DIR:-$(mktemp -d /tmp/space-bench.XXXXXX)}
gradio=$(python -c "import yaml; print(yaml.safe_load(open('README.md').read().split('---\n')[1])['sdk_version'])")
venv="$work/venv"
if [ ! -x "$venv/bin/python" ]; then
  start=$(date +%s.%N)
  python -m venv "$@" "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt "gradio[oauth]==$gradio"
  end=$(date +%s.%N)
  printf 'build: %.0f s (venv %s, requirements.txt + gradio[oauth]==%s)\n' "$(echo "$end - $start" | bc)" "$*" "$gradio"
else
  echo "build: reusing $venv"
fi
"$venv/bin/python" -c "import torch, gradio; print('torch', torch.__version__, '/ gradio', gradio.__version__)"
python bench/space.py --python "$venv/bin/python" --json "$work/space.json"
echo "numbers: $work/space.json"
