"""A registered volunteer claims a micro-wish; when it is fulfilled with hours he gets a pending service record
that counts only once confirmed (engagement calls volunteering, never the reverse)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from civicgrid.core.refusal import Refusal
from civicgrid.engagement import services
from civicgrid.volunteering import selectors as volunteering_selectors
from civicgrid.volunteering.models import ServiceRecord, Volunteer
from civicgrid.volunteering.services import records
from tests.engagement.conftest import in_service, moment
from tests.engagement.test_wishes import published
from tests.volunteering.factories import volunteer

pytestmark = pytest.mark.django_db


def claimed_by(world, *volunteers, max_claimers=2):
    wish = published(world, max_claimers=max_claimers)
    with time_machine.travel(moment(2026, 4, 2), tick=False):
        claims = [services.wish_claim(actor=world["worker"], wish=wish, volunteer=v) for v in volunteers]
    return wish, claims


FULFILLED = moment(2026, 4, 5, 17)


def fulfil(world, wish, hours=None, when=FULFILLED):
    with time_machine.travel(when, tick=False):
        return services.wish_fulfil(
            actor=world["worker"], wish=wish, evidence="已送到", volunteer_hours=hours
        )


def test_a_volunteers_fulfilled_wish_is_a_pending_record_counting_once_confirmed(world):
    v = volunteer(world["yinhai"], name="周志愿")
    wish, (claim,) = claimed_by(world, v)
    assert (claim.volunteer, claim.volunteer_name, claim.claimer_masked) == (v, "周志愿", "周*愿")
    wish = fulfil(world, wish, hours="2.5")
    claim.refresh_from_db()
    r = claim.service_record
    assert (r.volunteer, r.state, r.source, r.hours, r.area) == (
        v,
        ServiceRecord.State.PENDING,
        ServiceRecord.Source.WISH,
        Decimal("2.50"),
        world["yinhai"],
    )
    assert (r.started_at, r.ended_at) == (
        moment(2026, 4, 5, 17) - timedelta(hours=2.5),
        moment(2026, 4, 5, 17),
    )
    assert r.content == "微心愿：想要一副老花镜"
    assert volunteering_selectors.volunteer_hours(v) == Decimal("0.00")
    records.confirm(actor=world["worker"], record=r)
    assert volunteering_selectors.volunteer_hours(v) == Decimal("2.50")
    assert volunteering_selectors.confirmed_hours(area_ids=[world["yinhai"].pk], year=2026) == Decimal("2.50")


def test_without_hours_no_record_and_other_claimers_get_none(world):
    m = in_service(world)
    v = volunteer(world["yinhai"])
    wish = published(world, max_claimers=2)
    with time_machine.travel(moment(2026, 4, 2), tick=False):
        services.wish_claim(actor=None, wish=wish, member=m)
        services.wish_claim(actor=world["worker"], wish=wish, volunteer=v)
    fulfil(world, wish)
    assert not ServiceRecord.objects.exists()


def test_hours_by_claim_for_several_volunteers(world):
    a, b = volunteer(world["yinhai"], name="甲一"), volunteer(world["yinhai"], name="乙二")
    wish, (ca, cb) = claimed_by(world, a, b)
    fulfil(world, wish, hours={ca.pk: "1", cb.pk: ""})
    assert [(r.volunteer, r.hours) for r in ServiceRecord.objects.all()] == [(a, Decimal("1.00"))]


def test_a_volunteer_claims_once_and_only_while_active(world):
    v = volunteer(world["yinhai"])
    wish, _ = claimed_by(world, v)
    with time_machine.travel(moment(2026, 4, 2), tick=False), pytest.raises(Refusal, match="已认领"):
        services.wish_claim(actor=world["worker"], wish=wish, volunteer=v)
    Volunteer.objects.filter(pk=v.pk).update(state=Volunteer.State.SUSPENDED)
    v.refresh_from_db()
    other = published(world)
    with time_machine.travel(moment(2026, 4, 2), tick=False), pytest.raises(Refusal, match="不在册"):
        services.wish_claim(actor=world["worker"], wish=other, volunteer=v)
    with pytest.raises(Refusal, match="认领人须为"):
        services.wish_claim(actor=world["worker"], wish=other, volunteer=v, member=in_service(world))


def test_bad_hours_or_an_overlap_refuse_the_fulfilment_whole(world):
    v = volunteer(world["yinhai"])
    wish, _ = claimed_by(world, v)
    with pytest.raises(Refusal, match="24 小时"):
        fulfil(world, wish, hours="30")
    with time_machine.travel(moment(2026, 4, 5, 18), tick=False):
        records.record_manual(
            actor=None, volunteer=v, area=world["yinhai"], started_at=moment(2026, 4, 5, 15),
            ended_at=moment(2026, 4, 5, 16), content="巡逻",
        )  # fmt: skip
    with pytest.raises(Refusal, match="时间重叠"):
        fulfil(world, wish, hours="3")
    wish.refresh_from_db()
    assert wish.state == "claimed" and ServiceRecord.objects.count() == 1
    wish = fulfil(world, wish, hours="1")
    assert wish.state == "fulfilled" and ServiceRecord.objects.count() == 2
