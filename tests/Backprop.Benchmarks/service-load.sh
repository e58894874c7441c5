#!/bin/bash
# Prediction throughput of the real service on loopback: /api/models/{id}/predict vs the Open Inference Protocol
# over REST and gRPC (typed and raw tensors), 1 row and 1,000-row batches, rows/s and p50/p99; a trivial endpoint
# (GET /api/whoami) and the in-process predictor in the same run. The load client is a .NET console (ServiceLoad.cs).
#   tests/Backprop.Benchmarks/service-load.sh [ROUNDS=5] [CONNECTIONS=16]   (each round: one second per scenario)
# Rate limits are lifted for the run; everything else is the service's production configuration (Release build).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rounds=${1:-5}
connections=${2:-16}
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq >&2; }
dotnet build -c Release src/Backprop.Api >&2
dotnet build -c Release tests/Backprop.Benchmarks >&2
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ConnectionStrings__Backprop="Data Source=$work/backprop.db" RateLimits__PredictionsPerWindow=10000000 \
  Logging__LogLevel__Default=Warning dotnet src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll \
  --urls "http://127.0.0.1:$port" > "$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do [ -s "$work/dev-api-key.txt" ] && break; sleep 1; done
B="http://127.0.0.1:$port"
KEY=$(cat "$work/dev-api-key.txt")
AUTH="Authorization: Bearer $KEY"

# W4's network (64-64-10) on the digits sample, a few epochs: the model's accuracy does not change its speed.
dataset=$(curl -sf -X POST "$B/api/datasets?name=digits&targetColumn=label&task=classification" -H "$AUTH" \
  -H 'Content-Type: text/csv' --data-binary @samples/digits/train.csv | jq -r .id)
network=$(curl -sf -X POST "$B/api/networks" -H "$AUTH" -H 'Content-Type: application/json' -d '{
  "name": "W4", "inputWidth": 64,
  "layers": [{"units": 64, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
  "loss": "categorical_cross_entropy", "init": "glorot_uniform", "seed": 4}' | jq -r .id)
job=$(curl -sf -X POST "$B/api/jobs" -H "$AUTH" -H 'Content-Type: application/json' -d "{\"networkId\": \"$network\",
  \"datasetId\": \"$dataset\", \"epochs\": 5, \"batchSize\": 32}" | jq -r .id)
while curl -sf "$B/api/jobs/$job" -H "$AUTH" | jq -e '.status == "queued" or .status == "running"' > /dev/null; do
  sleep 0.2
done
model=$(curl -sf "$B/api/jobs/$job" -H "$AUTH" | jq -r .modelId)

dotnet tests/Backprop.Benchmarks/bin/Release/net10.0/Backprop.Benchmarks.dll service-load "$B" "$KEY" "$model" \
  samples/digits/test.csv "$rounds" "$connections"
