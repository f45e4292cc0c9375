"""Deadline arithmetic that only ever shortens: escalation, reopen, co-units, pauses."""

from datetime import timedelta
from decimal import Decimal

import pytest

from civicgrid.sla.clocks import (
    capped_deadlines,
    escalation_deadlines,
    paused_working_time,
    pushed,
    reopen_deadlines,
)
from civicgrid.sla.policies import policy_for

from .factories import local

pytestmark = pytest.mark.django_db


def policy(request_type="TS", urgency="normal", mode="escalated", at=None):
    return policy_for(request_type=request_type, urgency=urgency, dispatch_mode=mode, at=at)


def test_seeded_limits_are_shorter_than_the_first_round():
    at = local(2026, 4, 1, 9, 0)
    complaint, consult, critical = policy(at=at), policy("ZX", at=at), policy("QZ", "critical", at=at)
    assert (complaint.escalation_limit, complaint.escalation_unit) == (Decimal(3), "wd")
    assert (complaint.reopen_limit, complaint.reopen_unit) == (Decimal(5), "wd")
    assert (consult.escalation_limit, consult.reopen_limit) == (Decimal(1), Decimal(1))
    assert (critical.reopen_limit, critical.reopen_unit) == (Decimal(12), "h")
    assert (critical.escalation_limit, critical.escalation_unit) == (Decimal(4), "h")


def test_escalation_with_time_left_keeps_the_deadline():
    at = local(2026, 4, 1, 9, 0)  # Wednesday
    d, had_time = escalation_deadlines(policy(at=at), at, lead_due_at=local(2026, 4, 2, 15, 0))
    assert had_time and d.due_at == local(2026, 4, 2, 15, 0)
    assert d.sign_due_at <= d.first_contact_due_at <= d.due_at
    assert at < d.yellow_at < d.red_at < d.due_at


def test_escalation_without_time_left_gets_the_short_limit_or_the_level_limit():
    at = local(2026, 4, 1, 9, 0)
    overdue = local(2026, 1, 5, 9, 0)
    d, had_time = escalation_deadlines(policy(at=at), at, lead_due_at=overdue)
    assert not had_time and d.due_at == local(2026, 4, 7, 9, 0)  # 3 WD; 04-04..06 Qingming and weekend
    d, _ = escalation_deadlines(policy(at=at), at, lead_due_at=overdue, limit=(Decimal(1), "wd"))
    assert d.due_at == local(2026, 4, 2, 9, 0)
    # Never more than a fresh limit: 30 working days asked, the 15 of a complaint given.
    d, _ = escalation_deadlines(policy(at=at), at, lead_due_at=overdue, limit=(Decimal(30), "wd"))
    assert d.due_at == local(2026, 4, 23, 9, 0)


def test_reopen_is_shorter_and_never_longer_than_the_first_round():
    at = local(2026, 5, 11, 9, 0)  # Monday
    assert reopen_deadlines(policy(mode="", at=at), at).due_at == local(2026, 5, 18, 9, 0)  # 5 WD
    consult = policy("ZX", mode="", at=at)
    consult.reopen_limit = Decimal(10)
    assert reopen_deadlines(consult, at).due_at == local(2026, 5, 13, 9, 0)  # capped at its 2 WD


def test_sign_off_is_never_after_first_contact_nor_after_the_due_time():
    friday = local(2026, 5, 15, 16, 0)
    d = capped_deadlines(policy(mode="", at=friday), friday, local(2026, 5, 15, 17, 0))
    assert d.due_at == d.first_contact_due_at == d.sign_due_at == local(2026, 5, 15, 17, 0)
    d = capped_deadlines(policy(mode="", at=friday), friday, local(2026, 6, 30, 9, 0))
    assert d.first_contact_due_at == friday + timedelta(hours=24)  # Saturday: 24 natural hours
    assert d.sign_due_at == d.first_contact_due_at  # 1 working day would be Monday


def test_pushing_by_paused_working_time():
    tuesday, thursday = local(2026, 5, 12, 9, 0), local(2026, 5, 14, 9, 0)
    paused = paused_working_time(tuesday, thursday)
    assert paused == timedelta(hours=14)  # 2 × 7 office hours
    assert pushed(local(2026, 5, 15, 9, 0), paused) == local(2026, 5, 19, 9, 0)
    weekend = paused_working_time(local(2026, 5, 16, 9, 0), local(2026, 5, 17, 9, 0))
    assert pushed(thursday, weekend) == thursday
