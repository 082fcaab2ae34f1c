"""Pipeline step `evaluate`: scores prepared/valid.csv with the new weights and logs accuracy, recall and
false-positive rate. Exits 1 when recall is below --min_recall, which stops the pipeline: no model is registered."""
import argparse
import csv
import json
import math
import sys

import mlops_log

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--min_recall", type=float, default=0.45)
args = parser.parse_args()

with open(args.model) as f:
    m = json.load(f)
with open("prepared/valid.csv") as f:
    rows = list(csv.DictReader(f))
flagged = [1 / (1 + math.exp(-(m["intercept"] + sum(m["coef"][k] * float(r[k]) for k in m["coef"])))) >= m["cutoff"] for r in rows]
truth = [r["churned"] == "1" for r in rows]
positives = sum(truth) or 1
negatives = (len(truth) - sum(truth)) or 1
metrics = {
    "accuracy": sum(f == t for f, t in zip(flagged, truth)) / len(truth),
    "recall": sum(f and t for f, t in zip(flagged, truth)) / positives,
    "false_positive_rate": sum(f and not t for f, t in zip(flagged, truth)) / negatives,
}
with mlops_log.start_run("retraining", params={"min_recall": args.min_recall}) as run:
    run.log_metrics(metrics)
print(", ".join(f"{k} {v:.3f}" for k, v in metrics.items()))
if metrics["recall"] < args.min_recall:
    print(f"recall {metrics['recall']:.3f} is below {args.min_recall}: not registering this model", file=sys.stderr)
    sys.exit(1)
