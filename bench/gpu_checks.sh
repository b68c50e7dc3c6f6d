#!/usr/bin/env bash
# The GPU checks of issue #21, as one script for a lent GPU machine (no Gradio there, no network).
# The tree that travels is capped at 64 MiB and the committed checkpoints take 57 of it, so only Fashion-MNIST's
# 10 000 test images travel (in .gpudata/); the runs below train on them, copied under the train split's names.
#     bash bench/gpu_checks.sh OUT_FOLDER
set -u
out=${1:-/tmp/gpu-checks}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
raw=~/.cache/latent-explorer/data/FashionMNIST/raw
mkdir -p "$raw" && cp .gpudata/t10k-* "$raw"/
for f in images-idx3-ubyte labels-idx1-ubyte; do cp "$raw/t10k-$f.gz" "$raw/train-$f.gz"; done
step() {
  echo "=== $1" | tee -a "$out/log.txt"; shift; local start=$SECONDS
  timeout 240 "$@" 2>&1 | tr "\r" "\n" | grep -v "step/s\|it/s\|^ *$" | tee -a "$out/log.txt"
  echo "(${PIPESTATUS[0]}: $((SECONDS - start)) s)" | tee -a "$out/log.txt"
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/log.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name())" | tee -a "$out/log.txt"
step "render (server side of a preview)" python3 bench/render.py --devices cuda --repeats 50
step "DDP on NCCL: torchrun, 1 process, bf16 + channels_last, SyncBatchNorm" \
  torchrun --standalone --nproc_per_node 1 -m trainers dcgan --device cuda --steps 40 --amp bf16 --channels-last \
  --fid-samples 1000 --save-every 20 --sample-every 20 --out "$out/run" --jsonl "$out/ddp.jsonl"
step "resume the GPU run on the CPU, one process" \
  python3 -m trainers dcgan --device cpu --steps 50 --resume --fid-samples 0 --out "$out/run" --jsonl "$out/resume.jsonl"
step "fp16 + GradScaler" python3 -m trainers dcgan --device cuda --steps 30 --amp fp16 --fid-samples 0 --out "$out/fp16"
step "throughput sweep, DCGAN 32², batch 128" python3 bench/train_throughput.py --sweep --device cuda --steps 100 \
  --warmup 20 --compile
step "throughput sweep, StyleGAN 64², batch 64" python3 bench/train_throughput.py --sweep --device cuda --family stylegan \
  --resolution 64 --batch-size 64 --steps 50 --warmup 20 --compile
rm -rf "$out/run" "$out/fp16"
