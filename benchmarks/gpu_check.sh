#!/usr/bin/env bash
# GPU checks in one call, for a machine with a CUDA GPU (about 5 minutes on one GPU):
#   1. the tests marked gpu (pytest -m gpu), results in benchmarks/results/gpu_tests.xml
#   2. the CUDA rows of the throughput benchmarks: image GAN (8x8 demo config and 64x64 RGB,
#      fp32 and bf16) and DP-SGD overhead, in benchmarks/results/*_cuda.json
# On a machine without a CUDA GPU it says so and exits 0. Uses .venv (make setup) when present,
# else $PYTHON or python3. Each part has its own time limit, so the whole stays under 8 minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
if ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo "gpu_check: no CUDA GPU visible to $PYTHON (torch.cuda.is_available() is false); nothing to check"
    exit 0
fi
"$PYTHON" -c 'import torch; print("gpu_check:", torch.cuda.get_device_name(0), "torch", torch.__version__)'
export PREFECT_SERVER_ANALYTICS_ENABLED=false PYTHONUNBUFFERED=1
mkdir -p benchmarks/results
status=0
timeout 240 "$PYTHON" -m pytest -m gpu -q -p no:cacheprovider --junitxml=benchmarks/results/gpu_tests.xml \
    || status=$?
timeout 120 "$PYTHON" -m benchmarks.image_gan_throughput --cuda-only --steps 100 || status=$?
timeout 90 "$PYTHON" -m benchmarks.dp_overhead --cuda-only --steps 30 || status=$?
echo "gpu_check: done (exit $status); results in benchmarks/results/"
exit "$status"
