# Sourced by the prediction benchmarks (http-predict.sh, service-load.sh), not run on its own.
# w4_service DIR DLL EPOCHS [JOB_MEMBERS] starts that build of the service on a SQLite file in DIR, with rate limits
# lifted and everything else as in production, waits for its development key, and trains W4's network (64-64-10) on
# the digits sample for EPOCHS epochs of batch 32 (JOB_MEMBERS: more JSON members for the job, e.g.
# ', "normalization": "none"'). Appends the service's PID to the caller's `services` array (for its exit trap) and
# sets B, KEY, AUTH and MODEL. The model's accuracy does not change its speed.
w4_service() {
  local dir=$1 dll=$2 epochs=$3 members=${4:-} port dataset network job
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  ConnectionStrings__Backprop="Data Source=$dir/backprop.db" RateLimits__PredictionsPerWindow=10000000 \
    Logging__LogLevel__Default=Warning dotnet "$dll" --urls "http://127.0.0.1:$port" > "$dir/service.log" 2>&1 &
  services+=($!)
  for _ in $(seq 1 60); do [ -s "$dir/dev-api-key.txt" ] && break; sleep 1; done
  B="http://127.0.0.1:$port"
  KEY=$(cat "$dir/dev-api-key.txt")
  AUTH="Authorization: Bearer $KEY"
  dataset=$(curl -sf -X POST "$B/api/datasets?name=digits&targetColumn=label&task=classification" -H "$AUTH" \
    -H 'Content-Type: text/csv' --data-binary @samples/digits/train.csv | jq -r .id)
  network=$(curl -sf -X POST "$B/api/networks" -H "$AUTH" -H 'Content-Type: application/json' -d '{
    "name": "W4", "inputWidth": 64,
    "layers": [{"units": 64, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
    "loss": "categorical_cross_entropy", "init": "glorot_uniform", "seed": 4}' | jq -r .id)
  job=$(curl -sf -X POST "$B/api/jobs" -H "$AUTH" -H 'Content-Type: application/json' -d "{\"networkId\": \"$network\",
    \"datasetId\": \"$dataset\", \"epochs\": $epochs, \"batchSize\": 32$members}" | jq -r .id)
  while curl -sf "$B/api/jobs/$job" -H "$AUTH" | jq -e '.status == "queued" or .status == "running"' > /dev/null; do
    sleep 0.2
  done
  MODEL=$(curl -sf "$B/api/jobs/$job" -H "$AUTH" | jq -r .modelId)
}
