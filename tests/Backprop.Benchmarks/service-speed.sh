#!/bin/bash
# Training speed through the service vs the core: starts the real service (Release, loopback, temp database), uploads
# the digits split of W4, defines W4's network (64-64-10, Glorot uniform, seed 4) and runs W4's training
# (Adam 1e-3, batch 32, no normalisation, no validation, the spec's shuffles) as jobs, one after another. After each job
# the core's benchmark trains the same epochs in its own process, JIT (the service's runtime) and NativeAOT (run.sh's
# build, when artifacts/bench exists), so service and core are measured minutes apart on this drifting machine.
#   tests/Backprop.Benchmarks/service-speed.sh [EPOCHS=2000] [JOBS=5]
# Per job it prints samples/s from the job's wall time (started → finished: dataset load, training, checkpoints,
# history rows, evaluation and model storage) and from the sum of its epochs' durations (the training loop alone),
# then the median ratios over jobs 2..JOBS (the first job also pays the service's JIT).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
epochs=${1:-2000}
jobs=${2:-5}
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq >&2; }
dotnet build -c Release src/Backprop.Api >&2
dotnet build -c Release tests/Backprop.Benchmarks >&2
core_jit=(dotnet tests/Backprop.Benchmarks/bin/Release/net10.0/Backprop.Benchmarks.dll)
core_aot=artifacts/bench/Backprop.Benchmarks
lines=$(mktemp)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ConnectionStrings__Backprop="Data Source=$work/backprop.db" dotnet src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll \
  --urls "http://127.0.0.1:$port" > "$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$work" "$lines"' EXIT
for _ in $(seq 1 60); do [ -s "$work/dev-api-key.txt" ] && break; sleep 1; done
B="http://127.0.0.1:$port"
AUTH="Authorization: Bearer $(cat "$work/dev-api-key.txt")"

dataset=$(curl -sf -X POST "$B/api/datasets?name=digits&targetColumn=label&task=classification" -H "$AUTH" \
  -H 'Content-Type: text/csv' --data-binary @samples/digits/train.csv | jq -r .id)
rows=$(curl -sf "$B/api/datasets/$dataset" -H "$AUTH" | jq .rowCount)
network=$(curl -sf -X POST "$B/api/networks" -H "$AUTH" -H 'Content-Type: application/json' -d '{
  "name": "W4", "inputWidth": 64, "layers": [{"units": 64, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
  "loss": "categorical_cross_entropy", "init": "glorot_uniform", "seed": 4}' | jq -r .id)

for i in $(seq 1 "$jobs"); do
  job=$(curl -sf -X POST "$B/api/jobs" -H "$AUTH" -H 'Content-Type: application/json' -d "{
    \"networkId\": \"$network\", \"datasetId\": \"$dataset\", \"epochs\": $epochs, \"batchSize\": 32,
    \"optimizer\": {\"kind\": \"adam\", \"learningRate\": 0.001}, \"normalization\": \"none\", \"validationFraction\": 0}" | jq -r .id)
  while curl -sf "$B/api/jobs/$job" -H "$AUTH" | jq -e '.status == "queued" or .status == "running"' > /dev/null; do sleep 0.2; done
  status=$(curl -sf "$B/api/jobs/$job" -H "$AUTH")
  history=$(curl -sf "$B/api/jobs/$job/history?limit=100000" -H "$AUTH")
  loop_ms=$(echo "$history" | jq '[.epochs[].durationMs] | add')
  echo "$history" | jq -c '[.epochs[].durationMs] | sort | {min: .[0], median: .[length/2|floor], p90: .[length*9/10|floor], max: .[-1]}' >&2
  echo "$status" | jq -c --argjson rows "$rows" --argjson loop "$loop_ms" --argjson n "$i" '{
    peer: "backprop-service", workload: "W4", job: $n, status, epochs: .epoch, final_loss: .trainLoss,
    wall_seconds: .elapsedSeconds, samples_per_sec_wall: ($rows * .epoch / .elapsedSeconds),
    loop_seconds: ($loop / 1000), samples_per_sec_loop: ($rows * .epoch / ($loop / 1000))}' | tee -a "$lines"
  "${core_jit[@]}" W4 --epochs "$epochs" | jq -c --argjson n "$i" '{peer: "backprop-core-jit", job: $n, samples_per_sec, final_loss}' | tee -a "$lines"
  [ -x "$core_aot" ] && "$core_aot" W4 --epochs "$epochs" | jq -c --argjson n "$i" '{peer: "backprop-core-aot", job: $n, samples_per_sec, final_loss}' | tee -a "$lines"
done

# Medians over jobs 2..JOBS and the service's share of the core's speed.
jq -s -r '
  def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  [.[] | select(.job > 1)] as $later
  | ($later | map(select(.peer == "backprop-service"))) as $svc
  | ($svc | map(.samples_per_sec_wall) | median) as $wall
  | ($svc | map(.samples_per_sec_loop) | median) as $loop
  | ["core-jit", "core-aot"][] as $core
  | ($later | map(select(.peer == "backprop-" + $core) | .samples_per_sec) | median) as $c
  | select($c != null)
  | "service ÷ \($core): wall \($wall / $c * 100 | floor)%, training loop \($loop / $c * 100 | floor)% (median samples/s: service wall \($wall | floor), loop \($loop | floor), \($core) \($c | floor))"' "$lines"
