#!/bin/bash
# Two builds of the core side by side against this machine's FMA peak: the checkout and BASE (any commit), each
# published with NativeAOT, then round after round the peak probe, BASE, the checkout and the probe again, so both
# builds see the same load. One JSON line per round (samples/s, CPU seconds, loss, accuracy, W3's % of THREADS × the
# better probe of the round, load average), then the medians:
#   tests/Backprop.Benchmarks/peak-ab.sh BASE [ROUNDS=4] [THREADS=1] [WORKLOAD=W3]
# e.g. peak-ab.sh c834f0c 4 2 W3. Needs ../shared/bench/peak/run.sh (or BACKPROP_SHARED_BENCH).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
base_ref=${1:?usage: peak-ab.sh BASE [ROUNDS] [THREADS] [WORKLOAD]}
rounds=${2:-4}
threads=${3:-1}
workload=${4:-W3}
probe="${BACKPROP_SHARED_BENCH:-../shared/bench}/peak/run.sh"
[ -f "$probe" ] || { echo "peak-ab.sh: $probe not found (set BACKPROP_SHARED_BENCH)" >&2; exit 1; }
export TMPDIR=${TMPDIR:-/tmp}
work=$(mktemp -d)
lines=$(mktemp)
trap 'rm -rf "$work" "$lines"' EXIT
publish() { dotnet publish "$1/tests/Backprop.Benchmarks" -c Release -r linux-x64 -p:PublishAot=true \
  -p:IlcInstructionSet=native -p:CppCompilerAndLinker=gcc -o "$2" >&2; }
git archive "$base_ref" | tar -x -C "$work" && mkdir -p "$work/out"
publish "$work" "$work/out/base"
publish "$root" "$work/out/new"
peak() { bash "$probe" | head -1 \
  | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["gflops"])'; }
one() { BACKPROP_BENCH_CHILD=1 "$work/out/$1/Backprop.Benchmarks" "$workload" --threads "$threads" --reps 1; }
for round in $(seq 1 "$rounds"); do
  before=$(peak); b=$(one base); n=$(one new); after=$(peak)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  /usr/bin/python3 - "$before" "$after" "$b" "$n" "$round" "$threads" "$load" <<'PY' | tee -a "$lines"
import json, sys
before, after, b, n = float(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
threads, core = int(sys.argv[6]), max(float(sys.argv[1]), float(sys.argv[2]))
row = {"round": int(sys.argv[5]), "workload": b["workload"], "threads": threads, "peak_probes": [before, after],
       "base_samples_per_sec": round(b["samples_per_sec"]), "new_samples_per_sec": round(n["samples_per_sec"]),
       "new_over_base": round(n["samples_per_sec"] / b["samples_per_sec"], 3),
       # CPU seconds of the timed region: on a loaded machine the fairer one-thread measure (two threads spin)
       "base_cpu_seconds": b["cpu_seconds"], "new_cpu_seconds": n["cpu_seconds"],
       "new_over_base_by_cpu": round(b["cpu_seconds"] / n["cpu_seconds"], 3),
       "base_loss": b["final_loss"], "new_loss": n["final_loss"], "base_accuracy": b["accuracy"],
       "new_accuracy": n["accuracy"], "loadavg": sys.argv[7]}
if b.get("gflops_counted"):
    row["base_percent_of_peak"] = round(100 * b["gflops_counted"] / (threads * core), 1)
    row["new_percent_of_peak"] = round(100 * n["gflops_counted"] / (threads * core), 1)
print(json.dumps(row))
PY
done
/usr/bin/python3 - "$lines" "$base_ref" "$(git rev-parse --short HEAD)" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
summary = {"summary": "median of rounds", "base": sys.argv[2], "new": sys.argv[3], "rounds": len(rows),
           "workload": rows[0]["workload"], "threads": rows[0]["threads"],
           "new_over_base": statistics.median(r["new_over_base"] for r in rows),
           "new_over_base_rounds": [r["new_over_base"] for r in rows],
           "new_over_base_by_cpu": statistics.median(r["new_over_base_by_cpu"] for r in rows)}
for key in ("base_percent_of_peak", "new_percent_of_peak"):
    if key in rows[0]: summary[key] = statistics.median(r[key] for r in rows)
print(json.dumps(summary))
PY
