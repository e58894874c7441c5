#!/bin/bash
# Measures backprop on the bench workloads (each the median of REPS separate processes), each followed at once by the
# peer programs (when their bench folder is beside the repository) on the same workload, and prints a markdown table of backprop samples/s ÷ each peer's.
#   tests/Backprop.Benchmarks/run.sh [REPS=5] [THREADS=1] [WORKLOADS=W1,W2,W3,W4] [PEER_REPS=3] [PEERS=numpy-openblas,torchsharp] [ROUNDS=1]
# With ROUNDS > 1 the whole sequence repeats and the table gives each round's ratio and their median.
# Our program is published with NativeAOT (no JIT in the timed region; falls back to the JIT build if the
# native toolchain is missing). JSON lines go to stdout as they arrive; build and peer progress go to stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
reps=${1:-5}
threads=${2:-1}
workloads=${3:-W1,W2,W3,W4}
peer_reps=${4:-3}
peers=${5:-numpy-openblas,torchsharp}
rounds=${6:-1}
out="$root/artifacts"
mkdir -p "$out"

if dotnet publish tests/Backprop.Benchmarks -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=native \
     -p:CppCompilerAndLinker=gcc -o "$out/bench" >&2; then
  run=("$out/bench/Backprop.Benchmarks")
else
  echo "run.sh: NativeAOT publish failed; using the JIT build" >&2
  dotnet build -c Release tests/Backprop.Benchmarks >&2
  run=(dotnet tests/Backprop.Benchmarks/bin/Release/net10.0/Backprop.Benchmarks.dll)
fi
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT

# The peers write generated data, builds and an unpacked OpenBLAS next to themselves, and shared/ is read-only:
# run them from a writable copy outside this repository (our Directory.*.props must not apply to the TorchSharp
# peer's build). They need Debian's python3-numpy and /usr/bin/time.
if [ -d ../shared/bench ]; then
  command -v /usr/bin/time >/dev/null && /usr/bin/python3 -c 'import numpy' 2>/dev/null || \
    { apt-get update -qq && apt-get install -y -qq python3-numpy time >&2; }
  peer_dir="${TMPDIR:-/tmp}/backprop-bench-peers"
  mkdir -p "$peer_dir"
  cp -rn ../shared/bench/. "$peer_dir/" && chmod -R u+w "$peer_dir"
else
  echo "run.sh: ../shared/bench not found; no peer numbers" >&2
  peer_dir=""
fi

# Workload by workload, ours and then the peers right after: this shared machine's speed drifts by tens of percent
# over minutes, so each ratio compares runs made within the same minute or two.
for round in $(seq 1 "$rounds"); do
  tag() { sed -u "s/^{/{\"round\": $round, /"; }
  for wl in ${workloads//,/ }; do
    "${run[@]}" "$wl" --threads "$threads" --reps "$reps" | tag | tee -a "$lines"
    if [ -n "$peer_dir" ]; then
      "$peer_dir/run-peers.sh" "$wl" "$peer_reps" "$threads" "$peers" | tag | tee -a "$lines" || echo "run.sh: peers for $wl failed" >&2
    fi
  done
done

echo
"${run[@]}" ratio-table < "$lines"
