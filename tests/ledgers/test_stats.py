"""`civicgrid ledgers stats`: the keys and values (an empty campaign too), overdue with the clock frozen in
December, the unknown campaign, and both commands as processes (`.venv/bin/civicgrid ledgers ...`)."""

import json
import os
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.ledgers import services
from civicgrid.ledgers.models import LedgerItem
from civicgrid.ledgers.progress import overdue_q
from tests.ledgers.conftest import item_in, moment

KEYS = ["items", "avg_progress", "listed_items", "listed_avg_progress", "closed", "overdue"]


def stats_json(code="JBGS-2026") -> dict:
    out = StringIO()
    call_command("ledgers", "stats", "--campaign", code, "--format", "json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_an_empty_campaign_answers_zeros(world):
    figures = stats_json()
    assert list(figures) == KEYS
    assert figures == dict.fromkeys(KEYS, 0)


def _approve(world, item, percent):
    report = services.progress_submit(
        actor=world["zjj"], item=item, percent=percent, narrative="进展", at=moment(2026, 4, 1)
    )
    services.progress_approve(actor=world["organiser"], report=report, at=moment(2026, 4, 2))


def test_keys_and_values(world):
    with time_machine.travel(moment(2026, 3, 1), tick=False):
        a = item_in(world, "in_progress", deadline=date(2026, 12, 20), on_list=True)
        b = item_in(world, "in_progress", deadline=date(2026, 12, 31), on_list=False)
        item_in(world, "closed", deadline=date(2026, 12, 1), on_list=True)  # 100 %, closed: never overdue
        item_in(world, "proposed", deadline=date(2026, 12, 10), on_list=False)  # open, counts for overdue
        _approve(world, a, 85)
        _approve(world, b, "33.33")
    with time_machine.travel(moment(2026, 12, 28), tick=False):
        figures = stats_json()
    assert figures == {
        "items": 4,
        "avg_progress": 54.58,  # (85 + 33.33 + 100 + 0) / 4 = 54.5825
        "listed_items": 2,
        "listed_avg_progress": 92.5,
        "closed": 1,
        "overdue": 2,  # a (due 20 December) and the proposal (10 December); b is due on the 31st
    }


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(date(2026, 12, 19), 0), (date(2026, 12, 20), 0), (date(2026, 12, 21), 1), (date(2027, 1, 1), 2)],
)
def test_overdue_in_december_and_across_the_new_year(world, today, overdue):
    """Past the 时限 means after the day: an item due 20 December is overdue on the 21st, one due 31 December on
    New Year's Day."""
    with time_machine.travel(moment(2026, 3, 1), tick=False):
        item_in(world, "in_progress", deadline=date(2026, 12, 20))
        item_in(world, "taken", deadline=date(2026, 12, 31))
        item_in(world, "closed", deadline=date(2026, 11, 30))
    with time_machine.travel(moment(today.year, today.month, today.day, 9), tick=False):
        assert stats_json()["overdue"] == overdue
        assert LedgerItem.objects.filter(overdue_q(today)).count() == overdue


def test_the_table_format_and_an_unknown_campaign(world):
    out = StringIO()
    call_command("ledgers", "stats", "--campaign", "JBGS-2026", stdout=out)
    assert "平均进度" in out.getvalue() and "2026年揭榜挂帅/查堵点" in out.getvalue()
    with pytest.raises(CommandError, match="台账「NOPE」不存在"):
        call_command("ledgers", "stats", "--campaign", "NOPE", "--format", "json", stdout=StringIO())


# ----------------------------------------------------------------------------------------- as processes


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A migrated SQLite data directory the processes share (the test database is not reachable from them)."""
    path = tmp_path_factory.mktemp("ledgers-cli")
    done = _cli(["migrate", "-v0"], path)
    assert done.returncode == 0, done.stderr
    return path


def _cli(args, data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CIVICGRID_PG_TEST_DB")}
    env["CIVICGRID_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [str(Path(sys.executable).parent / "civicgrid"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


def test_the_commands_as_processes(data_dir, tmp_path):
    header = "编号,问题,来源,揭榜挂帅,牵头单位,责任领导,时限,进度,状态"
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\n001,问题,自查,是,,,2099-12-31,50,\n002,问题,乱写,是,,,,,\n", encoding="utf-8")
    done = _cli(["ledgers", "import", str(bad), "--campaign", "P1", "--year", "2026"], data_dir)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "第 3 行" in done.stderr and "来源「乱写」不正确" in done.stderr and not done.stdout
    done = _cli(["ledgers", "stats", "--campaign", "P1", "--format", "json"], data_dir)
    assert (
        done.returncode == 1 and "台账「P1」不存在" in done.stderr and not done.stdout
    )  # nothing was written

    good = tmp_path / "good.csv"
    good.write_text(
        f"{header}\n001,问题一,自查,是,,,2099-12-31,50,\n002,问题二,热点,否,,,2000-01-31,25.5,\n"
        "003,问题三,走访,是,,,2000-01-31,100,已销号\n",
        encoding="utf-8",
    )
    done = _cli(["ledgers", "import", str(good), "--campaign", "P1", "--campaign-name", "试点台账"], data_dir)
    assert done.returncode == 0, done.stderr
    done = _cli(["ledgers", "stats", "--campaign", "P1", "--format", "json"], data_dir)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "items": 3,
        "avg_progress": 58.5,
        "listed_items": 2,
        "listed_avg_progress": 75.0,
        "closed": 1,
        "overdue": 1,
    }
    assert done.stdout.strip().startswith("{") and done.stdout.strip().endswith("}")
