#!/bin/bash
# Measures backprop on the bench workloads (each the median of REPS separate processes), then, where
# ../shared/bench is present, the numpy-openblas and TorchSharp peers on the same machine, and prints a
# markdown table of backprop samples/s ÷ each peer's. Run from anywhere:
#   tests/Backprop.Benchmarks/run.sh [REPS=5] [THREADS=1] [WORKLOADS=W1,W2,W3,W4] [PEER_REPS=3] [PEERS=numpy-openblas,torchsharp]
# JSON lines go to stdout as they arrive; build and peer progress go to stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
reps=${1:-5}
threads=${2:-1}
workloads=${3:-W1,W2,W3,W4}
peer_reps=${4:-3}
peers=${5:-numpy-openblas,torchsharp}

dotnet build -c Release tests/Backprop.Benchmarks >&2 # once: every run below starts the built dll
dll=tests/Backprop.Benchmarks/bin/Release/net10.0/Backprop.Benchmarks.dll
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT

for wl in ${workloads//,/ }; do
  dotnet "$dll" "$wl" --threads "$threads" --reps "$reps" | tee -a "$lines"
done

# run-peers.sh cds into its own folder; it needs /usr/bin/python3 with numpy (Debian packages) and builds the
# TorchSharp peer and the generated W2/W3 files on first use, so a failure there must not lose our numbers.
run_peers=../shared/bench/run-peers.sh
if [ -x "$run_peers" ]; then
  for wl in ${workloads//,/ }; do
    "$run_peers" "$wl" "$peer_reps" "$threads" "$peers" | tee -a "$lines" || echo "run.sh: $run_peers $wl failed" >&2
  done
else
  echo "run.sh: $run_peers not found; no peer numbers" >&2
fi

echo
dotnet "$dll" ratio-table < "$lines"
