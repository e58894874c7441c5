#!/usr/bin/env bash
# What 100 event-stream subscribers cost a training job: the same job (iris 4-16-3, batch 1) trained ROUNDS times with
# no subscriber and ROUNDS times with SUBSCRIBERS `curl -N` clients on /api/jobs/{id}/events, alternating, on the
# Release service; prints each job's training time (finishedAt - startedAt) and the median of each side.
# Usage: tests/Backprop.Benchmarks/sse-subscribers.sh [EPOCHS=3000] [SUBSCRIBERS=100] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS=${1:-3000}; SUBSCRIBERS=${2:-100}; ROUNDS=${3:-3}
dir=$(mktemp -d); port=$((20000 + RANDOM % 20000)); base="http://127.0.0.1:$port"
dotnet build src/Backprop.Api -c Release -v q >/dev/null
dotnet src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll --urls "$base" --ConnectionStrings:Backprop="Data Source=$dir/b.db" \
  --RateLimits:JobSubmissionsPerWindow=1000 >"$dir/log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; jobs -p | xargs -r kill 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do [ -s "$dir/dev-api-key.txt" ] && curl -sf "$base/health/ready" >/dev/null && break; sleep 0.5; done
key=$(cat "$dir/dev-api-key.txt"); H="X-Api-Key: $key"
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
net=$(curl -sf -H "$H" -H 'Content-Type: application/json' "$base/api/networks" \
  -d '{"inputWidth":4,"layers":[{"units":16,"activation":"relu"},{"units":3,"activation":"softmax"}],"loss":"categorical_cross_entropy"}' | json '["id"]')
ds=$(curl -sf -H "$H" -H 'Content-Type: text/csv' "$base/api/datasets?name=iris&targetColumn=species" --data-binary @samples/iris.csv | json '["id"]')

run() { # $1 = subscribers; prints the job's training seconds
  local job; job=$(curl -sf -H "$H" -H 'Content-Type: application/json' "$base/api/jobs" \
    -d "{\"networkId\":\"$net\",\"datasetId\":\"$ds\",\"epochs\":$EPOCHS,\"batchSize\":1,\"seed\":1}" | json '["id"]')
  local pids=()
  for _ in $(seq 1 "$1"); do curl -sN -H "$H" "$base/api/jobs/$job/events" >/dev/null & pids+=($!); done
  while [ "$(curl -sf -H "$H" "$base/api/jobs/$job" | json '["status"]')" != succeeded ]; do sleep 0.2; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  curl -sf -H "$H" "$base/api/jobs/$job" | python3 -c "
import sys, json, datetime as d
j = json.load(sys.stdin); p = lambda s: d.datetime.fromisoformat(s.replace('Z', '+00:00'))
print(f\"{(p(j['finishedAt']) - p(j['startedAt'])).total_seconds():.3f}\")"
}
run 0 >/dev/null # warm-up (JIT)
none=(); many=()
for r in $(seq 1 "$ROUNDS"); do
  none+=("$(run 0)"); many+=("$(run "$SUBSCRIBERS")")
  echo "round $r: 0 subscribers ${none[-1]} s, $SUBSCRIBERS subscribers ${many[-1]} s"
done
python3 - "${none[*]}" "${many[*]}" <<'PY'
import statistics, sys
a = [float(x) for x in sys.argv[1].split()]; b = [float(x) for x in sys.argv[2].split()]
ma, mb = statistics.median(a), statistics.median(b)
print(f"median: no subscriber {ma:.3f} s, with subscribers {mb:.3f} s, ratio {mb / ma:.3f}")
PY
