#!/bin/bash
# W3 against this machine's FMA peak, interleaved: each round runs ../shared/bench/peak/run.sh, one W3 training process
# (ours, THREADS threads), and the peak probe again; the round's peak is the better of its two probes (so a probe
# slowed by other processes does not flatter us). Prints one JSON line per round, then the medians over the rounds:
#   tests/Backprop.Benchmarks/peak-ratio.sh [ROUNDS=5] [THREADS=1]
# W3's work is counted as the step really does it (WorkloadDefinition.CountedFlopsPerSample: forward 2·P, weight
# gradients 2·P, input gradients 2·P for every layer but the first); the target is THREADS × one core's peak.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rounds=${1:-5}
threads=${2:-1}
probe="${BACKPROP_SHARED_BENCH:-../shared/bench}/peak/run.sh"
[ -f "$probe" ] || { echo "peak-ratio.sh: $probe not found (set BACKPROP_SHARED_BENCH)" >&2; exit 1; }
out="$root/artifacts"
if dotnet publish tests/Backprop.Benchmarks -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=native \
     -p:CppCompilerAndLinker=gcc -o "$out/bench" >&2; then
  run=("$out/bench/Backprop.Benchmarks")
else
  echo "peak-ratio.sh: NativeAOT publish failed; using the JIT build" >&2
  dotnet build -c Release tests/Backprop.Benchmarks >&2
  run=(dotnet tests/Backprop.Benchmarks/bin/Release/net10.0/Backprop.Benchmarks.dll)
fi
export TMPDIR=${TMPDIR:-/tmp}
# The widest ISA's line is the peak (peak/run.sh prints the AVX-512 line first where the CPU has it).
peak() { bash "$probe" | head -1 | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["gflops"])'; }
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
isa=$(grep -qw avx512f /proc/cpuinfo && echo avx512 || (grep -qw avx2 /proc/cpuinfo && echo avx2 || echo sse))
for round in $(seq 1 "$rounds"); do
  before=$(peak)
  ours=$(BACKPROP_BENCH_CHILD=1 "${run[@]}" W3 --threads "$threads" --reps 1)
  after=$(peak)
  echo "$ours" | /usr/bin/python3 -c '
import json, sys
line = json.loads(sys.stdin.readline())
before, after, threads, rnd, cpu, isa = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
core = max(before, after)
print(json.dumps({"round": rnd, "cpu": cpu, "isa": isa, "threads": threads, "peak_gflops_per_core": core,
  "peak_probes": [before, after], "samples_per_sec": round(line["samples_per_sec"], 1),
  "gflops_counted": round(line["gflops_counted"], 1), "percent_of_peak": round(100 * line["gflops_counted"] / (threads * core), 1),
  "final_loss": line["final_loss"], "accuracy": line["accuracy"]}))' "$before" "$after" "$threads" "$round" "$cpu" "$isa" | tee -a "$lines"
done
/usr/bin/python3 - "$lines" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = lambda k: statistics.median(r[k] for r in rows)
print(json.dumps({"summary": "median of rounds", "rounds": len(rows), "cpu": rows[0]["cpu"], "isa": rows[0]["isa"],
  "threads": rows[0]["threads"], "peak_gflops_per_core": med("peak_gflops_per_core"), "samples_per_sec": med("samples_per_sec"),
  "gflops_counted": med("gflops_counted"), "percent_of_peak": med("percent_of_peak"),
  "percent_of_peak_rounds": [r["percent_of_peak"] for r in rows]}))
PY
