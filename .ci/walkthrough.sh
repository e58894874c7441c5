#!/usr/bin/env bash
# Starts the real service with the README's run command on a free port (fresh database in a temp folder) and runs
# the README walkthrough block as written, then checks what it produced. Fails if any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
work=$(mktemp -d)
log="$work/service.log"
export ConnectionStrings__Backprop="Data Source=$work/backprop.db"
dotnet run --project src/Backprop.Api -c Release --urls "http://127.0.0.1:$port" > "$log" 2>&1 &
service=$!
cleanup() { kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Ready, and (listening only on loopback) the development key written beside the database.
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null && [ -s "$work/dev-api-key.txt" ] && break
  kill -0 "$service" 2>/dev/null || { echo "walkthrough: service exited"; cat "$log"; exit 1; }
  sleep 1
done
curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null || { echo "walkthrough: service not ready"; cat "$log"; exit 1; }
[ -s "$work/dev-api-key.txt" ] || { echo "walkthrough: no development key beside the database"; cat "$log"; exit 1; }

# The README's walkthrough block, with B pointing at this service and the key file at this service's database folder.
block=$(awk '/^```sh$/{inside=1; text=""; next} /^```$/{if (inside && text ~ /\nB=|^B=/) {print text; exit} inside=0; next} inside{text = text $0 "\n"}' README.md)
[ -n "$block" ] || { echo "walkthrough: no walkthrough block in README.md"; exit 1; }
script="$work/walkthrough.sh"
{ echo 'set -euo pipefail'; echo "$block" | sed -e "s|^B=.*|B=http://127.0.0.1:$port|" -e "s|src/Backprop.Api/data/dev-api-key.txt|$work/dev-api-key.txt|g"
  # What the walkthrough must have produced:
  echo 'for v in NETWORK DATASET JOB MODEL; do [[ "${!v}" =~ ^[0-9a-f-]{36}$ ]] || { echo "walkthrough: $v is ${!v}"; exit 1; }; done'
  echo '[ "$(curl -s -H "$AUTH" $B/api/jobs/$JOB | jq -r .status)" = succeeded ] || { echo "walkthrough: job did not succeed"; exit 1; }'
  echo 'curl -s -H "$AUTH" -X POST $B/api/models/$MODEL/predict -H "Content-Type: application/json" -d "{\"rows\": [[1.0, 0.1, 0.9, 1.2]]}" | jq -e ".predictions[0].label | type == \"string\"" > /dev/null || { echo "walkthrough: prediction has no label"; exit 1; }'
  echo '[ "$(curl -s -o /dev/null -w "%{http_code}" $B/api/networks)" = 401 ] || { echo "walkthrough: /api answered without a key"; exit 1; }'
} > "$script"
before=$(git status --porcelain --untracked-files=all 2>/dev/null || true)
(cd "$(pwd)" && timeout 600 bash "$script") || { echo "walkthrough: a step failed"; tail -50 "$log"; exit 1; }
after=$(git status --porcelain --untracked-files=all 2>/dev/null || true)
[ "$before" = "$after" ] || { echo "walkthrough: it left files in the repository:"; diff <(echo "$before") <(echo "$after") || true; exit 1; }
echo "walkthrough: all steps succeeded"
