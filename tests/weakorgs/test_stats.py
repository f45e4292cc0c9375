"""The counts the reports print (confirmed by sector, in rectification, accepted = 转化, overdue, by area) against
hand counts, scoped like the board; and the command's JSON and table."""

import io
import json
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from civicgrid.core.actors import SYSTEM
from civicgrid.party.models import PartyOrg
from civicgrid.weakorgs import services
from civicgrid.weakorgs.selectors import stats
from tests.party.factories import org
from tests.weakorgs.conftest import moment

pytestmark = pytest.mark.django_db


def _accept(plan, organiser):
    services.plan_update(
        actor=organiser,
        plan=plan,
        problems="问题",
        measures="措施",
        leader_name="陈某",
        due_on=date(2026, 12, 31),
    )
    item = services.item_add(actor=organiser, plan=plan, problem="问题", measure="措施")
    services.plan_approve(actor=organiser, plan=plan)
    services.plan_start(actor=organiser, plan=plan)
    services.item_done(actor=organiser, item=item)
    services.plan_apply(actor=organiser, plan=plan)
    services.plan_accept(actor=organiser, plan=plan, note="整顿到位", on=date(2026, 11, 30))


@pytest.fixture
def plans(world):
    """2026: 3 社区 (one accepted, overdue from 2027), 2 机关 (one in 三亚), 1 两新 (accepted); 2025: 1 社区."""
    organiser = world["organiser"]
    town, city = world["town"], world["city"]
    extra = [org(f"C{i}", town, name=f"社区{i}党支部") for i in range(3)]
    organ2 = org("JG2", city, name="水务局机关党支部", setup=PartyOrg.Setup.ORGAN)
    two_new = org("LX1", city, name="某公司党支部", setup=PartyOrg.Setup.TWO_NEW)
    sanya_organ = org("SYJG", world["other_city"], name="三亚某局机关党支部", setup=PartyOrg.Setup.ORGAN)
    old = org("OLD", town, name="往年社区党支部")

    def name(o, year=2026):
        return services.org_designate(
            actor=SYSTEM, org=o, reason="排查发现", year=year, at=moment(year, 3, 1)
        )

    accepted = name(extra[0])
    _accept(accepted, organiser)
    late = name(extra[1])
    services.plan_update(actor=organiser, plan=late, due_on=date(2026, 12, 31))
    name(extra[2])
    name(organ2)
    name(sanya_organ)
    _accept(name(two_new), organiser)
    _accept(name(old, 2025), organiser)
    return world


def test_counts_by_sector_and_state_against_hand_counts(plans):
    figures = stats(SYSTEM, year=2026, today=date(2027, 1, 5))
    assert (figures["confirmed"], figures["rectifying"], figures["accepted"], figures["overdue"]) == (
        6,
        4,
        2,
        1,
    )
    by_kind = {
        row["label"]: (row["confirmed"], row["accepted"], row["overdue"]) for row in figures["by_kind"]
    }
    assert by_kind == {"社区": (3, 1, 1), "机关": (2, 0, 0), "两新": (1, 1, 0)}
    by_area = {row["name"]: row["confirmed"] for row in figures["by_area"]}
    assert by_area == {"琼海市": 5, "三亚市": 1}
    assert stats(SYSTEM, today=date(2026, 12, 2))["confirmed"] == 7


def test_counts_are_scoped_and_by_the_areas_under_the_one_asked(plans):
    mine = stats(plans["organiser"], year=2026, today=date(2026, 12, 2))
    assert mine["confirmed"] == 5 and {r["name"] for r in mine["by_area"]} == {"琼海市"}
    assert stats(plans["outsider"], year=2026, today=date(2026, 12, 2))["confirmed"] == 1
    city = stats(SYSTEM, year=2026, area=plans["city"], today=date(2026, 12, 2))
    assert {r["name"]: r["confirmed"] for r in city["by_area"]} == {"嘉积镇": 3, "琼海市": 2}


def test_overdue_turns_on_the_day_after_the_limit_across_the_year_end(plans):
    assert stats(SYSTEM, year=2026, today=date(2026, 12, 31))["overdue"] == 0
    assert stats(SYSTEM, year=2026, today=date(2027, 1, 1))["overdue"] == 1


@time_machine.travel(moment(2027, 1, 5), tick=False)
def test_the_stats_command(plans):
    out, err = io.StringIO(), io.StringIO()
    call_command("weakorgs", "stats", "--year", "2026", "--format", "json", stdout=out, stderr=err)
    figures = json.loads(out.getvalue())
    assert figures["confirmed"] == 6 and figures["accepted"] == 2
    out = io.StringIO()
    call_command("weakorgs", "stats", "--year", "2026", "--area", "469002", stdout=out)
    text = out.getvalue()
    assert "认定：5" in text and "社区：认定 3，整顿中 2，已转化 1，超期" in text


@time_machine.travel(moment(2027, 1, 5), tick=False)
def test_the_scan_command_prints_only_json_on_stdout(world):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "weakorgs",
        "scan",
        "--as-of",
        "2027-01-02",
        "--area",
        "469002100",
        "--format",
        "json",
        stdout=out,
        stderr=err,
    )
    payload = json.loads(out.getvalue())
    assert payload["as_of"] == "2027-01-02" and payload["created"] == 2
    yinhai = next(c for c in payload["candidates"] if c["org"] == "YH")
    assert "书记空缺 5 个月（自 2026-08-01）" in yinhai["reasons"]
    assert "候选 2 个" in err.getvalue()
    out = io.StringIO()
    call_command(
        "weakorgs", "scan", "--as-of", "2027-01-02", "--format", "json", stdout=out, stderr=io.StringIO()
    )
    again = json.loads(out.getvalue())
    assert again["created"] == 1 and again["updated"] + again["unchanged"] == 2
