"""The category classifier on the Teddy 2020 messages: quality, auto-dispatch share, speed.

`./scripts/bench intake_model` (or `.venv/bin/python bench/bench_intake_model.py [--data DIR]`) trains
on messages_train.csv with `civicgrid intake-model train`, picks the auto-dispatch threshold on
messages_dev.csv, and evaluates on messages_dev.csv with `civicgrid intake-model evaluate`.

Because the threshold is picked on dev, dev's auto-dispatch precision is met by construction. Two
honest estimates of what a held-out set would see are printed as well:
- split dev in two: pick the threshold on one half, measure on the other (both ways, 10 random splits);
- pick the threshold on the training set's out-of-fold predictions, measure on dev.
And 5-fold cross-validation on train + dev for the spread of macro-F1.
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
parser.add_argument("--features", default="char")
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
        [*pin, *civicgrid, "intake-model", "train", "--data", str(train_csv), "--dev", str(dev_csv)]
        + ["--features", args.features, "--out", str(model_dir)],
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
    print(f"features {args.features}; train {train_seconds:.1f} s wall (one core, including start-up)")
    print(
        f"dev (n={figures['n']}): macro-F1 {figures['macro_f1']}  accuracy {figures['accuracy']}  top-2 {figures['top2_accuracy']}"
    )
    print(
        f"  auto-dispatch at threshold {figures['threshold']} (picked on dev): coverage {figures['auto_coverage']}"
        f"  precision {figures['auto_precision']}"
    )
    print(f"  {figures['ms_per_message']} ms per message (one at a time, one core)")

    # Honest estimates need the probabilities: load the model in this process.
    os.environ.update({"DJANGO_SETTINGS_MODULE": "civicgrid.settings", "CIVICGRID_DATA_DIR": DATA_DIR})
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import numpy as np

    from civicgrid.intake import classifier

    def read(path):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        return [r["text"] for r in rows], [r["label"] for r in rows]

    model = classifier.load(model_dir)
    texts, labels = read(dev_csv)
    proba = np.vstack([model.predict_proba([t]) for t in texts])
    truth = np.array([model.labels.index(label) for label in labels])
    conf, ok = proba.max(axis=1), proba.argmax(axis=1) == truth
    rng = np.random.default_rng(0)
    coverages, precisions = [], []
    for _ in range(10):
        order = rng.permutation(len(texts))
        a, b = order[: len(order) // 2], order[len(order) // 2 :]
        for pick, measure in ((a, b), (b, a)):
            t, _, _ = classifier.choose_threshold(conf[pick], ok[pick], 0.98)
            chosen = conf[measure] >= t
            coverages.append(chosen.mean())
            precisions.append(ok[measure][chosen].mean() if chosen.any() else 1.0)
    print(
        f"  held-out estimate (threshold on half of dev, measured on the other half, 20 runs): coverage "
        f"{np.mean(coverages):.3f} (min {np.min(coverages):.3f}), precision {np.mean(precisions):.4f} "
        f"(min {np.min(precisions):.4f})"
    )
    train_texts, train_labels = read(train_csv)
    refit = classifier.train(train_texts, train_labels, views=classifier.FEATURES[args.features])
    t, cov, prec = classifier.choose_threshold(refit.info["oof_confidence"], refit.info["oof_correct"], 0.98)
    chosen = conf >= t
    print(
        f"  threshold from train's out-of-fold predictions ({t:.4f}; train OOF coverage {cov:.3f}): dev coverage "
        f"{chosen.mean():.3f}, precision {ok[chosen].mean():.4f}"
    )
    if args.cv:
        from sklearn.model_selection import StratifiedKFold

        all_texts, all_labels = train_texts + texts, train_labels + labels
        scores = []
        for fit, test in StratifiedKFold(5, shuffle=True, random_state=1).split(all_texts, all_labels):
            m = classifier.train([all_texts[i] for i in fit], [all_labels[i] for i in fit])
            r = classifier.evaluate(m, [all_texts[i] for i in test], [all_labels[i] for i in test])
            scores.append(r["macro_f1"])
        print(f"  5-fold CV on train+dev: macro-F1 {np.mean(scores):.4f} ± {np.std(scores):.4f} {scores}")
finally:
    shutil.rmtree(DATA_DIR, ignore_errors=True)
