"""party_stats and `civicgrid party stats` against a small register where every figure is counted by hand.

The register (built through the services; "today" is 2026-03-15):

    海南省 460000
    └ 琼海市 469002
      ├ 嘉积镇 469002100 (TOWN):  K 党委 (机关)
      │   ├ 银海社区 C1:  B1 党支部 (社区), B2 党总支 (单位), T 临时党支部 (founded 2026-02-01),
      │   │               F 党支部 (founded 2026-06-01, future), TO 临时 (2025-05-01 … dissolved 2025-10-01),
      │   │               TD 临时 (2026-01-10 … dissolved 2026-03-01)
      │   └ 金海社区 C2:  B3 党支部 (社区), D 党支部 (2015 … dissolved 2025-12-31)
      └ 万泉镇 469002101 (T2): W 党工委
          └ 文曲社区 C3:   S 党支部

    Grids: C1 G1 basic (B1 linked; in P1), G2 basic (D linked), G3 dedicated (B1 linked), G4 basic disabled;
           C2 G5 basic (B3 linked), G7 basic (in P4), G8 basic (in P5); C3 G6 basic (S linked; in P3).
    Party grids: P1 grids [G1] orgs [B1, B2]; P2 grids [] orgs [B3]; P3 grids [G6] orgs [S];
                 P4 grids [G7] orgs [B2]; P5 grids [G8] orgs []; P6 grids [] orgs [D].
    Members: B1 m1 full, m2 full, m3 probationary (joined 2025-09-01), m4 probationary (joined 2026-04-01, later),
             m5 full (joined 2025-01-05, full 2026-01-10), m6 full (removed 2026-01-01);
             B2 m7 full, m8 probationary (joined 2025-10-01); B3 m9 full; T m10 full; S m11 full;
             no organisation: m12 lives in G1 (C1), m13 works for a unit in C2, m14 nowhere, m15 lives in G6 (C3).
    Pioneer posts: B1 2025-01-01 open, B1 from 2026-04-01, B2 2025-08-01 … 2026-01-31, S 2025-01-01 open.
    Shock teams: T 2026-02-01 … 2026-06-30, B3 2025-03-01 … 2025-09-30.
    Deployments: B1 2026-03-10 × 10 days, B2 2026-03-01 × 14 (ends 03-14), B3 2026-03-15 × 3, S 2026-03-01 × 30.
    Terms (reminder 6 months → window 2026-03-15 … 2026-09-15): K 2016-03-01 then 2021-03-01 (due 2026-03-01,
             overdue); B1 2021-09-01 (5 years, due 2026-09-01, soon); B2 2023-10-01 (3 years, due 2026-10-01);
             B3 2020-06-01 (due 2025-06-01, extended to 2026-05-01, soon); S 2020-01-01 (due 2025-01-01, overdue).
"""

import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from civicgrid.core.actors import SYSTEM
from civicgrid.party.models import PartyOrg, TermRule
from civicgrid.party.services.activities import deployment_save, pioneer_post_save, shock_team_save
from civicgrid.party.services.grids import party_grid_save
from civicgrid.party.services.members import member_set_status
from civicgrid.party.services.orgs import org_dissolve
from civicgrid.party.services.terms import term_extend, term_start
from civicgrid.party.stats import party_stats, party_stats_by_area
from civicgrid.registry.models import AdminArea, Grid
from tests.party.factories import COMMUNITY, OTHER_COMMUNITY, TOWN, member, org, unit
from tests.registry.factories import PROVINCE, make_area

TODAY = date(2026, 3, 15)
Kind = PartyOrg.Kind
Setup = PartyOrg.Setup
T2 = "469002101"
C3 = "469002101001"
FOUNDED = date(2010, 1, 1)


def grid(code: str, community, kind=Grid.Kind.BASIC, **fields) -> Grid:
    if kind == Grid.Kind.DEDICATED:
        fields.setdefault("dedicated_type", Grid.DedicatedType.MARKET)
    return Grid.objects.create(code=code, name=f"网格{code[-3:]}", community=community, kind=kind, **fields)


@pytest.fixture
def register(areas):
    a = dict(areas)
    a[T2] = make_area(T2, "万泉镇", AdminArea.Level.TOWN, a[TOWN].parent)
    a[C3] = make_area(C3, "文曲社区", AdminArea.Level.VILLAGE, a[T2])
    c1, c2, c3 = a[COMMUNITY], a[OTHER_COMMUNITY], a[C3]
    g = {
        "G1": grid(f"{COMMUNITY}001", c1),
        "G2": grid(f"{COMMUNITY}002", c1),
        "G3": grid(f"{COMMUNITY}003", c1, kind=Grid.Kind.DEDICATED),
        "G4": grid(f"{COMMUNITY}004", c1, is_active=False),
        "G5": grid(f"{OTHER_COMMUNITY}001", c2),
        "G7": grid(f"{OTHER_COMMUNITY}002", c2),
        "G8": grid(f"{OTHER_COMMUNITY}003", c2),
        "G6": grid(f"{C3}001", c3),
    }
    k = org("K", a[TOWN], Kind.COMMITTEE, setup=Setup.ORGAN, founded_on=FOUNDED)
    b1 = org("B1", c1, parent=k, founded_on=FOUNDED, grids=[g["G1"], g["G3"]])
    b2 = org("B2", c1, Kind.GENERAL_BRANCH, parent=k, setup=Setup.UNIT, founded_on=FOUNDED)
    t = org("T", c1, parent=k, setup=Setup.PROJECT, founded_on=date(2026, 2, 1), is_temporary=True)
    org("F", c1, parent=k, founded_on=date(2026, 6, 1))
    old = org("TO", c1, parent=k, setup=Setup.PROJECT, founded_on=date(2025, 5, 1), is_temporary=True)
    org_dissolve(actor=SYSTEM, org=old, dissolved_on=date(2025, 10, 1))
    gone = org("TD", c1, parent=k, setup=Setup.PROJECT, founded_on=date(2026, 1, 10), is_temporary=True)
    org_dissolve(actor=SYSTEM, org=gone, dissolved_on=date(2026, 3, 1))
    b3 = org("B3", c2, parent=k, founded_on=FOUNDED, grids=[g["G5"]])
    d = org("D", c2, parent=k, founded_on=date(2015, 1, 1), grids=[g["G2"]])
    w = org("W", a[T2], Kind.WORKING_COMMITTEE, setup=Setup.PARK, founded_on=FOUNDED)
    s = org("S", c3, parent=w, founded_on=FOUNDED, grids=[g["G6"]])

    party_grid_save(actor=SYSTEM, area=a[TOWN], name="P1", grids=[g["G1"]], orgs=[b1, b2])
    party_grid_save(actor=SYSTEM, area=c2, name="P2", grids=[], orgs=[b3])
    party_grid_save(actor=SYSTEM, area=c3, name="P3", grids=[g["G6"]], orgs=[s])
    party_grid_save(actor=SYSTEM, area=c2, name="P4", grids=[g["G7"]], orgs=[b2])
    party_grid_save(actor=SYSTEM, area=c2, name="P5", grids=[g["G8"]], orgs=[])
    party_grid_save(actor=SYSTEM, area=c2, name="P6", grids=[], orgs=[d])
    org_dissolve(actor=SYSTEM, org=d, dissolved_on=date(2025, 12, 31))

    member(b1, name="甲一")
    member(b1, name="甲二")
    member(b1, name="甲三", category="probationary", joined_on=date(2025, 9, 1))
    member(b1, name="甲四", category="probationary", joined_on=date(2026, 4, 1), at=date(2026, 4, 1))
    member(b1, name="甲五", joined_on=date(2025, 1, 5), full_on=date(2026, 1, 10))
    removed = member(b1, name="甲六")
    member_set_status(actor=SYSTEM, member=removed, status="removed", on=date(2026, 1, 1), reason="除名")
    member(b2, name="乙一")
    member(b2, name="乙二", category="probationary", joined_on=date(2025, 10, 1))
    member(b3, name="丙一")
    member(t, name="丁一")
    member(s, name="戊一")
    member(name="己一", residence_grid=g["G1"])
    member(name="己二", employer=unit("U-C2", c2))
    member(name="己三")
    member(name="己四", residence_grid=g["G6"])

    pioneer_post_save(actor=SYSTEM, org=b1, name="便民服务岗", from_date=date(2025, 1, 1))
    pioneer_post_save(actor=SYSTEM, org=b1, name="防汛岗", from_date=date(2026, 4, 1))
    pioneer_post_save(
        actor=SYSTEM, org=b2, name="文明岗", from_date=date(2025, 8, 1), to_date=date(2026, 1, 31)
    )
    pioneer_post_save(actor=SYSTEM, org=s, name="园区岗", from_date=date(2025, 1, 1))
    shock_team_save(
        actor=SYSTEM,
        org=t,
        name="项目突击队",
        task="项目建设",
        from_date=date(2026, 2, 1),
        to_date=date(2026, 6, 30),
    )
    shock_team_save(
        actor=SYSTEM,
        org=b3,
        name="防台突击队",
        task="防台风",
        from_date=date(2025, 3, 1),
        to_date=date(2025, 9, 30),
    )
    for place, start, days in ((b1, date(2026, 3, 10), 10), (b2, date(2026, 3, 1), 14)):
        deployment_save(actor=SYSTEM, org=place, task="下沉", from_date=start, days=days, person_name="王五")
    deployment_save(
        actor=SYSTEM, org=b3, task="下沉", from_date=date(2026, 3, 15), days=3, person_name="王五"
    )
    deployment_save(actor=SYSTEM, org=s, task="下沉", from_date=date(2026, 3, 1), days=30, person_name="王五")

    term_start(actor=SYSTEM, org=k, elected_on=date(2016, 3, 1))
    term_start(actor=SYSTEM, org=k, elected_on=date(2021, 3, 1))
    term_start(actor=SYSTEM, org=b1, elected_on=date(2021, 9, 1))
    term_start(actor=SYSTEM, org=b2, elected_on=date(2023, 10, 1))
    late = term_start(actor=SYSTEM, org=b3, elected_on=date(2020, 6, 1))
    term_extend(actor=SYSTEM, term=late, extended_to=date(2026, 5, 1), approval_doc="琼组〔2025〕1号")
    term_start(actor=SYSTEM, org=s, elected_on=date(2020, 1, 1))
    return a


def kinds(committee=0, general=0, branch=0, working=0) -> dict:
    return {"党委": committee, "党总支": general, "党支部": branch, "党工委": working}


def test_town_today(register):
    stats = party_stats(register[TOWN], TODAY)
    assert stats == {
        # K, B1, B2, B3, T (F not founded yet; D, TO, TD dissolved)
        "orgs_total": 5,
        "orgs_by_kind": kinds(committee=1, general=1, branch=3),
        "temporary_orgs": 1,  # T
        # B1: m1 m2 m3 m5 (m4 joins later, m6 removed); B2: m7 m8; B3: m9; T: m10
        "members_total": 8,
        "members_full": 6,  # m1 m2 m5 m7 m9 m10
        "members_probationary": 2,  # m3 m8
        "members_without_org": 2,  # m12 (lives in G1), m13 (works in C2)
        # P1 (G1, B1), P2 (B3), P4 (G7), P5 (G8); not P3 (C3), not P6 (D dissolved, no grids)
        "party_grids": 4,
        "orgs_per_party_grid": 1.0,  # (2 + 1 + 1 + 0) / 4
        "members_per_party_grid": 2.25,  # (B1 4 + B2 2) + B3 1 + B2 2 + 0 = 9 / 4
        "grids_total": 5,  # G1 G2 G5 G7 G8 (G3 dedicated, G4 disabled)
        "grids_with_branch": 3,  # G1 (B1), G5 (B3), G7 (P4 by B2); G2's D dissolved, G8's P5 has no org
        "grid_branch_coverage": 0.6,
        "pioneer_posts": 1,  # B1's open post
        "shock_teams": 1,  # T's
        "deployment_person_times": 13,  # B1 10 + B3 3 (B2's ended 03-14)
        "terms_overdue": 1,  # K
        "terms_due_6_months": 2,  # B1 (2026-09-01), B3 (extended to 2026-05-01)
        "temporary_orgs_founded": 2,  # T, TD (TO was founded in 2025)
    }


def test_province_root_today(register):
    stats = party_stats(register[PROVINCE], TODAY)
    assert stats["orgs_total"] == 7  # the town's 5 + W + S
    assert stats["orgs_by_kind"] == kinds(committee=1, general=1, branch=4, working=1)
    assert (stats["members_total"], stats["members_full"], stats["members_probationary"]) == (9, 7, 2)
    assert stats["members_without_org"] == 3  # m12 m13 m15 (m14 lives and works nowhere known)
    assert stats["party_grids"] == 5  # P1-P5
    assert stats["orgs_per_party_grid"] == 1.0  # (2 + 1 + 1 + 1 + 0) / 5
    assert stats["members_per_party_grid"] == 2.0  # (6 + 1 + 1 + 2 + 0) / 5
    assert (stats["grids_total"], stats["grids_with_branch"]) == (6, 4)  # + G6 (S)
    assert stats["grid_branch_coverage"] == pytest.approx(4 / 6)
    assert (stats["pioneer_posts"], stats["shock_teams"]) == (2, 1)
    assert stats["deployment_person_times"] == 43  # 13 + S 30
    assert (stats["terms_overdue"], stats["terms_due_6_months"]) == (2, 2)  # K, S; B1, B3
    assert stats["temporary_orgs_founded"] == 2


def test_community_and_its_sibling(register):
    c1 = party_stats(register[COMMUNITY], TODAY)
    assert c1["orgs_total"] == 3  # B1 B2 T (K sits in the town, above)
    assert c1["orgs_by_kind"] == kinds(general=1, branch=2)
    assert (c1["members_total"], c1["members_full"], c1["members_probationary"]) == (7, 5, 2)
    assert c1["members_without_org"] == 1  # m12
    assert c1["party_grids"] == 2  # P1 (G1 and B1), P4 (by its organisation B2; its grid G7 is in C2)
    assert c1["orgs_per_party_grid"] == 1.5  # (2 + 1) / 2
    assert c1["members_per_party_grid"] == 4.0  # (6 + 2) / 2
    assert (c1["grids_total"], c1["grids_with_branch"], c1["grid_branch_coverage"]) == (2, 1, 0.5)
    assert (c1["pioneer_posts"], c1["shock_teams"], c1["deployment_person_times"]) == (1, 1, 10)
    assert (c1["terms_overdue"], c1["terms_due_6_months"], c1["temporary_orgs_founded"]) == (0, 1, 2)

    c2 = party_stats(register[OTHER_COMMUNITY], TODAY)
    assert c2["orgs_total"] == 1  # B3 (D dissolved)
    assert c2["orgs_by_kind"] == kinds(branch=1)
    assert (c2["members_total"], c2["members_full"], c2["members_without_org"]) == (1, 1, 1)  # m9; m13
    assert c2["party_grids"] == 3  # P2 (B3), P4 (G7), P5 (G8)
    assert c2["orgs_per_party_grid"] == pytest.approx(2 / 3)  # (1 + 1 + 0) / 3
    assert c2["members_per_party_grid"] == 1.0  # (1 + 2 + 0) / 3
    assert (c2["grids_total"], c2["grids_with_branch"]) == (3, 2)  # G5 G7 G8; G5 G7
    assert (c2["pioneer_posts"], c2["shock_teams"], c2["deployment_person_times"]) == (0, 0, 3)
    assert (c2["terms_overdue"], c2["terms_due_6_months"], c2["temporary_orgs_founded"]) == (0, 1, 0)

    other_town = party_stats(register[T2], TODAY)
    assert (other_town["orgs_total"], other_town["members_total"], other_town["party_grids"]) == (2, 1, 1)
    assert other_town["members_without_org"] == 1  # m15


def test_as_of_a_past_date(register):
    stats = party_stats(register[TOWN], date(2025, 6, 30))
    # K, B1, B2, B3, D, TO (T, TD, F not founded yet)
    assert stats["orgs_total"] == 6
    assert stats["orgs_by_kind"] == kinds(committee=1, general=1, branch=4)
    assert stats["temporary_orgs"] == 1  # TO
    # B1: m1 m2 m5 (probationary then) m6 (removed only later); B2: m7; B3: m9 (m3, m8 not joined; T not yet)
    assert (stats["members_total"], stats["members_full"], stats["members_probationary"]) == (6, 5, 1)
    assert stats["party_grids"] == 5  # P1 P2 P4 P5, and P6 while D is active
    assert stats["orgs_per_party_grid"] == 1.0  # (2 + 1 + 1 + 0 + 1) / 5
    assert stats["members_per_party_grid"] == pytest.approx(1.4)  # (4 + 1) + 1 + 1 + 0 + 0 = 7 / 5
    assert (stats["grids_total"], stats["grids_with_branch"]) == (5, 4)  # G2 covered by D then
    assert stats["grid_branch_coverage"] == pytest.approx(0.8)
    assert (stats["pioneer_posts"], stats["shock_teams"], stats["deployment_person_times"]) == (1, 1, 0)
    assert (stats["terms_overdue"], stats["terms_due_6_months"]) == (0, 0)
    assert stats["temporary_orgs_founded"] == 1  # TO

    later = party_stats(register[TOWN], date(2026, 7, 1))
    assert later["orgs_total"] == 6  # F founded 2026-06-01 joins K B1 B2 B3 T
    assert later["members_total"] == 9  # m4 joined 2026-04-01


def test_reminder_months_come_from_the_term_rule_of_each_kind(register):
    # 党总支 not in a village or community: remind 7 months ahead from 2026 → window to 2026-10-15 takes in B2.
    TermRule.objects.create(
        version="测试",
        effective_from=date(2026, 1, 1),
        org_kind=Kind.GENERAL_BRANCH,
        village_or_community=False,
        years=3,
        reminder_months=7,
    )
    assert party_stats(register[TOWN], TODAY)["terms_due_6_months"] == 3  # B1, B3 (6 months), B2 (7 months)
    # On 2025-12-31 the 7-month rule is not in force: window to 2026-06-30 takes K (03-01) and B3 (05-01), not B2.
    assert party_stats(register[TOWN], date(2025, 12, 31))["terms_due_6_months"] == 2


def test_empty_register_is_all_zeros(areas):
    stats = party_stats(areas[TOWN], TODAY)
    assert stats["orgs_by_kind"] == kinds()
    assert all(value == 0 for key, value in stats.items() if key != "orgs_by_kind")


@pytest.mark.parametrize("day", [TODAY, date(2025, 6, 30), date(2026, 7, 1)])
def test_many_areas_at_once_equal_one_by_one(register, day):
    empty = make_area("469002102", "空镇", AdminArea.Level.TOWN, register[TOWN].parent)
    chosen = [register[code] for code in (TOWN, COMMUNITY, OTHER_COMMUNITY, T2, C3, "469002", PROVINCE)]
    chosen.append(empty)
    together = party_stats_by_area(chosen, day)
    assert set(together) == {a.pk for a in chosen}
    for area in chosen:
        assert together[area.pk] == party_stats(area, day), area.name
    assert together[empty.pk]["orgs_total"] == 0
    assert party_stats_by_area([], day) == {}


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("party", "stats", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@time_machine.travel(datetime(2026, 3, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_command_json_is_only_the_object_and_defaults_to_today(register):
    out, _err = run("--area", TOWN, "--format", "json")
    data = json.loads(out)
    assert data == json.loads(json.dumps(party_stats(register[TOWN], TODAY)))
    assert list(data["orgs_by_kind"]) == ["党委", "党总支", "党支部", "党工委"]
    assert data["members_total"] == 8
    at, _err = run("--area", TOWN, "--at", "2025-06-30", "--format", "json")
    assert json.loads(at)["orgs_total"] == 6


@time_machine.travel(datetime(2026, 3, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_command_empty_register_exits_zero(areas):
    out, _err = run("--area", TOWN, "--format", "json")
    data = json.loads(out)
    assert data["orgs_by_kind"] == kinds() and data["orgs_per_party_grid"] == 0


@time_machine.travel(datetime(2026, 3, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_command_table_is_chinese(register):
    out, _err = run("--area", TOWN)
    assert "嘉积镇　党建统计（截至 2026-03-15）" in out
    for text in ("党组织总数", "其中党委", "党员总数", "网格党组织覆盖率", "60.0 %", "换届逾期"):
        assert text in out
    assert "orgs_total" not in out and "None" not in out


def test_command_refuses_unknown_area_and_bad_date(areas):
    with pytest.raises(CommandError, match="未找到区划代码：999999"):
        run("--area", "999999")
    with pytest.raises(CommandError, match="日期格式不正确"):
        run("--area", TOWN, "--at", "2026/03/15")


def test_command_over_a_database_without_areas_answers_zeros(db):
    out, err = run("--area", TOWN, "--format", "json", "--at", "2026-03-15")
    assert json.loads(out)["orgs_total"] == 0
    assert "区划库为空" in err
