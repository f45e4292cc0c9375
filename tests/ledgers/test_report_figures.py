"""Qionghai's figures (report 000) as civicgrid counts them from an imported ledger: 25 堵点 reported to the province
at an average progress of 88.08 %, 11 of them on the 揭榜挂帅 list at 85.45 % (read as inside the 25, the
assumption in domain-party.md §7.7), and 213 items the units found themselves in the city ledger."""

import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from civicgrid.ledgers.models import LedgerItem
from tests.ledgers.conftest import moment
from tests.ledgers.test_import import write

# Eleven listed items averaging 85.45 and fourteen others: 25 items averaging 88.08.
LISTED = ["85"] * 10 + ["89.95"]
OTHERS = ["90"] * 13 + ["92.05"]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(moment(2026, 11, 30), tick=False):
        yield


def stats(code: str) -> dict:
    out = StringIO()
    call_command("ledgers", "stats", "--campaign", code, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_the_provincial_list_of_25_at_88_08_with_11_listed_at_85_45(world, tmp_path):
    rows = [f"P{i:02d},堵点{i},上报,是,U-ZJJ,,2026-12-31,{p}," for i, p in enumerate(LISTED, 1)]
    rows += [f"P{i:02d},堵点{i},上报,否,U-SWJ,,2026-12-31,{p}," for i, p in enumerate(OTHERS, 12)]
    call_command(
        "ledgers",
        "import",
        str(write(tmp_path, rows)),
        "--campaign",
        "SHENG-2022",
        "--year",
        "2022",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert stats("SHENG-2022") == {
        "items": 25,
        "avg_progress": 88.08,
        "listed_items": 11,
        "listed_avg_progress": 85.45,
        "closed": 0,
        "overdue": 0,
    }


def test_213_items_found_by_the_units_themselves(world, tmp_path):
    rows = [f"S{i:03d},自查问题{i},自查,否,U-ZJJ,,2026-12-31,50," for i in range(1, 214)]
    rows += [f"R{i:03d},转办问题{i},转办,否,U-SWJ,,2026-12-31,50," for i in range(1, 40)]
    call_command(
        "ledgers",
        "import",
        str(write(tmp_path, rows)),
        "--campaign",
        "CITY-2022",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert (
        LedgerItem.objects.filter(campaign__code="CITY-2022", source=LedgerItem.Source.SELF_FOUND).count()
        == 213
    )
    assert stats("CITY-2022")["items"] == 252
