"""The demo's engagement year: every state on show, every figure of `engagement stats` above zero, a ledger that
verifies, everything dated between 1 January and now, and a second run that changes nothing; early in January
the year is squeezed into the days there are."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from civicgrid.demo.city import build_city
from civicgrid.demo.engagement import (
    RESIDENT1_PHONE,
    VOLUNTEER1_PHONE,
    build_engagement,
    counts,
    engagement_accounts,
)
from civicgrid.demo.party import build_party
from civicgrid.engagement.models import (
    Commitment,
    MicroWish,
    NeedItem,
    PairingVisit,
    Registration,
    VisitFinding,
    WishClaim,
)
from civicgrid.engagement.stats import KEYS, engagement_stats
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.points.models import PointsAccount, PointsEntry, PointsScheme, Redemption
from civicgrid.points.verify import verify
from civicgrid.volunteering.models import Activity, Certificate, ServiceRecord, SignUp, Volunteer

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI)


def build(tmp_path_factory, now, name):
    from django.conf import settings

    settings.DATA_DIR = tmp_path_factory.mktemp(name)
    with time_machine.travel(now, tick=False):
        city = build_city(seed=3, grids=24, log=lambda msg: None).city
        build_party(city=city, seed=3, log=lambda msg: None)
        result = build_engagement(city=city, seed=3, log=lambda msg: None)
    return city, result


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction rolled back at the end (the tests nest in it)."""
    from django.conf import settings
    from django.db import transaction

    old = settings.DATA_DIR
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build(tmp_path_factory, NOW, "engagement-demo")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            settings.DATA_DIR = old


pytestmark = pytest.mark.django_db


def test_every_state_is_on_show(built):
    _city, result = built
    assert result.created
    assert set(Registration.objects.values_list("state", flat=True)) >= {
        "registered",
        "active",
        "lapsed",
        "moved",
    }
    assert Registration.objects.filter(org__isnull=False).exists()
    assert set(MicroWish.objects.values_list("state", flat=True)) == set(MicroWish.State.values)
    assert WishClaim.objects.filter(member__isnull=False).exists()
    assert NeedItem.objects.exists()
    assert set(SignUp.objects.values_list("state", flat=True)) >= {
        "applied",
        "approved",
        "checked_in",
        "recorded",
        "cancelled",
    }
    assert SignUp.objects.filter(checkout_capped=True).exists()
    assert set(ServiceRecord.objects.values_list("state", flat=True)) >= {
        "pending",
        "confirmed",
        "disputed",
        "void",
    }
    assert (
        ServiceRecord.objects.exclude(note="").filter(state="confirmed").exists()
    )  # corrected, then confirmed
    assert sorted(Certificate.objects.values_list("state", flat=True)) == ["issued", "noticed"]
    assert PointsScheme.objects.filter(area__isnull=False).count() == 2
    assert PointsScheme.objects.filter(area__isnull=False, validity="days", validity_days=90).exists()
    assert set(PointsEntry.objects.values_list("kind", flat=True)) == set(PointsEntry.Kind.values)
    assert set(PointsEntry.objects.values_list("state", flat=True)) == set(PointsEntry.State.values)
    assert set(Redemption.objects.values_list("state", flat=True)) == {"reserved", "fulfilled", "cancelled"}
    assert PairingVisit.objects.filter(on_wed_or_sat=True).exists()
    assert VisitFinding.objects.filter(ticket__isnull=False).exists()
    assert VisitFinding.objects.filter(need__isnull=False).exists()
    assert Commitment.objects.filter(state="fulfilled").exists()


def test_every_figure_is_above_zero_and_the_ledger_verifies(built):
    city, _result = built
    with time_machine.travel(NOW, tick=False):
        figures = engagement_stats(city, NOW.year)
    assert [key for key in KEYS if not figures[key]] == []
    assert 0.6 < figures["registration_share"] < 1
    report = verify()
    assert report.ok, report.problems


def test_the_portal_people_have_something_to_do(built):
    rows = {row[0]: row for row in engagement_accounts()}
    assert {"member1", "volunteer1", "resident1"} <= set(rows)
    assert any("积分审核" in row[2] for row in rows.values())
    volunteer1 = Volunteer.objects.get(phone=VOLUNTEER1_PHONE)
    assert Certificate.objects.filter(volunteer=volunteer1, state="issued").exists()
    assert volunteer1.signups.filter(state="applied").exists()
    assert ServiceRecord.objects.filter(volunteer__phone=RESIDENT1_PHONE, state="confirmed").exists()
    resident = PointsAccount.objects.get(phone=RESIDENT1_PHONE)
    assert resident.household_code and resident.balance >= 0
    assert MicroWish.objects.filter(resident_phone=RESIDENT1_PHONE, state="fulfilled").exists()
    assert Activity.objects.filter(starts_at__lte=NOW, ends_at__gt=NOW).exists()  # the desk is open now


def test_everything_is_dated_this_year_up_to_now(built):
    assert_within_year(NOW)


def test_a_second_run_changes_nothing(built):
    city, _result = built
    before = counts(area_subtree_ids([city]))
    entries = PointsEntry.objects.count()
    with time_machine.travel(NOW, tick=False):
        again = build_engagement(city=city, seed=3, log=lambda msg: None)
    assert not again.created
    assert again.counts == before and PointsEntry.objects.count() == entries


def assert_within_year(now):
    first = date(now.year, 1, 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    day_fields = {
        Registration: ["registered_on", "activated_on", "ended_on"],
        NeedItem: ["created_on"],
        Volunteer: ["registered_on"],
        Certificate: ["notice_from", "issued_on"],
        PointsAccount: ["opened_on"],
        PointsEntry: ["occurred_on"],
        PairingVisit: ["visited_on"],
        Commitment: ["pledged_on", "decided_on"],
    }
    moment_fields = {
        MicroWish: ["collected_at", "verified_at", "published_at", "claimed_at", "fulfilled_at", "closed_at"],
        WishClaim: ["claimed_at"],
        SignUp: ["applied_at", "decided_at", "checked_in_at", "checked_out_at"],
        ServiceRecord: ["started_at", "ended_at", "confirmed_at"],
        Certificate: ["requested_at"],
        PointsEntry: ["claimed_at", "reviewed_at", "posted_at"],
        Redemption: ["requested_at", "fulfilled_at", "cancelled_at"],
    }
    for model, names in day_fields.items():
        for name in names:
            outside = model.objects.exclude(**{f"{name}__isnull": True}).exclude(
                **{f"{name}__range": (first, now.date())}
            )
            assert not outside.exists(), (
                model.__name__,
                name,
                list(outside.values_list(name, flat=True)[:3]),
            )
    for model, names in moment_fields.items():
        for name in names:
            outside = model.objects.exclude(**{f"{name}__isnull": True}).exclude(
                **{f"{name}__range": (start, now)}
            )
            assert not outside.exists(), (
                model.__name__,
                name,
                list(outside.values_list(name, flat=True)[:3]),
            )
    assert not Activity.objects.filter(starts_at__lt=start).exists()
