"""Generates the tabular sample: numeric, categorical and boolean columns, gaps in several columns, a 1:9 class imbalance.

python3 samples/tabular/generate.py   (standard library only; fixed seed, so the files are reproducible)
Writes train.csv (1200 rows) and test.csv (400 rows) next to this script.
"""
import csv, math, os, random

rng = random.Random(20261206)
WORKCLASS = ["Private", "Self-emp", "State-gov", "Federal-gov", "Never-worked"]
WORKCLASS_P = [0.55, 0.18, 0.12, 0.14, 0.01]
REGION = ["north", "south", "east", "west"]


def row():
    age = rng.uniform(18, 80)
    hours = max(5.0, rng.gauss(40, 12))
    income = math.exp(rng.gauss(10.3, 0.6))
    workclass = rng.choices(WORKCLASS, WORKCLASS_P)[0]
    region = rng.choice(REGION)
    member = rng.random() < 0.4
    score = (0.06 * (age - 45) + 0.05 * (hours - 40) + 1.3 * (math.log(income) - 10.3)
             + {"Private": 0.0, "Self-emp": 1.2, "State-gov": -0.6, "Federal-gov": 0.8, "Never-worked": -2.0}[workclass]
             + (0.9 if member else 0.0) + (0.7 if region == "west" and member else 0.0) + rng.gauss(0, 0.6))
    cells = {"age": f"{age:.0f}", "hours": f"{hours:.1f}", "income": f"{income:.0f}", "workclass": workclass,
             "region": region, "member": "true" if member else "false"}
    # Gaps: several columns, at different rates.
    for column, rate in (("age", 0.05), ("hours", 0.08), ("workclass", 0.06), ("member", 0.05), ("income", 0.03)):
        if rng.random() < rate:
            cells[column] = ""
    return score, cells


rows = [row() for _ in range(1600)]
threshold = sorted(s for s, _ in rows)[int(len(rows) * 0.9)]  # the top 10% are "yes": 1:9
here = os.path.dirname(os.path.abspath(__file__))
columns = ["age", "hours", "income", "workclass", "region", "member", "label"]
for name, part in (("train.csv", rows[:1200]), ("test.csv", rows[1200:])):
    with open(os.path.join(here, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for score, cells in part:
            w.writerow([cells[c] for c in columns[:-1]] + ["yes" if score >= threshold else "no"])
