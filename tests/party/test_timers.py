"""The party timers the worker runs: each reminder once per thing and date, to the secretaries and 组织部."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.notify.models import KINDS, Notification
from civicgrid.party.models import CommitteeTerm, PartyMember, PartyOrg, RelationTransfer
from civicgrid.party.services.members import member_set_flags, probation_extend
from civicgrid.party.services.orgs import org_dissolve
from civicgrid.party.services.terms import PostInput, posts_set, term_extend, term_start
from civicgrid.party.timers import scan_party
from civicgrid.registry.models import Role
from tests.party.factories import COMMUNITY, COUNTY, member, org, staff, unit

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=9, minute=0):
    return datetime(y, m, d, hour, minute, tzinfo=SH)


def scan(moment):
    with time_machine.travel(moment, tick=False):
        return scan_party()


@pytest.fixture
def setup(areas):
    """A community branch with a secretary who has an account, and a city 组织部 staff member."""
    branch = org("B1", areas[COMMUNITY], name="银海社区党支部")
    secretary = member(branch, name="王书记")
    sec_user = staff("sec1", [Role.PARTY_SECRETARY])
    PartyMember.objects.filter(pk=secretary.pk).update(user=sec_user)
    org_unit = unit("ZZB", areas[COUNTY], name="市委组织部")
    org_user = staff("org1", [Role.ORGANISATION_STAFF], [org_unit])
    return {"branch": branch, "secretary": secretary, "sec_user": sec_user, "org_user": org_user}


def _term(setup, elected_on):
    term = term_start(actor=SYSTEM, org=setup["branch"], elected_on=elected_on)
    posts_set(actor=SYSTEM, term=term, posts=[PostInput(post="secretary", member=setup["secretary"])])
    return term


def _kinds(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_term_reminder_goes_once_to_secretary_and_organisation_staff(setup):
    term = _term(setup, date(2021, 9, 1))  # 5 years (community): due 2026-09-01
    assert term.due_on == date(2026, 9, 1)
    assert scan(at(2026, 2, 28)).term_reminders == 0  # more than 6 months ahead
    result = scan(at(2026, 3, 1))
    assert result.term_reminders == 1
    for _ in range(3):
        assert scan(at(2026, 3, 2)).term_reminders == 0
    assert _kinds(setup["sec_user"], "party_term_due") == 1
    assert _kinds(setup["org_user"], "party_term_due") == 1
    assert AuditEvent.objects.filter(action="party.timer_term_due").count() == 1
    term.refresh_from_db()
    assert term.reminder_sent_at is not None


def test_overdue_flagged_once_and_extension_rearms_both(setup):
    term = _term(setup, date(2021, 9, 1))
    scan(at(2026, 6, 1))
    assert scan(at(2026, 9, 2)).term_overdue == 1
    assert scan(at(2026, 9, 3)).term_overdue == 0
    with time_machine.travel(at(2026, 9, 10), tick=False):
        term_extend(actor=SYSTEM, term=term, extended_to=date(2027, 3, 1), approval_doc="琼组〔2026〕8号")
    # The new date is within 6 months: its own reminder, once; then its own overdue flag, once.
    assert scan(at(2026, 9, 10, 10)).term_reminders == 1
    assert scan(at(2026, 9, 11)).term_reminders == 0
    assert scan(at(2027, 3, 1)).term_overdue == 0  # due that day, not yet overdue
    assert scan(at(2027, 3, 2)).term_overdue == 1
    assert scan(at(2027, 3, 3)).as_dict() == dict.fromkeys(scan(at(2027, 3, 3)).as_dict(), 0)
    assert _kinds(setup["sec_user"], "party_term_due") == 2
    assert _kinds(setup["org_user"], "party_term_overdue") == 2


def test_a_marker_already_set_by_another_worker_sends_nothing(setup):
    term = _term(setup, date(2021, 9, 1))
    CommitteeTerm.objects.filter(pk=term.pk).update(reminder_sent_at=at(2026, 3, 1))
    assert scan(at(2026, 3, 2)).term_reminders == 0
    assert not Notification.objects.filter(kind="party_term_due").exists()


def test_nothing_for_dissolved_organisations(setup, areas):
    _term(setup, date(2021, 9, 1))
    temp = org(
        "T1",
        areas[COMMUNITY],
        name="防汛临时党支部",
        is_temporary=True,
        temp_task="防汛",
        approved_by=setup["branch"],
        end_date=date(2026, 5, 1),
    )
    lost = member(setup["branch"], name="李失联")
    member_set_flags(actor=SYSTEM, member=lost, lost_contact=True, lost_since=date(2025, 1, 1))
    with time_machine.travel(at(2026, 1, 5), tick=False):
        org_dissolve(actor=SYSTEM, org=temp, dissolved_on=date(2026, 1, 5), note="任务完成")
    # Dissolved with its register left as it was (an import): its term and members stay, and are not reminded.
    PartyOrg.objects.filter(pk=setup["branch"].pk).update(dissolved_on=date(2026, 1, 5))
    result = scan(at(2027, 1, 1))
    assert result.total == 0
    assert not Notification.objects.exists()


def test_year_end_due_date(setup):
    term = _term(setup, date(2021, 12, 31))
    assert term.due_on == date(2026, 12, 31)
    assert scan(at(2026, 6, 30)).term_reminders == 0  # 6 months ahead is 2026-12-30
    assert scan(at(2026, 7, 1)).term_reminders == 1
    # 2026-12-31 23:30 in Hainan is still the due day; half an hour later (16:30 UTC) it is overdue.
    assert scan(at(2026, 12, 31, 23, 30)).term_overdue == 0
    assert scan(datetime(2026, 12, 31, 16, 30, tzinfo=ZoneInfo("UTC"))).term_overdue == 1
    assert scan(at(2027, 1, 2)).term_overdue == 0


def test_probation_reminder_once_per_due_date(setup):
    _term(setup, date(2024, 1, 1))  # the secretary's post (due 2029)
    newcomer = member(setup["branch"], category="probationary", joined_on=date(2025, 12, 31), name="赵预备")
    assert scan(at(2026, 11, 30)).probation == 0  # due 2026-12-31, 30 days' notice from 2026-12-01
    assert scan(at(2026, 12, 1)).probation == 1
    assert scan(at(2026, 12, 20)).probation == 0
    with time_machine.travel(at(2027, 1, 5), tick=False):
        probation_extend(
            actor=SYSTEM, member=newcomer, months=6, reason="需要继续考察", decided_on=date(2027, 1, 5)
        )
    assert scan(at(2027, 1, 6)).probation == 0  # now due 2027-06-30
    assert scan(at(2027, 5, 30)).probation == 0
    assert scan(at(2027, 5, 31)).probation == 1
    assert scan(at(2027, 6, 2)).probation == 0
    assert _kinds(setup["sec_user"], "party_probation_due") == 2


def test_lost_contact_stages_go_to_organisation_staff(setup):
    lost = member(setup["branch"], name="钱失联")
    member_set_flags(actor=SYSTEM, member=lost, lost_contact=True, lost_since=date(2024, 12, 31))
    assert scan(at(2025, 6, 29)).lost_contact == 0
    assert scan(at(2025, 6, 30)).lost_contact == 1  # 6 months
    assert scan(at(2025, 12, 31)).lost_contact == 0
    assert AuditEvent.objects.filter(action="party.timer_lost_contact").count() == 1
    assert scan(at(2026, 12, 31)).lost_contact == 1  # 2 years
    assert scan(at(2027, 1, 1)).lost_contact == 0
    assert _kinds(setup["org_user"], "party_lost_contact") == 2
    assert _kinds(setup["sec_user"], "party_lost_contact") == 0


def test_transfer_overdue_and_temporary_expired_once(setup, areas):
    _term(setup, date(2024, 1, 1))
    mover = member(setup["branch"], name="孙转出")
    RelationTransfer.objects.create(
        member=mover,
        direction=RelationTransfer.Direction.OUT,
        from_org=setup["branch"],
        to_name="海口市某党支部",
        sent_on=date(2026, 9, 1),
        due_on=date(2026, 11, 30),
    )
    org(
        "T2",
        areas[COMMUNITY],
        name="台风抢险临时党支部",
        is_temporary=True,
        temp_task="台风抢险",
        approved_by=setup["branch"],
        end_date=date(2026, 11, 30),
        founded_on=date(2026, 9, 1),
    )
    assert scan(at(2026, 11, 30)).as_dict() == {
        **scan(at(2026, 11, 30)).as_dict(),
        "transfers": 0,
        "temporary": 0,
    }
    result = scan(at(2026, 12, 1))
    assert (result.transfers, result.temporary) == (1, 1)
    again = scan(at(2026, 12, 2))
    assert (again.transfers, again.temporary) == (0, 0)
    assert _kinds(setup["sec_user"], "party_transfer_overdue") == 1
    assert _kinds(setup["sec_user"], "party_temporary_expired") == 1


def test_every_kind_reads_in_chinese():
    for kind in (
        "party_term_due",
        "party_term_overdue",
        "party_probation_due",
        "party_lost_contact",
        "party_transfer_overdue",
        "party_temporary_expired",
    ):
        assert KINDS[kind]


def test_worker_pass_runs_the_party_timers(setup, capsys):
    _term(setup, date(2021, 9, 1))
    with time_machine.travel(at(2026, 9, 2), tick=False):
        call_command("worker", "--once")
    assert "党建提醒 1 条" in capsys.readouterr().out
    assert PartyOrg.objects.count() == 1
