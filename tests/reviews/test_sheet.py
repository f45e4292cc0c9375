import json
from datetime import date
from io import StringIO

import time_machine
from django.core.management import call_command

from civicgrid.assessment.models import AssessmentScheme
from civicgrid.reviews import services
from civicgrid.reviews.models import DataSheet
from civicgrid.reviews.sheet import figure
from tests.assessment.factories import local, make_rated, make_ticket
from tests.reviews.conftest import moment, ready_campaign


def _tickets(world):
    town, housing = world["town"], world["housing"]
    # 嘉积镇: three rated in 2026 (two contacted in time, all solved, one unsatisfied), one the year before,
    # one rated at 23:30 on 31 December 2026 (counts for 2026, and only once the year is over).
    make_rated(housing, local(2026, 3, 1, 10), town=town, contacted=True, satisfaction="satisfied")
    make_rated(housing, local(2026, 6, 1, 10), town=town, contacted=True, satisfaction="very_satisfied")
    make_rated(housing, local(2026, 9, 1, 10), town=town, contacted=False, satisfaction="unsatisfied")
    make_rated(housing, local(2025, 12, 31, 10), town=town)
    make_rated(housing, local(2026, 12, 31, 23, 30), town=town, received_at=local(2026, 12, 30, 9))
    # received in 2026 but not rated
    make_ticket(received_at=local(2026, 5, 5, 9), town=town, lead_unit=housing)


def test_sheet_counts_the_reporters_area(world):
    _tickets(world)
    made = ready_campaign(world, open_it=False)
    services.sheets_assemble(actor=world["organiser"], campaign=made["campaign"], at=moment(2026, 12, 1))
    sheet = DataSheet.objects.get(reporter=made["town"]).data
    assert (sheet["period_from"], sheet["period_to"]) == ("2026-01-01", "2026-12-01")
    assert figure(sheet, "hotline", "rated") == 3
    assert figure(sheet, "hotline", "received") == 4
    assert figure(sheet, "hotline", "response_rate") == round(2 / 3, 6)
    assert figure(sheet, "hotline", "resolution_rate") == 1.0
    # Three rated tickets are fewer than the scheme's minimum (5): the fair league does not rank the town.
    assert figure(sheet, "hotline", "rank") is None
    assert figure(sheet, "hotline", "verdict") == "参评 3 件，证据不足，暂不排名"
    rank_row = next(r for r in sheet["sections"][0]["rows"] if r["key"] == "rank")
    assert rank_row["display"] == "不排名"
    assert figure(sheet, "party", "orgs_total") == 1
    assert figure(sheet, "party", "members_total") == 1
    assert figure(sheet, "deliberation", "topics") == 0
    assert figure(sheet, "mediation", "cases_accepted") == 0
    labels = {row["label"] for part in sheet["sections"] for row in part["rows"]}
    assert {"受理工单（件）", "响应率", "党组织（个）", "收集议题", "人民调解委员会（个）"} <= labels
    assert all(row["definition"] for part in sheet["sections"] for row in part["rows"])
    # the department's reporter: its unit's tickets, no area figures
    dept = DataSheet.objects.get(reporter=made["dept"]).data
    assert figure(dept, "hotline", "rated") == 3
    assert [part["key"] for part in dept["sections"]] == ["hotline", "party", "ledgers"]


def test_rank_is_the_fair_rank_within_the_league(world):
    _tickets(world)
    AssessmentScheme.objects.create(version="测试", effective_from=date(2026, 1, 1), naming_min_rated=3)
    made = ready_campaign(world, open_it=False)
    services.sheets_assemble(actor=world["organiser"], campaign=made["campaign"], at=moment(2026, 12, 1))
    town = DataSheet.objects.get(reporter=made["town"]).data
    assert figure(town, "hotline", "rank") == 1
    rank_row = next(r for r in town["sections"][0]["rows"] if r["key"] == "rank")
    assert rank_row["display"] == "第1名／共1个"
    assert figure(town, "hotline", "verdict") == "与全市平均无显著差异"
    dept = DataSheet.objects.get(reporter=made["dept"]).data
    assert figure(dept, "hotline", "rank") == 1
    assert "职能部门" in dept["sections"][0]["note"]


def test_year_end_assembly_counts_the_whole_year(world):
    _tickets(world)
    made = ready_campaign(world, open_it=False)
    with time_machine.travel(moment(2027, 1, 5), tick=False):
        services.sheets_assemble(actor=world["organiser"], campaign=made["campaign"])
    sheet = DataSheet.objects.get(reporter=made["town"]).data
    assert (sheet["period_from"], sheet["period_to"]) == ("2026-01-01", "2026-12-31")
    assert figure(sheet, "hotline", "rated") == 4
    assert figure(sheet, "hotline", "received") == 5


def test_sheet_frozen_once_open(world):
    made = ready_campaign(world)  # opened (and assembled) on 1 December 2026, before any ticket
    _tickets(world)
    sheet = DataSheet.objects.get(reporter=made["town"]).data
    rows = sheet["sections"][0]["rows"]
    assert rows == [] or figure(sheet, "hotline", "rated") == 0


def test_command_sheet_and_results(world, tmp_path):
    made = ready_campaign(world)
    services.ballot_cast(actor=world["r1"], reporter=made["town"], grade="好")
    out, err = StringIO(), StringIO()
    call_command("reviews", "sheet", "--campaign", "SZPY-2026", "--format", "json", stdout=out, stderr=err)
    rows = json.loads(out.getvalue())
    assert [r["name"] for r in rows] == ["王建国", "李明"]
    assert rows[0]["sheet"]["sections"][0]["title"] == "12345热线办理情况"
    out = StringIO()
    call_command("reviews", "results", "--campaign", str(made["campaign"].pk), "--format", "json", stdout=out)
    results = json.loads(out.getvalue())
    assert (results[0]["name"], results[0]["grade"], results[0]["score"]) == ("王建国", "好", 100.0)
    target = tmp_path / "r.xlsx"
    call_command(
        "reviews",
        "results",
        "--campaign",
        "SZPY-2026",
        "--format",
        "xlsx",
        "--out",
        str(target),
        stderr=StringIO(),
    )
    assert target.read_bytes()[:2] == b"PK"
    out = StringIO()
    call_command("reviews", "results", "--campaign", "SZPY-2026", stdout=out)
    assert "王建国　100.00　好" in out.getvalue()


def test_command_errors_in_chinese(world):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有找到述职评议「NOPE」"):
        call_command("reviews", "sheet", "--campaign", "NOPE")
    ready_campaign(world, open_it=False)
    with pytest.raises(CommandError, match="须用 --out"):
        call_command("reviews", "results", "--campaign", "SZPY-2026", "--format", "xlsx")
