"""Pipeline step `prepare`: cleans the raw churn data (data/) into prepared/: rows with a missing or impossible value
are dropped and counted, duplicates removed, the columns kept in a fixed order."""
import csv
import os

import mlops_log

COLUMNS = ["tenure", "monthly_charges", "support_calls", "churned"]


def clean(src, dst):
    kept, dropped, seen = [], 0, set()
    with open(src) as f:
        for row in csv.DictReader(f):
            try:
                values = (int(row["tenure"]), float(row["monthly_charges"]), int(row["support_calls"]), int(row["churned"]))
            except (KeyError, TypeError, ValueError):
                dropped += 1
                continue
            if values[0] < 0 or values[1] <= 0 or values[2] < 0 or values[3] not in (0, 1) or values in seen:
                dropped += 1
                continue
            seen.add(values)
            kept.append(values)
    with open(dst, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows(kept)
    return len(kept), dropped


os.makedirs("prepared", exist_ok=True)
with mlops_log.start_run("retraining") as run:
    for part in ("train", "valid"):
        kept, dropped = clean(f"data/{part}.csv", f"prepared/{part}.csv")
        print(f"{part}: kept {kept} rows, dropped {dropped}")
        run.log_metrics({f"{part}_rows": kept, f"{part}_dropped": dropped})
