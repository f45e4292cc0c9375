"""The limits across web processes (as gunicorn runs them) on a SQLite file: three processes of ten
threads each, released at the same moment. Red team M1: with 3 workers one address got 59 look-ups
instead of 20; M5: 14 of 30 concurrent submissions were accepted against a limit of 5."""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, THREADS = 3, 10


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    if connection.vendor != "sqlite":
        pytest.skip("the processes share a SQLite file; PostgreSQL runs the threaded tests")
    path = tmp_path_factory.mktemp("shared-db")
    env = _env(path)
    subprocess.run([sys.executable, "-m", "civicgrid", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    return path


def _env(path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        CIVICGRID_DATA_DIR=str(path),
        CIVICGRID_ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="civicgrid.settings",
    )
    return env


def _run(path: Path, mode: str, *extra: str) -> list:
    start = time.time() + 8  # every process imported Django and is waiting by then
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.portal.race_worker",
                mode,
                str(THREADS),
                str(start),
                str(i),
                *extra,
            ],
            env=_env(path),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    outcomes = []
    for process in processes:
        out, _ = process.communicate(timeout=180)
        assert process.returncode == 0
        outcomes += json.loads(out.strip().splitlines()[-1])
    return outcomes


def test_processes_share_one_counter_and_never_pass_the_limit(data_dir):
    outcomes = _run(data_dir, "take")
    assert outcomes.count(True) == 5 and outcomes.count(False) == 25, outcomes


def test_thirty_submissions_from_one_address_get_five_accepted_and_one_ticket_locks_for_all(data_dir):
    outcomes = _run(data_dir, "submit")
    assert sorted(outcomes) == [302] * 5 + [429] * 25, outcomes
    with sqlite3.connect(data_dir / "civicgrid.sqlite3") as db:
        numbers = [row[0] for row in db.execute("SELECT number FROM tickets_ticket")]
    assert len(numbers) == 5

    # Thirty wrong guesses for one ticket from thirty addresses: five are judged, the rest find
    # the ticket locked (the red team found a last-4 in 1,235 guesses from 65 addresses).
    outcomes = _run(data_dir, "guess", numbers[0])
    assert sorted(outcomes) == ["locked"] * 25 + ["not found"] * 5, outcomes
