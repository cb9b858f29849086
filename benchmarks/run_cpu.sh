#!/usr/bin/env bash
# CPU benchmarks behind benchmarks/results.md. Run from the repository root on a quiet machine
# (nothing else using the cores): bash benchmarks/run_cpu.sh >> benchmarks/results.jsonl
# Each line is one JSON object printed by `python -m munit_lib bench` or benchmarks/against_original.py.
set -euo pipefail
PY=${PY:-.venv/bin/python}
THREADS=${THREADS:-2}
# the paper configuration (batch 1), as the original implementation's published figures
for size in 64 128 256; do
  $PY -m munit_lib bench --profile paper --size "$size" --threads "$THREADS" --iters 3 --device cpu
done
# ours beside the original implementation's procedure, same process, interleaved (see results.md)
for size in 64 128 256; do
  $PY benchmarks/against_original.py --profile paper --size "$size" --threads "$THREADS" --rounds "${ROUNDS:-7}" --device cpu
done
# the decoder's fused upsampling against the plain form, over map sizes and widths
$PY benchmarks/upsample_conv.py --threads "$THREADS"
# the shipped shapes model's training configuration, and one style-explorer update with its weights
$PY -m munit_lib bench --config configs/shapes_cpu.yaml --threads 1 --iters 20 --device cpu
$PY -m munit_lib bench --explorer shapes --threads 1
$PY -m munit_lib bench --explorer shapes --threads "$THREADS"
