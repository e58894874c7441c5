#!/bin/bash
# Rows per second of the in-process predictor against ONNX Runtime (single thread) on the W4 and W3 networks exported by
# GET /api/models/{id}/onnx, at batches of 1, 32 and 1,000 rows; the two are interleaved measurement by measurement.
#   tests/Backprop.Benchmarks/onnx-predict.sh [ROUNDS=5] [SECONDS_PER_MEASUREMENT=0.5]
# JSON lines (one per round, network and batch) then a markdown table of medians and per-round ratios on stdout.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rounds=${1:-5}
seconds=${2:-0.5}
# The JIT build: ONNX Runtime's managed API is not published with NativeAOT here, and both peers then run under one runtime.
dotnet build -c Release tests/Backprop.Benchmarks >&2
exec dotnet tests/Backprop.Benchmarks/bin/Release/net10.0/Backprop.Benchmarks.dll onnx-predict "$rounds" "$seconds"
