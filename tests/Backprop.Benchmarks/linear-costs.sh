#!/bin/bash
# Costs that should grow linearly with the work, through the real service (Release, loopback, temp database):
#  1. W2-width datasets (32 features in [-1, 1) with 4 decimals, 10 classes) of 10k, 100k and 1M rows: upload seconds and the
#     service's RSS growth during it, then one epoch of W2's network (32-64-64-10, Adam 1e-3, batch 256): the epoch's duration
#     from the job history, the job's wall time and the service's RSS growth while it ran.
#  2. 200 iris jobs (4-16-3, 100 epochs, batch 16) submitted at once: per job the time outside its epochs
#     (finishedAt − startedAt − Σ epoch durations; queueing excluded), and the makespan (first submission → last finish) against
#     the sum of all epoch durations divided by the worker count (Jobs:MaxConcurrentJobs, the CPU count by default).
#     ROUNDS batches of JOBS, one after the other on the same service, one line each: the first pays the JIT of the
#     service's job path (a fresh process), the later ones show the service as it runs for long.
#   tests/Backprop.Benchmarks/linear-costs.sh [SIZES="10000 100000 1000000"] [JOBS=200] [ROUNDS=1]
# KEEP_LOG=file keeps the service's log there. SERVICE_DLL=path runs that build of the service instead of building this checkout (to compare two builds side by side);
# POSTGRES='Host=...;Port=...;Username=...' (what `.ci/postgres.sh start` prints) runs it on PostgreSQL, in a fresh
# database per run; else on a SQLite file.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
sizes=${1-"10000 100000 1000000"}
jobs=${2:-200}
rounds=${3:-1}
data=${UPLOAD_DATA:-/tmp/backprop-upload-data}
mkdir -p "$data"
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq >&2; }
/usr/bin/python3 -c 'import numpy' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-numpy >&2; }
dll=${SERVICE_DLL:-src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll}
[ -n "${SERVICE_DLL:-}" ] || dotnet build -c Release src/Backprop.Api >&2
for n in $sizes; do
  [ -s "$data/w2-$n.csv" ] || /usr/bin/python3 - "$n" "$data/w2-$n.csv" <<'PY'
import sys, numpy as np
n, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(2)
x = rng.uniform(-1, 1, size=(n, 32)).round(4)
y = rng.integers(0, 10, size=n)
with open(path, "w") as f:
    f.write(",".join(f"x{i}" for i in range(32)) + ",label\n")
    for start in range(0, n, 100000):
        block = np.column_stack([x[start:start + 100000], y[start:start + 100000]])
        np.savetxt(f, block, fmt=["%.4f"] * 32 + ["%d"], delimiter=",")
PY
done
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
if [ -n "${POSTGRES:-}" ]; then
  database=linear_costs_$(date +%s%N)
  psql "$(echo "$POSTGRES" | sed 's/Host=/host=/; s/Port=/port=/; s/Username=/user=/; s/;/ /g')" -qc "CREATE DATABASE $database"
  export Database__Provider=postgres ConnectionStrings__Backprop="$POSTGRES;Database=$database"
else
  export ConnectionStrings__Backprop="Data Source=$work/backprop.db"
fi
admin=bp_linearCostsAdminKey_0123456789abcdefghij
Auth__AdminKey=$admin Datasets__MaxUploadBytes=1073741824 \
  Tenancy__MaxConcurrentJobs=$jobs Tenancy__MaxQueuedJobs=$jobs RateLimits__JobSubmissionsPerWindow=100000 \
  dotnet "$dll" --urls "http://127.0.0.1:$port" > "$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null; [ -z "${KEEP_LOG:-}" ] || cp "$work/service.log" "$KEEP_LOG"
  rm -rf "$work"' EXIT
B="http://127.0.0.1:$port"
for _ in $(seq 1 120); do curl -sf "$B/api/admin/keys?pageSize=1" -H "Authorization: Bearer $admin" >/dev/null && break
  sleep 0.5; done
key=$(curl -sf -X POST "$B/api/admin/keys" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"tenant": "bench", "name": "bench"}' | jq -r .key)
AUTH="Authorization: Bearer $key"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
rss() { awk -v k="$1" '$1 == k {print $2}' /proc/$service/status; }
reset_peak() { echo 5 > /proc/$service/clear_refs; }
wait_job() { while curl -sf "$B/api/jobs/$1" -H "$AUTH" | jq -e '.status == "queued" or .status == "running"' > /dev/null; do sleep 0.1; done; }

w2=$(curl -sf -X POST "$B/api/networks" -H "$AUTH" -H 'Content-Type: application/json' -d '{"name": "W2", "inputWidth": 32,
  "layers": [{"units": 64, "activation": "relu"}, {"units": 64, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
  "loss": "categorical_cross_entropy", "init": "glorot_uniform", "seed": 2}' | jq -r .id)
for n in $sizes; do
  file="$data/w2-$n.csv"
  reset_peak; before=$(rss VmRSS:)
  start=$(date +%s.%N)
  dataset=$(curl -sf -X POST "$B/api/datasets?name=w2-$n&targetColumn=label&task=classification" -H "$AUTH" \
    -H 'Content-Type: text/csv' --data-binary @"$file" | jq -r .id)
  upload=$(echo "$(date +%s.%N) - $start" | bc)
  upload_peak=$(( ($(rss VmHWM:) - before) / 1024 ))
  reset_peak; before=$(rss VmRSS:)
  job=$(curl -sf -X POST "$B/api/jobs" -H "$AUTH" -H 'Content-Type: application/json' -d "{\"networkId\": \"$w2\",
    \"datasetId\": \"$dataset\", \"epochs\": 1, \"batchSize\": 256, \"optimizer\": {\"kind\": \"adam\", \"learningRate\": 0.001},
    \"normalization\": \"none\", \"validationFraction\": 0}" | jq -r .id)
  wait_job "$job"
  train_peak=$(( ($(rss VmHWM:) - before) / 1024 ))
  epoch_ms=$(curl -sf "$B/api/jobs/$job/history?limit=10" -H "$AUTH" | jq '[.epochs[].durationMs] | add')
  curl -sf "$B/api/jobs/$job" -H "$AUTH" | jq -c --arg cpu "$cpu" --argjson n "$n" --argjson upload "$upload" --argjson mb "$(stat -c %s "$file")" \
    --argjson up "$upload_peak" --argjson tp "$train_peak" --argjson epoch "$epoch_ms" '{bench: "linear-w2", cpu: $cpu, rows: $n,
    csv_mb: ($mb / 1e6 | . * 10 | round / 10), upload_seconds: ($upload | . * 1000 | round / 1000), upload_rss_growth_mb: $up,
    epoch_seconds: ($epoch / 1000), job_wall_seconds: .elapsedSeconds, train_rss_growth_mb: $tp, status}'
done

iris=$(curl -sf -X POST "$B/api/datasets?name=iris&targetColumn=species" -H "$AUTH" -H 'Content-Type: text/csv' \
  --data-binary @samples/iris.csv | jq -r .id)
net=$(curl -sf -X POST "$B/api/networks" -H "$AUTH" -H 'Content-Type: application/json' -d '{"name": "iris", "inputWidth": 4,
  "layers": [{"units": 16, "activation": "relu"}, {"units": 3, "activation": "softmax"}], "loss": "categorical_cross_entropy",
  "init": "glorot_uniform", "seed": 1}' | jq -r .id)
body="{\"networkId\": \"$net\", \"datasetId\": \"$iris\", \"epochs\": 100, \"batchSize\": 16, \"optimizer\": {\"kind\": \"adam\", \"learningRate\": 0.01}}"
# One curl process sends them all, 16 at a time (not a process per job, which costs the machine more than a job).
echo "$body" > "$work/body.json"
for i in $(seq 1 "$jobs"); do
  [ "$i" = 1 ] || echo next
  printf 'url = "%s/api/jobs"\nrequest = "POST"\nheader = "%s"\n' "$B" "$AUTH"
  printf 'header = "Content-Type: application/json"\ndata-binary = "@%s"\nfail\nsilent\n' "$work/body.json"
done > "$work/submit.cfg"
# One cheap poll for all of them (not one per job), so the script takes little of the CPU the workers need.
unfinished() { for s in queued running; do curl -sf "$B/api/jobs?status=$s&pageSize=1" -H "$AUTH" | jq .totalCount; done \
  | paste -sd+ | bc; }
workers=$(grep -c ^processor /proc/cpuinfo)
# The service's CPU seconds (user + system) from /proc: steadier than wall time on a shared machine.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' /proc/$service/stat; }
for round in $(seq 1 "$rounds"); do
cpu_before=$(cpu_seconds)
curl --silent --no-progress-meter --parallel --parallel-max 16 --config "$work/submit.cfg" | jq -r .id > "$work/jobs.txt"
while [ "$(unfinished)" != 0 ]; do sleep 0.25; done
service_cpu=$(awk -v a="$(cpu_seconds)" -v b="$cpu_before" 'BEGIN {printf "%.2f", a - b}')
for job in $(cat "$work/jobs.txt"); do
  curl -sf "$B/api/jobs/$job" -H "$AUTH" | jq -c --argjson epochs "$(curl -sf "$B/api/jobs/$job/history?limit=1000" -H "$AUTH" \
    | jq '[.epochs[].durationMs] | add')" '{createdAt, startedAt, finishedAt, status, epoch_ms: $epochs}'
done | jq -s -c --arg cpu "$cpu" --argjson workers "$workers" --argjson round "$round" \
  --argjson cpu_s "$service_cpu" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
  def t: rtrimstr("Z") | split(".") as $p | ($p[0] + "Z" | fromdateiso8601) + ("0." + ($p[1] // "0") | tonumber);
  def median: sort | .[(length - 1) / 2 | floor];
  map(. + {c: (.createdAt | t), s: (.startedAt | t), f: (.finishedAt | t)})
  | map(. + {overhead_ms: ((.f - .s) * 1000 - .epoch_ms)}) as $j
  | ($j | map(.epoch_ms) | add / 1000) as $epochs
  | ($j | map(.c) | min) as $first
  | (($j | map(.f) | max) - $first) as $makespan
  | ($j | map(.f - .s) | add) as $busy
  | {bench: "iris-jobs", round: $round, cpu: $cpu, load: $load, jobs: ($j | length),
     succeeded: ($j | map(select(.status == "succeeded")) | length), workers: $workers,
     overhead_ms_median: ($j | map(.overhead_ms) | median), overhead_ms_p90: ($j | map(.overhead_ms) | sort | .[(length * 9 / 10) | floor]),
     epoch_ms_median_per_job: ($j | map(.epoch_ms) | median), makespan_seconds: $makespan, epoch_seconds_sum: $epochs,
     submit_seconds: (($j | map(.c) | max) - $first), start_to_finish_seconds_sum: $busy,
     idle_worker_seconds: ($makespan * $workers - $busy), service_cpu_seconds: $cpu_s,
     service_cpu_ms_per_job_outside_epochs: (($cpu_s - $epochs) * 1000 / ($j | length)),
     bound_seconds: (1.2 * $epochs / $workers), makespan_over_ideal: ($makespan / ($epochs / $workers))}'
done
