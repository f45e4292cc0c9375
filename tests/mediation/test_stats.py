"""`civicgrid mediation stats`: over an area tree, the empty case, year boundaries, an unknown code."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from civicgrid.core.actors import SYSTEM
from civicgrid.core.command import CommandError
from civicgrid.mediation import services
from civicgrid.mediation.models import FollowUp
from civicgrid.mediation.stats import KEYS, mediation_stats
from civicgrid.registry.models import AdminArea

from .conftest import local, make_case


def stats(code, year):
    out = StringIO()
    call_command("mediation", "stats", "--area", code, "--year", str(year), "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def agreed(med, key, accepted_on, signed_on):
    case = make_case(med, key, at=local(accepted_on.year, accepted_on.month, accepted_on.day, 9))
    services.case_accept(actor=SYSTEM, case=case, on=accepted_on)
    services.assign_mediators(
        actor=SYSTEM,
        case=case,
        mediators=med["roll"][key][:1],
        at=local(accepted_on.year, accepted_on.month, accepted_on.day, 9),
    )
    services.case_start(actor=SYSTEM, case=case)
    services.case_agree(
        actor=SYSTEM,
        case=case,
        content="赔偿",
        performance_manner="转账",
        signed_on=signed_on,
        performance_deadline=signed_on,
    )
    return case


def test_figures_over_the_tree_and_year_boundaries(med):
    # 银海: accepted 31 Dec 2025 (counts for 2025), agreed and followed up and closed in 2026.
    old = agreed(med, "a", date(2025, 12, 31), date(2026, 1, 5))
    services.follow_up(actor=SYSTEM, case=old, on=date(2026, 1, 20), way=FollowUp.Way.PHONE, performed=True)
    services.case_close(actor=SYSTEM, case=old, at=local(2026, 1, 21, 9))
    # 银海: accepted 1 Jan 2026, agreed; 金海: accepted 2026, failed; one only registered, one declined.
    agreed(med, "a", date(2026, 1, 1), date(2026, 1, 10))
    failed = make_case(med, "b")
    services.case_accept(actor=SYSTEM, case=failed, on=date(2026, 6, 1))
    services.assign_mediators(actor=SYSTEM, case=failed, mediators=med["roll"]["b"][:1])
    services.case_start(actor=SYSTEM, case=failed)
    services.case_fail(actor=SYSTEM, case=failed, reason="拒绝调解")
    make_case(med, "b")
    services.case_decline(actor=SYSTEM, case=make_case(med, "a"), reason="不属调解范围")
    # One mediator of 金海 left in 2026: not on the roll at the end of 2026, still at the end of 2025.
    services.mediator_leave(actor=SYSTEM, mediator=med["roll"]["b"][3], left_on=date(2026, 8, 1))

    town = stats("469002100", 2026)
    assert list(town) == list(KEYS)
    assert town == {
        "committees": 2,
        "mediators": 7,
        "cases_accepted": 2,
        "cases_closed": 0,
        "agreements": 1,
        "success_rate": 0.5,
        "followed_up": 0,
    }
    assert stats("469002", 2025) == {
        "committees": 2,
        "mediators": 8,
        "cases_accepted": 1,
        "cases_closed": 1,
        "agreements": 1,
        "success_rate": 1.0,
        "followed_up": 1,
    }
    assert stats("469002100002", 2026)["cases_accepted"] == 1
    assert stats("469002100002", 2026)["success_rate"] == 0
    # 金海's committee was set up in May 2021: in 2020 only 银海's existed, with nobody on its roll yet.
    assert stats("469002100", 2020) == {**{k: 0 for k in KEYS}, "committees": 1}


def test_over_nothing_every_figure_is_zero(med):
    empty = AdminArea.objects.create(code="469002101", name="空镇", level="town", parent=med["town"].parent)
    assert stats(empty.code, 2026) == {k: 0 for k in KEYS}
    assert mediation_stats(empty, 2026)["success_rate"] == 0


def test_unknown_area_is_refused(db):
    with pytest.raises(CommandError, match="不存在"):
        stats("999999", 2026)


def test_text_format(med):
    out = StringIO()
    call_command("mediation", "stats", "--area", "469002100", "--year", "2026", stdout=out)
    assert "人民调解委员会（个）：2" in out.getvalue() and "调解成功率：0.0%" in out.getvalue()
