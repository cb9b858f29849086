#!/usr/bin/env bash
# GPU benchmarks: fp32 and bf16 at 256x256, batch 1 and a larger batch, one JSON line each:
#   bash benchmarks/run_gpu.sh >> benchmarks/results.jsonl
set -euo pipefail
PY=${PY:-.venv/bin/python}
for batch in 1 8; do
  for precision in fp32 bf16; do
    $PY -m munit_lib bench --profile gpu --size 256 --batch "$batch" --precision "$precision" --iters 20 --device cuda
  done
done
# ours beside the original implementation's procedure (paper configuration, batch 1, fp32)
$PY benchmarks/against_original.py --profile paper --size 256 --rounds 20 --device cuda
