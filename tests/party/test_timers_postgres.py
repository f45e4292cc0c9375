"""Several workers running the party timers at once on PostgreSQL: each reminder exactly once."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.notify.models import Notification
from civicgrid.party.models import PartyMember
from civicgrid.party.services.members import member_set_flags
from civicgrid.party.services.terms import term_start
from civicgrid.party.timers import scan_party
from civicgrid.registry.models import Role
from tests.party.factories import COMMUNITY, COUNTY, member, org, staff, unit
from tests.tickets.test_scan_postgres import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOW = datetime(2026, 12, 31, 16, 30, tzinfo=ZoneInfo("UTC"))  # 2027-01-01 00:30 in Hainan
WORKERS = 4


def test_concurrent_workers_send_each_reminder_once(areas):
    staff("org1", [Role.ORGANISATION_STAFF], [unit("ZZB", areas[COUNTY])])
    for i in range(20):
        branch = org(f"B{i}", areas[COMMUNITY])
        term_start(actor=SYSTEM, org=branch, elected_on=date(2021, 12, 31))  # due 2026-12-31: overdue
        lost = member(branch, name=f"李{i}")
        member_set_flags(actor=SYSTEM, member=lost, lost_contact=True, lost_since=date(2026, 5, 1))
        member(
            branch, category="probationary", joined_on=date(2026, 1, 20), name=f"赵{i}", at=date(2026, 2, 1)
        )

    results = run_together(lambda: scan_party(now=NOW), WORKERS)

    assert sum(r.term_overdue for r in results) == 20
    assert sum(r.lost_contact for r in results) == 20
    assert sum(r.probation for r in results) == 20
    assert scan_party(now=NOW).total == 0
    per_target = AuditEvent.objects.filter(action__startswith="party.timer_").values("action", "target_id")
    assert {row["n"] for row in per_target.annotate(n=Count("id"))} == {1}
    assert Notification.objects.filter(kind="party_term_overdue").count() == 20
    assert PartyMember.objects.count() == 40
