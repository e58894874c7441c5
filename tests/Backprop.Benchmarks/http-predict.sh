#!/bin/bash
# Request rate of POST /api/models/{id}/predict (one W4 row) vs GET /api/whoami (a trivial authenticated JSON endpoint)
# on the same server, measured with wrk on loopback, alternating for ROUNDS rounds; beside each rate the service's CPU
# time per request (from /proc, so time spent waiting for a core on a shared machine is left out).
#   tests/Backprop.Benchmarks/http-predict.sh [ROUNDS=5] [SECONDS=5] [CONNECTIONS=16] [BASE]
# With BASE (any commit) that commit's service runs beside this checkout's, each with its own model, and every round
# measures both, base first: the before/after ratio of a change under the same load.
# Rate limits are lifted for the run; everything else is the service's production configuration (Release build).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
source tests/Backprop.Benchmarks/w4-service.sh
rounds=${1:-5}
seconds=${2:-5}
connections=${3:-16}
base_ref=${4:-}
command -v jq >/dev/null && command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq jq wrk >&2; }
work=$(mktemp -d)
services=()
trap 'for s in "${services[@]}"; do kill $s 2>/dev/null; wait $s 2>/dev/null; done; rm -rf "$work"' EXIT
dotnet build -c Release src/Backprop.Api >&2
builds=(new)
if [ -n "$base_ref" ]; then
  mkdir -p "$work/base-src" && git archive "$base_ref" | tar -x -C "$work/base-src"
  dotnet build -c Release "$work/base-src/src/Backprop.Api" >&2
  builds=(base new)
fi
row=$(sed -n 2p samples/digits/test.csv | cut -d, -f1-64)

# Starts one build's service on its own database and trains its model; writes $work/$1/{env,predict.lua,whoami.lua}.
start() {
  local name=$1 dll=$2 dir="$work/$1" B KEY AUTH MODEL
  mkdir -p "$dir"
  w4_service "$dir" "$dll" 50 ', "normalization": "none"'
  echo "PID=${services[-1]}" > "$dir/env"
  echo "B=$B" >> "$dir/env"
  echo "MODEL=$MODEL" >> "$dir/env"
  cat > "$dir/predict.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"rows": [[$row]]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
  cat > "$dir/whoami.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
  curl -sf -X POST "$B/api/models/$MODEL/predict" -H "$AUTH" -H 'Content-Type: application/json' \
    -d "{\"rows\": [[$row]]}" | jq -c "{build: \"$name\", label: .predictions[0].label}" >&2
}
start new src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll
[ -n "$base_ref" ] && start base "$work/base-src/src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll"

# Requests/s and the service's CPU microseconds per request of one wrk run: rate BUILD LUA URL.
rate() {
  local pid before after out
  pid=$(sed -n 's/^PID=//p' "$work/$1/env")
  before=$(awk '{print $14 + $15}' /proc/$pid/stat)
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/$1/$2" "$3")
  after=$(awk '{print $14 + $15}' /proc/$pid/stat)
  echo "$out" | awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ {n = $1} /Requests\/sec/ {r = $2} END {printf "%s %.1f\n", r, ticks * 1e6 / hz / n}'
}
url() { sed -n "s/^$2=//p" "$work/$1/env"; }
one() {
  local b m
  b=$(url "$1" B)
  m=$(url "$1" MODEL)
  read -r trivial trivial_cpu < <(rate "$1" whoami.lua "$b/api/whoami")
  read -r predict predict_cpu < <(rate "$1" predict.lua "$b/api/models/$m/predict")
}
for _ in 1 2 3; do   # warm-up: tiered JIT (slow to settle on a loaded machine) and connection pools
  for build in "${builds[@]}"; do one "$build"; done
done
for round in $(seq 1 "$rounds"); do
  for build in "${builds[@]}"; do
    one "$build"
    jq -nc --arg build "$build" --argjson round "$round" --argjson t "$trivial" --argjson p "$predict" \
      --argjson tc "$trivial_cpu" --argjson pc "$predict_cpu" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
      --arg commit "$([ "$build" = base ] && echo "$base_ref" || git rev-parse --short HEAD)" '{peer:
      "backprop-service", benchmark: "http-predict-vs-whoami", build: $build, commit: $commit, round: $round,
      whoami_requests_per_sec: $t, predict_requests_per_sec: $p, ratio: ($p / $t), whoami_cpu_us_per_request: $tc,
      predict_cpu_us_per_request: $pc, cpu_ratio: ($tc / $pc), load: $load}'
  done
done | tee "$work/rounds.jsonl"
jq -s -r 'group_by(.build) | .[] | "\(.[0].build) (\(.[0].commit)): median ratio of requests/s: '\
'\(map(.ratio) | sort | .[length / 2 | floor] * 100 | round) %; median ratio of service CPU per request '\
'(whoami / predict): \(map(.cpu_ratio) | sort | .[length / 2 | floor] * 100 | round) %"' "$work/rounds.jsonl"
