#!/usr/bin/env python3
"""Scale-out figures (a benchmark, not a test): training throughput of 1, 2 and 3 replicas on one PostgreSQL database,
claim latency (submit -> running) when the idle worker is on another replica, and prediction latency on PostgreSQL vs SQLite.

  tests/Backprop.Benchmarks/scale-out.py [JOBS=24] [EPOCHS=100] [PREDICTIONS=400]

Uses the Release build of src/Backprop.Api and a PostgreSQL server: BACKPROP_TEST_POSTGRES if set, else one started with
.ci/postgres.sh (and stopped at the end). Every replica keeps its default worker count (one per core)."""
import http.client, json, os, socket, statistics, subprocess, sys, tempfile, time, uuid
from datetime import datetime

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
DLL = os.path.join(ROOT, "src/Backprop.Api/bin/Release/net10.0/Backprop.Api.dll")
ADMIN = "bp_benchAdminKey_0123456789abcdefghijklmnopqrs"
ARGS = [int(a) for a in sys.argv[1:4]]
JOBS, EPOCHS, PREDICTIONS = (ARGS + [24, 100, 400][len(ARGS):])


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def psql(server, sql):
    kv = dict(p.split("=", 1) for p in server.split(";") if p)
    subprocess.run(["psql", "-h", kv["Host"], "-p", kv["Port"], "-U", kv["Username"], "-d", "postgres", "-qc", sql], check=True,
                   stdout=subprocess.DEVNULL)


class Replica:
    def __init__(self, settings, folder):
        self.port = free_port()
        args = ["dotnet", DLL, "--urls", f"http://127.0.0.1:{self.port}"]
        for k, v in settings.items(): args += [f"--{k}", v]
        self.log = open(os.path.join(folder, f"replica-{self.port}.log"), "w")
        self.process = subprocess.Popen(args, cwd=folder, stdout=self.log, stderr=subprocess.STDOUT,
                                        env={**os.environ, "ASPNETCORE_ENVIRONMENT": "Production"})

    def call(self, method, path, key, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Bearer {key}"}
        if isinstance(body, (dict, list)): body, headers["Content-Type"] = json.dumps(body), "application/json"
        elif body is not None: headers["Content-Type"] = "text/csv"
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse(); data = r.read(); c.close()
        return r.status, (json.loads(data) if data else None)

    def wait_ready(self, key):
        for _ in range(600):
            try:
                if self.call("GET", "/api/admin/keys?pageSize=1", key)[0] == 200: return
            except OSError: pass
            time.sleep(0.1)
        raise TimeoutError(f"replica on {self.port} not ready")

    def stop(self):
        self.process.terminate(); self.process.wait(); self.log.close()


def settings_for(provider, connection, workers=True):
    return {"Database:Provider": provider, "ConnectionStrings:Backprop": connection, "Auth:AdminKey": ADMIN,
            "Jobs:WorkerEnabled": "true" if workers else "false", "Tenancy:MaxQueuedJobs": "1000", "Tenancy:MaxConcurrentJobs": "1000",
            "RateLimits:JobSubmissionsPerWindow": "100000", "RateLimits:PredictionsPerWindow": "10000000",
            "Logging:LogLevel:Default": "Warning"}


def setup_tenant(replica):
    status, created = replica.call("POST", "/api/admin/keys", ADMIN, {"tenant": "bench", "name": "bench"})
    key = created["key"]
    network = replica.call("POST", "/api/networks", key, {"name": "digits", "inputWidth": 64, "layers": [
        {"units": 32, "activation": "relu"}, {"units": 10, "activation": "softmax"}], "loss": "categorical_cross_entropy", "seed": 3})[1]["id"]
    with open(os.path.join(ROOT, "samples/digits/train.csv")) as f:
        dataset = replica.call("POST", "/api/datasets?name=digits&targetColumn=label", key, f.read())[1]["id"]
    return key, network, dataset


def job(network, dataset, epochs, seed=1):
    return {"networkId": network, "datasetId": dataset, "epochs": epochs, "batchSize": 32, "seed": seed,
            "optimizer": {"kind": "adam", "learningRate": 1e-3}}


def ts(s): return datetime.fromisoformat(s.replace("Z", "+00:00"))


def wait_all(replica, key, ids):
    while True:
        states = [replica.call("GET", f"/api/jobs/{i}", key)[1] for i in ids]
        if all(s["status"] in ("succeeded", "failed", "cancelled") for s in states): return states
        time.sleep(0.2)


def throughput(server, folder, n):
    db = f"bench_{uuid.uuid4().hex}"; psql(server, f'CREATE DATABASE "{db}"')
    conn = f"{server};Database={db}"
    first = Replica(settings_for("postgres", conn), folder); first.wait_ready(ADMIN)  # migrates
    replicas = [first] + [Replica(settings_for("postgres", conn), folder) for _ in range(n - 1)]
    for r in replicas: r.wait_ready(ADMIN)
    key, network, dataset = setup_tenant(first)
    start = time.monotonic()
    ids = [replicas[i % n].call("POST", "/api/jobs", key, job(network, dataset, EPOCHS, i))[1]["id"] for i in range(JOBS)]
    states = wait_all(first, key, ids)
    took = time.monotonic() - start
    assert all(s["status"] == "succeeded" for s in states), states
    for r in replicas: r.stop()
    psql(server, f'DROP DATABASE "{db}" WITH (FORCE)')
    return JOBS / took * 60


def claim_latency(server, folder, samples=20):
    db = f"bench_{uuid.uuid4().hex}"; psql(server, f'CREATE DATABASE "{db}"')
    conn = f"{server};Database={db}"
    front = Replica(settings_for("postgres", conn, workers=False), folder); front.wait_ready(ADMIN)
    back = Replica({**settings_for("postgres", conn), "Jobs:SweepInterval": "01:00:00"}, folder); back.wait_ready(ADMIN)
    key, network, dataset = setup_tenant(front)
    latencies = []
    for i in range(samples):
        jid = front.call("POST", "/api/jobs", key, job(network, dataset, 1, i))[1]["id"]
        s = wait_all(front, key, [jid])[0]
        latencies.append((ts(s["startedAt"]) - ts(s["createdAt"])).total_seconds() * 1000)
    front.stop(); back.stop()
    psql(server, f'DROP DATABASE "{db}" WITH (FORCE)')
    return latencies


def prediction_latency(provider, connection, folder):
    r = Replica(settings_for(provider, connection), folder); r.wait_ready(ADMIN)
    key, network, dataset = setup_tenant(r)
    jid = r.call("POST", "/api/jobs", key, job(network, dataset, 20))[1]["id"]
    model = wait_all(r, key, [jid])[0]["modelId"]
    with open(os.path.join(ROOT, "samples/digits/test.csv")) as f:
        row = [float(v) for v in f.readlines()[1].strip().split(",")[:64]]
    body = json.dumps({"rows": [row]})
    c = http.client.HTTPConnection("127.0.0.1", r.port, timeout=60)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    times = []
    for i in range(PREDICTIONS + 50):
        t = time.perf_counter(); c.request("POST", f"/api/models/{model}/predict", body=body, headers=headers)
        resp = c.getresponse(); resp.read(); assert resp.status == 200
        if i >= 50: times.append((time.perf_counter() - t) * 1000)  # the first 50 warm up JIT and the model cache
    c.close(); r.stop()
    return times


def pct(values, p): return sorted(values)[min(len(values) - 1, int(len(values) * p))]


def main():
    subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(ROOT, "src/Backprop.Api")], check=True, stdout=subprocess.DEVNULL)
    server, started = os.environ.get("BACKPROP_TEST_POSTGRES"), False
    if not server:
        out = subprocess.run([os.path.join(ROOT, ".ci/postgres.sh"), "start"], check=True, capture_output=True, text=True).stdout
        server, started = out.split("'")[1], True
    try:
        with tempfile.TemporaryDirectory() as folder:
            cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
            print(json.dumps({"cpu": cpu, "cores": os.cpu_count(), "load_average_1m": os.getloadavg()[0], "jobs": JOBS, "epochs": EPOCHS}))
            for n in (1, 2, 3):
                print(json.dumps({"benchmark": "throughput", "replicas": n, "jobs_per_minute": round(throughput(server, folder, n), 1)}), flush=True)
            lat = claim_latency(server, folder)
            print(json.dumps({"benchmark": "claim_latency_other_replica_ms", "median": round(statistics.median(lat), 1),
                              "p95": round(pct(lat, 0.95), 1), "max": round(max(lat), 1)}), flush=True)
            db = f"bench_{uuid.uuid4().hex}"; psql(server, f'CREATE DATABASE "{db}"')
            for provider, connection in (("sqlite", f"Data Source={folder}/bench.db"), ("postgres", f"{server};Database={db}")):
                t = prediction_latency(provider, connection, folder)
                print(json.dumps({"benchmark": "prediction_latency_ms", "provider": provider, "median": round(statistics.median(t), 3),
                                  "p95": round(pct(t, 0.95), 3)}), flush=True)
            psql(server, f'DROP DATABASE "{db}" WITH (FORCE)')
    finally:
        if started: subprocess.run([os.path.join(ROOT, ".ci/postgres.sh"), "stop"])


if __name__ == "__main__":
    main()
