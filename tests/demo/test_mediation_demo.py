"""The demo's mediation: two committees (a village's and a community's) with rolls that pass the checks, cases in
every state, one referred from a 12345 ticket that now waits, under 2 s, and a second run that changes nothing."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from civicgrid.demo.city import build_city
from civicgrid.demo.engagement import RESIDENT1_PHONE
from civicgrid.demo.mediation import build
from civicgrid.demo.tickets import generate_tickets
from civicgrid.mediation.checks import committee_warnings
from civicgrid.mediation.models import Case, Committee
from civicgrid.mediation.stats import mediation_stats

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(params=[3, 4])
def demo(db, settings, tmp_path, request):
    settings.DATA_DIR = tmp_path
    with time_machine.travel(NOW, tick=False):
        city = build_city(seed=3, grids=24, log=lambda msg: None).city
        generate_tickets(count=40, days=10, seed=3, now=NOW, log=lambda msg: None)
        started = time.monotonic()
        result = build(city=city, seed=request.param, log=lambda msg: None)
        took = time.monotonic() - started
    return city, result, took


def test_two_committees_cases_in_every_state(demo):
    city, result, took = demo
    assert result["created"] and took < 2.0, took
    committees = list(Committee.objects.select_related("area"))
    assert len(committees) == 2
    assert {c.area.name[-1] for c in committees} == {"村", "区"}
    for committee in committees:
        assert committee_warnings(committee, NOW.date()) == []
        assert committee.mediators.filter(user__isnull=False).exists()
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(Case.State.values)
    referred = Case.objects.get(source=Case.Source.TICKET)
    assert referred.ticket.paused_at is not None and referred.ticket_paused
    assert Case.objects.filter(remediations=1).exists()
    assert Case.objects.filter(source=Case.Source.APPLICATION, applicant_phone=RESIDENT1_PHONE).exists()
    figures = mediation_stats(city, 2026)
    assert figures["committees"] == 2 and figures["mediators"] == 12 and figures["cases_accepted"] >= 8
    with time_machine.travel(NOW, tick=False):
        assert build(city=city, seed=3, log=lambda msg: None) == {"created": False}
    assert Case.objects.count() == 11
