#!/bin/bash
# Prediction throughput of the real service on loopback: /api/models/{id}/predict vs the Open Inference Protocol
# over REST and gRPC (typed and raw tensors), 1 row and 1,000-row batches, rows/s and p50/p99; a trivial endpoint
# (GET /api/whoami) and the in-process predictor in the same run. The load client is a .NET console (ServiceLoad.cs).
#   tests/Backprop.Benchmarks/service-load.sh [ROUNDS=5] [CONNECTIONS=16]   (each round: one second per scenario)
# Rate limits are lifted for the run; everything else is the service's production configuration (Release build).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
source tests/Backprop.Benchmarks/w4-service.sh
rounds=${1:-5}
connections=${2:-16}
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq >&2; }
dotnet build -c Release src/Backprop.Api >&2
dotnet build -c Release tests/Backprop.Benchmarks >&2
work=$(mktemp -d)
services=()
trap 'for s in "${services[@]}"; do kill $s 2>/dev/null; wait $s 2>/dev/null; done; rm -rf "$work"' EXIT
w4_service "$work" src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll 5

dotnet tests/Backprop.Benchmarks/bin/Release/net10.0/Backprop.Benchmarks.dll service-load "$B" "$KEY" "$MODEL" \
  samples/digits/test.csv "$rounds" "$connections"
