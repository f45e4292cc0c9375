"""The category classifier on the Teddy 2020 messages: quality, auto-dispatch share, speed.

`./scripts/bench intake_model` (or `.venv/bin/python bench/bench_intake_model.py [--data DIR]`) trains
on messages_train.csv alone with `civicgrid intake-model train` (the threshold picked on its
cross-validated predictions, at the 95 % lower bound of precision) and evaluates on messages_dev.csv,
which the model and the threshold never saw, with `civicgrid intake-model evaluate`. (Shipping trains
on train + dev pooled; bench/bench_intake_heldout.py measures that on held-out splits.)
And, with --cv, 5-fold cross-validation on train + dev for the spread of macro-F1.
The data is read from the shared directory and never copied anywhere.
"""

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "teddy2020"))
parser.add_argument("--features", help="passed to train (default: train's own)")
parser.add_argument("--cv", action="store_true", help="also 5-fold cross-validation on train + dev (~1 min)")
args = parser.parse_args()

data = Path(args.data)
train_csv, dev_csv = data / "messages_train.csv", data / "messages_dev.csv"
if not train_csv.exists() or not dev_csv.exists():
    print(f"跳过:找不到 {train_csv} 或 {dev_csv}")
    sys.exit(0)

DATA_DIR = tempfile.mkdtemp(prefix="civicgrid-bench-")
env = {**os.environ, "CIVICGRID_DATA_DIR": DATA_DIR, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
env.pop("DATABASE_URL", None)
civicgrid = [str(ROOT / ".venv" / "bin" / "civicgrid")]
# One core, as the target says.
pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
model_dir = Path(DATA_DIR) / "model"
try:
    started = time.perf_counter()
    subprocess.run(
        [*pin, *civicgrid, "intake-model", "train", "--data", str(train_csv)]
        + (["--features", args.features] if args.features else [])
        + ["--out", str(model_dir)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    train_seconds = time.perf_counter() - started
    result = subprocess.run(
        [*pin, *civicgrid, "intake-model", "evaluate", "--model", str(model_dir), "--data", str(dev_csv)]
        + ["--format", "json"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout)
    features = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))["meta"]["features"]
    print(f"features {features}; train {train_seconds:.1f} s wall (one core, including start-up)")
    print(
        f"dev (n={figures['n']}): macro-F1 {figures['macro_f1']}  accuracy {figures['accuracy']}  top-2 {figures['top2_accuracy']}"
    )
    print(
        f"  auto-dispatch at threshold {figures['threshold']} (picked on train's cross-validation, dev unseen):"
        f" coverage {figures['auto_coverage']}  precision {figures['auto_precision']}"
        f" (95 % lower bound {figures['auto_precision_lower_95']})"
    )
    print(f"  {figures['ms_per_message']} ms per message (one at a time, one core)")

    if args.cv:
        os.environ.update({"DJANGO_SETTINGS_MODULE": "civicgrid.settings", "CIVICGRID_DATA_DIR": DATA_DIR})
        os.environ.pop("DATABASE_URL", None)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        import numpy as np
        from sklearn.model_selection import StratifiedKFold

        from civicgrid.intake import classifier

        def read(path):
            with open(path, encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))
            return [r["text"] for r in rows], [r["label"] for r in rows]

        texts, labels = read(dev_csv)
        train_texts, train_labels = read(train_csv)
        all_texts, all_labels = train_texts + texts, train_labels + labels
        scores = []
        for fit, test in StratifiedKFold(5, shuffle=True, random_state=1).split(all_texts, all_labels):
            m = classifier.train([all_texts[i] for i in fit], [all_labels[i] for i in fit])
            r = classifier.evaluate(m, [all_texts[i] for i in test], [all_labels[i] for i in test])
            scores.append(r["macro_f1"])
        print(f"  5-fold CV on train+dev: macro-F1 {np.mean(scores):.4f} ± {np.std(scores):.4f} {scores}")
finally:
    shutil.rmtree(DATA_DIR, ignore_errors=True)
