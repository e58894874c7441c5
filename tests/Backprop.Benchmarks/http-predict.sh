#!/bin/bash
# Request rate of POST /api/models/{id}/predict (one W4 row) vs GET /api/whoami (a trivial authenticated JSON endpoint)
# on the same server, measured with wrk on loopback, alternating for ROUNDS rounds; beside each rate the service's CPU
# time per request (from /proc, so time spent waiting for a core on a shared machine is left out).
#   tests/Backprop.Benchmarks/http-predict.sh [ROUNDS=5] [SECONDS=5] [CONNECTIONS=16]
# Rate limits are lifted for the run; everything else is the service's production configuration (Release build).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rounds=${1:-5}
seconds=${2:-5}
connections=${3:-16}
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
# Requests/s and the service's CPU microseconds per request of one wrk run.
rate() {
  local before after out
  before=$(awk '{print $14 + $15}' /proc/$service/stat)
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$1" "$2")
  after=$(awk '{print $14 + $15}' /proc/$service/stat)
  echo "$out" | awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ {n = $1} /Requests\/sec/ {r = $2} END {printf "%s %.1f\n", r, ticks * 1e6 / hz / n}'
}
for _ in 1 2 3; do   # warm-up: tiered JIT (slow to settle on a loaded machine) and connection pools
  rate "$work/whoami.lua" "$B/api/whoami" > /dev/null
  rate "$work/predict.lua" "$B/api/models/$model/predict" > /dev/null
done
for round in $(seq 1 "$rounds"); do
  read -r trivial trivial_cpu < <(rate "$work/whoami.lua" "$B/api/whoami")
  read -r predict predict_cpu < <(rate "$work/predict.lua" "$B/api/models/$model/predict")
  jq -nc --argjson round "$round" --argjson t "$trivial" --argjson p "$predict" --argjson tc "$trivial_cpu" \
    --argjson pc "$predict_cpu" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '{peer: "backprop-service",
    benchmark: "http-predict-vs-whoami", round: $round, whoami_requests_per_sec: $t, predict_requests_per_sec: $p,
    ratio: ($p / $t), whoami_cpu_us_per_request: $tc, predict_cpu_us_per_request: $pc, cpu_ratio: ($tc / $pc),
    load: $load}'
done | tee "$work/rounds.jsonl"
jq -s -r '"median ratio of requests/s: \(map(.ratio) | sort | .[length / 2 | floor] * 100 | round) %; median ratio of '\
'service CPU per request (whoami / predict): \(map(.cpu_ratio) | sort | .[length / 2 | floor] * 100 | round) %"' \
  "$work/rounds.jsonl"
