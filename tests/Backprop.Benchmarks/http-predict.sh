#!/bin/bash
# Request rate of POST /api/models/{id}/predict (one W4 row) vs GET /api/whoami (a trivial authenticated JSON endpoint)
# on the same server, measured with wrk on loopback, one after the other.
#   tests/Backprop.Benchmarks/http-predict.sh [SECONDS=10] [CONNECTIONS=16]
# Rate limits are lifted for the run; everything else is the service's production configuration (Release build).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
seconds=${1:-10}
connections=${2:-16}
command -v jq >/dev/null && command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq jq wrk >&2; }
dotnet build -c Release src/Backprop.Api >&2
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ConnectionStrings__Backprop="Data Source=$work/backprop.db" RateLimits__PredictionsPerWindow=10000000 \
  Logging__LogLevel__Default=Warning dotnet src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll --urls "http://127.0.0.1:$port" > "$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do [ -s "$work/dev-api-key.txt" ] && break; sleep 1; done
B="http://127.0.0.1:$port"
KEY=$(cat "$work/dev-api-key.txt")
AUTH="Authorization: Bearer $KEY"

dataset=$(curl -sf -X POST "$B/api/datasets?name=digits&targetColumn=label&task=classification" -H "$AUTH" \
  -H 'Content-Type: text/csv' --data-binary @samples/digits/train.csv | jq -r .id)
network=$(curl -sf -X POST "$B/api/networks" -H "$AUTH" -H 'Content-Type: application/json' -d '{
  "name": "W4", "inputWidth": 64, "layers": [{"units": 64, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
  "loss": "categorical_cross_entropy", "init": "glorot_uniform", "seed": 4}' | jq -r .id)
job=$(curl -sf -X POST "$B/api/jobs" -H "$AUTH" -H 'Content-Type: application/json' -d "{\"networkId\": \"$network\",
  \"datasetId\": \"$dataset\", \"epochs\": 50, \"batchSize\": 32, \"normalization\": \"none\"}" | jq -r .id)
while curl -sf "$B/api/jobs/$job" -H "$AUTH" | jq -e '.status == "queued" or .status == "running"' > /dev/null; do sleep 0.2; done
model=$(curl -sf "$B/api/jobs/$job" -H "$AUTH" | jq -r .modelId)
row=$(sed -n 2p samples/digits/test.csv | cut -d, -f1-64)

cat > "$work/predict.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"rows": [[$row]]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
cat > "$work/whoami.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
curl -sf -X POST "$B/api/models/$model/predict" -H "$AUTH" -H 'Content-Type: application/json' -d "{\"rows\": [[$row]]}" | jq -c '.predictions[0] | {label: .label}' >&2
rate() { wrk -t2 -c"$connections" -d"${seconds}s" -s "$1" "$2" | tee /dev/stderr | awk '/Requests\/sec/ {print $2}'; }
rate "$work/whoami.lua" "$B/api/whoami" > /dev/null   # warm-up: JIT and connection pools
rate "$work/predict.lua" "$B/api/models/$model/predict" > /dev/null
trivial=$(rate "$work/whoami.lua" "$B/api/whoami")
predict=$(rate "$work/predict.lua" "$B/api/models/$model/predict")
jq -nc --argjson t "$trivial" --argjson p "$predict" '{peer: "backprop-service", benchmark: "http-predict-vs-whoami",
  whoami_requests_per_sec: $t, predict_requests_per_sec: $p, ratio: ($p / $t)}'
