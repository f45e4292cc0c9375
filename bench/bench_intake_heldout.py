"""Auto-dispatch on messages the model never saw: realised precision and coverage at the picked threshold.

`.venv/bin/python bench/bench_intake_heldout.py TRAIN.csv DEV.csv [--splits 5] [--test-size 0.2] [--seed 0 | --seeds 2,3,4]
[--features F] [--cv-repeats R]`

There is no held-out set beyond train + dev, so each split holds out a stratified share of the two
pooled, writes the rest back as a train part and a dev part (each row to the file it came from), runs
exactly `civicgrid intake-model train --data TRAIN_PART --dev DEV_PART`, then
`civicgrid intake-model evaluate --format json` on the held-out messages. The threshold never sees
them. Prints one JSON object: every split, the mean and the worst, and the share of splits that met
both the precision and the coverage wanted (--want-precision 0.975, --want-coverage 0.55). The data is read where it lies and
only written, split, to a temporary directory that is removed at the end.
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("train_csv")
parser.add_argument("dev_csv")
parser.add_argument("--splits", type=int, default=5)
parser.add_argument("--test-size", type=float, default=0.2)
parser.add_argument("--target-precision", default="0.98")
parser.add_argument("--features", help="passed to train (default: train's own)")
parser.add_argument("--seed", type=int, default=0, help="seeds the held-out splits and training alike")
parser.add_argument(
    "--seeds", help="several seeds, comma-separated (each gives --splits splits); overrides --seed"
)
parser.add_argument("--want-precision", type=float, default=0.975)
parser.add_argument("--want-coverage", type=float, default=0.55)
parser.add_argument("--cv-repeats", type=int, help="passed to train (default: train's own)")
args = parser.parse_args()

csv.field_size_limit(10_000_000)


def read(path: str) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, columns: list[str], rows: list[dict]) -> str:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def main() -> None:
    from sklearn.model_selection import StratifiedShuffleSplit

    train_columns, train_rows = read(args.train_csv)
    dev_columns, dev_rows = read(args.dev_csv)
    rows = [("train", r) for r in train_rows] + [("dev", r) for r in dev_rows]
    labels = [r["label"] for _, r in rows]
    data_dir = tempfile.mkdtemp(prefix="civicgrid-bench-heldout-")
    env = {**os.environ, "CIVICGRID_DATA_DIR": data_dir, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env.pop("DATABASE_URL", None)
    civicgrid = [str(ROOT / ".venv" / "bin" / "civicgrid"), "intake-model"]
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [args.seed]
    splits = [
        (seed, number, fit, held)
        for seed in seeds
        for number, (fit, held) in enumerate(
            StratifiedShuffleSplit(args.splits, test_size=args.test_size, random_state=seed).split(
                np.zeros(len(rows)), labels
            ),
            start=1,
        )
    ]
    results = []
    load_before = os.getloadavg()
    try:
        for seed, number, fit, held in splits:
            work = Path(data_dir) / f"seed{seed}-split{number}"
            work.mkdir()
            part_train = write(
                work / "train.csv", train_columns, [rows[i][1] for i in fit if rows[i][0] == "train"]
            )
            part_dev = write(work / "dev.csv", dev_columns, [rows[i][1] for i in fit if rows[i][0] == "dev"])
            heldout = write(work / "heldout.csv", train_columns, [rows[i][1] for i in held])
            started = time.perf_counter()
            subprocess.run(
                [*civicgrid, "train", "--data", part_train, "--dev", part_dev, "--out", str(work / "model")]
                + ["--target-precision", args.target_precision, "--seed", str(seed)]
                + (["--features", args.features] if args.features else [])
                + (["--cv-repeats", str(args.cv_repeats)] if args.cv_repeats else []),
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            train_seconds = time.perf_counter() - started
            evaluated = subprocess.run(
                [
                    *civicgrid,
                    "evaluate",
                    "--model",
                    str(work / "model"),
                    "--data",
                    heldout,
                    "--format",
                    "json",
                ],
                check=True,
                env=env,
                capture_output=True,
                text=True,
            )
            figures = json.loads(evaluated.stdout)
            manifest = json.loads((work / "model" / "model.json").read_text(encoding="utf-8"))
            results.append(
                {
                    "seed": seed,
                    "split": number,
                    "n_fit": len(fit),
                    "train_seconds": round(train_seconds, 1),
                    "features": manifest["meta"].get("features"),
                    "cv_repeats": manifest["meta"].get("cv_repeats", 1),
                    "cv": manifest["meta"]["cv"],
                    "heldout": figures,
                }
            )
            print(f"seed {seed} split {number}: {json.dumps(figures, ensure_ascii=False)}", file=sys.stderr)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    def column(key: str) -> list[float]:
        return [r["heldout"][key] if r["heldout"][key] is not None else float("nan") for r in results]

    summary = {}
    for key in ("macro_f1", "accuracy", "top2_accuracy", "auto_coverage", "auto_precision"):
        values = column(key)
        summary[key] = {
            "mean": round(float(np.nanmean(values)), 4),
            "worst": round(float(np.nanmin(values)), 4),
        }
    met = [
        r["heldout"]["auto_precision"] is not None
        and r["heldout"]["auto_precision"] >= args.want_precision
        and r["heldout"]["auto_coverage"] >= args.want_coverage
        for r in results
    ]
    summary["met_both"] = {
        "want_precision": args.want_precision,
        "want_coverage": args.want_coverage,
        "share": round(sum(met) / len(met), 4) if met else None,
    }
    train_seconds = [r["train_seconds"] for r in results]
    summary["train_seconds"] = {"mean": round(float(np.mean(train_seconds)), 1), "max": max(train_seconds)}
    thresholds = column("threshold")
    summary["threshold"] = {
        "lowest": round(float(np.nanmin(thresholds)), 4),
        "highest": round(float(np.nanmax(thresholds)), 4),
    }
    print(
        json.dumps(
            {
                "data": [Path(args.train_csv).name, Path(args.dev_csv).name],
                "n": len(rows),
                "splits": args.splits,
                "test_size": args.test_size,
                "target_precision": float(args.target_precision),
                "seeds": seeds,
                "features": results[0]["features"] if results else None,
                "cv_repeats": results[0]["cv_repeats"] if results else None,
                "load_average": {
                    "before": [round(x, 2) for x in load_before],
                    "after": [round(x, 2) for x in os.getloadavg()],
                },
                "summary": summary,
                "runs": results,
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
