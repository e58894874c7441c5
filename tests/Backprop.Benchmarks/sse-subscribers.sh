#!/usr/bin/env bash
# What event-stream subscribers cost a training job: the same job (iris 4-16-3, batch 1) trained ROUNDS times with no
# subscriber and ROUNDS times with SUBSCRIBERS `curl -N` clients on /api/jobs/{id}/events, alternating, on the Release
# service; prints each job's training time (finishedAt - startedAt) and the service's CPU time from the blocker's
# cancel to the job's end (less noisy than wall time on a busy machine), and the median of each side.
# The service runs one job at a time. Each measured job waits in the queue behind a blocker job until all its
# subscribers are connected (the backprop_job_events_streams gauge on /metrics says so); then the blocker is cancelled,
# so the whole measured run has every subscriber attached. The no-subscriber side goes through the same steps.
# Rounds alternate which side goes first. Usage: tests/Backprop.Benchmarks/sse-subscribers.sh [EPOCHS=3000]
# [SUBSCRIBERS=100] [ROUNDS=8]
set -euo pipefail
[ -n "${TRACE:-}" ] && set -x
cd "$(dirname "$0")/../.."
EPOCHS=${1:-3000}; SUBSCRIBERS=${2:-100}; ROUNDS=${3:-8}
dir=$(mktemp -d); port=$((20000 + RANDOM % 20000)); base="http://127.0.0.1:$port"
admin="bp_benchAdminKey_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
dotnet build src/Backprop.Api -c Release -v q >/dev/null
dotnet src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll --urls "$base" \
  --ConnectionStrings:Backprop="Data Source=$dir/b.db" --RateLimits:JobSubmissionsPerWindow=1000 \
  --Jobs:MaxConcurrentJobs=1 --Limits:MaxEpochs=1000000 --Tenancy:MaxHistoryRows=1000000000000 \
  --Telemetry:PrometheusEnabled=true --Auth:AdminKey="$admin" >"$dir/log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; jobs -p | xargs -r kill 2>/dev/null; rm -rf "$dir"' EXIT
until [ -s "$dir/dev-api-key.txt" ] && curl -sf "$base/health/ready" >/dev/null; do
  kill -0 $service 2>/dev/null || { cat "$dir/log"; exit 1; }; sleep 0.5
done
key=$(cat "$dir/dev-api-key.txt"); H="X-Api-Key: $key"
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
net=$(curl -sf -H "$H" -H 'Content-Type: application/json' "$base/api/networks" -d '{"inputWidth":4,"layers":[
  {"units":16,"activation":"relu"},{"units":3,"activation":"softmax"}],"loss":"categorical_cross_entropy"}' \
  | json '["id"]')
ds=$(curl -sf -H "$H" -H 'Content-Type: text/csv' "$base/api/datasets?name=iris&targetColumn=species" \
  --data-binary @samples/iris.csv | json '["id"]')
submit() { # $1 = epochs; prints the job's id
  curl -sf -H "$H" -H 'Content-Type: application/json' "$base/api/jobs" \
    -d "{\"networkId\":\"$net\",\"datasetId\":\"$ds\",\"epochs\":$1,\"batchSize\":1,\"seed\":1}" | json '["id"]'
}
# Polled on both sides alike while the measured job trains, so curl and grep, not a Python start-up per poll.
status() { curl -sf -H "$H" "$base/api/jobs/$1" | grep -o '"status":"[a-z]*"' | head -1 | cut -d'"' -f4; }
epoch() { curl -sf -H "$H" "$base/api/jobs/$1" | grep -o '"epoch":[0-9]*' | head -1 | cut -d: -f2; }
streams() { curl -sf -H "X-Api-Key: $admin" "$base/metrics" | awk '/^backprop_job_events_streams[ {]/ {print $NF}'; }

tick=$(getconf CLK_TCK)
cpu() { awk -v t="$tick" '{printf "%.3f\n", ($14 + $15) / t}' "/proc/$service/stat"; } # user + system seconds

run() { # $1 = subscribers; prints the job's training seconds and the service's CPU seconds meanwhile
  local blocker job pids=()
  blocker=$(submit 1000000)
  # Past its first checkpoint (100 epochs) on both sides, so the blocker ends the same way before the measured job.
  until [ "$(epoch "$blocker")" -ge 100 ] 2>/dev/null; do sleep 0.1; done
  job=$(submit "$EPOCHS")
  for _ in $(seq 1 "$1"); do curl -sN -H "$H" "$base/api/jobs/$job/events" >/dev/null & pids+=($!); done
  until [ "$(streams)" = "$1" ]; do sleep 0.1; done
  [ "$(status "$job")" = queued ] || { echo "job $job left the queue before its subscribers came" >&2; exit 1; }
  local cpu0; cpu0=$(cpu)
  curl -sf -o /dev/null -H "$H" -X POST "$base/api/jobs/$blocker/cancel"
  while [ "$(status "$job")" != succeeded ]; do sleep 0.2; done
  local cpu1; cpu1=$(cpu)
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done  # each stream ends with the job
  curl -sf -H "$H" "$base/api/jobs/$job" | python3 -c "
import sys, json, datetime as d
j = json.load(sys.stdin); p = lambda s: d.datetime.fromisoformat(s.replace('Z', '+00:00'))
print(f\"{(p(j['finishedAt']) - p(j['startedAt'])).total_seconds():.3f} {$cpu1 - $cpu0:.3f}\")"
}
run 0 >/dev/null # warm-up (JIT)
none=(); many=()
for r in $(seq 1 "$ROUNDS"); do # ABBA: odd rounds start without subscribers, even rounds with them
  if [ $((r % 2)) = 1 ]; then none+=("$(run 0)"); many+=("$(run "$SUBSCRIBERS")")
  else many+=("$(run "$SUBSCRIBERS")"); none+=("$(run 0)"); fi
  echo "round $r (wall s, CPU s): 0 subscribers ${none[-1]}, $SUBSCRIBERS subscribers ${many[-1]}" \
    "($(uptime | sed 's/.*average/load average/'))"
done
python3 - "${none[*]}" "${many[*]}" <<'PY'
import statistics, sys
a = [float(x) for x in sys.argv[1].split()]; b = [float(x) for x in sys.argv[2].split()]
for name, i in (("training wall time", 0), ("service CPU time", 1)):
    x, y = a[i::2], b[i::2]
    mx, my = statistics.median(x), statistics.median(y)
    ratios = sorted(q / p for p, q in zip(x, y))
    print(f"{name}: median no subscriber {mx:.3f} s, with subscribers {my:.3f} s, ratio {my / mx:.3f} "
          f"(per-round ratios {' '.join(f'{r:.3f}' for r in ratios)})")
PY
