#!/bin/bash
# Upload speed and memory against pandas.read_csv (Debian's python3-pandas, C engine), in one run: starts the real service
# (Release, loopback, temp database), writes the benchmark's files once (UploadFiles.cs: 150,000 × 32 floats ≈ 49 MB and an
# MNIST-sized 60,000 × 784 pixels ≈ 141 MB, as CSV and JSON; kept in $UPLOAD_DATA, default /tmp/backprop-upload-data), then
# per round and file: the CSV upload (parse, validate, profile, store, 201), pandas.read_csv on the same file, the JSON upload.
#   tests/Backprop.Benchmarks/upload-speed.sh [ROUNDS=3]
# SERVICE_DLL=path runs that build of the service instead of this checkout's (to compare two builds side by side).
# Prints one JSON line per round and file (seconds, ratio to pandas, the service's RSS growth during the upload) and the medians.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rounds=${1:-3}
data=${UPLOAD_DATA:-/tmp/backprop-upload-data}
mkdir -p "$data"
/usr/bin/python3 -c 'import pandas' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-pandas >&2; }
dll=${SERVICE_DLL:-src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll}
[ -n "${SERVICE_DLL:-}" ] || dotnet build -c Release src/Backprop.Api >&2
dotnet build -c Release tests/Backprop.Benchmarks >&2
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ConnectionStrings__Backprop="Data Source=$work/backprop.db" dotnet "$dll" --urls "http://127.0.0.1:$port" > "$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do [ -s "$work/dev-api-key.txt" ] && break; sleep 1; done
dotnet tests/Backprop.Benchmarks/bin/Release/net10.0/Backprop.Benchmarks.dll upload-speed "http://127.0.0.1:$port" \
  "$(cat "$work/dev-api-key.txt")" "$service" "$rounds" "$data" /usr/bin/python3
