"""Pipeline step `train`: logistic regression on prepared/train.csv in pure Python. Writes the weights the model
server loads (serve_churn.py) to models/churn-retrained.json; the pipeline registers it when every step passed."""
import argparse
import csv
import json
import math
import os

import mlops_log

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.5)
parser.add_argument("--epochs", type=int, default=60)
args = parser.parse_args()
SCALE = {"tenure": 72.0, "monthly_charges": 120.0, "support_calls": 5.0}

with open("prepared/train.csv") as f:
    rows = list(csv.DictReader(f))
xs = [[float(r[k]) / s for k, s in SCALE.items()] for r in rows]
ys = [int(r["churned"]) for r in rows]
w, b = [0.0] * len(SCALE), 0.0
with mlops_log.start_run("retraining", params=vars(args)) as run:
    for epoch in range(args.epochs):
        loss = 0.0
        for x, y in zip(xs, ys):
            p = 1 / (1 + math.exp(-(sum(wi * xi for wi, xi in zip(w, x)) + b)))
            loss -= y * math.log(p + 1e-9) + (1 - y) * math.log(1 - p + 1e-9)
            w = [wi - args.lr * (p - y) * xi for wi, xi in zip(w, x)]
            b -= args.lr * (p - y)
        run.log_metric("loss", loss / len(xs), step=epoch)
    os.makedirs("models", exist_ok=True)
    weights = {"intercept": b, "coef": {k: wi / s for wi, (k, s) in zip(w, SCALE.items())}, "cutoff": 0.2}
    with open("models/churn-retrained.json", "w") as f:
        json.dump(weights, f, indent=2)
    print("weights:", json.dumps(weights))
