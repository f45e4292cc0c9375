from datetime import timedelta

import pytest
import time_machine

from civicgrid.volunteering import qr
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import VolunteerRule
from tests.volunteering.factories import at

pytestmark = pytest.mark.django_db
T0 = at("2026-06-06 09:00:00")  # a slot boundary (Unix time divisible by 30)


def test_token_reads_back_in_its_slot_and_the_next():
    token = qr.make_token(7, qr.CHECK_IN, T0)
    assert qr.read_token(token, T0) == qr.Scan(7, qr.CHECK_IN)
    assert qr.read_token(token, T0 + timedelta(seconds=59)).activity_id == 7
    with pytest.raises(VolunteerRefusal, match="过期"):
        qr.read_token(token, T0 + timedelta(seconds=60))
    with pytest.raises(VolunteerRefusal, match="过期"):
        qr.read_token(token, T0 - timedelta(seconds=1))  # from the future


def test_token_rotates_every_slot():
    assert qr.make_token(7, qr.CHECK_IN, T0) == qr.make_token(7, qr.CHECK_IN, T0 + timedelta(seconds=29))
    assert qr.make_token(7, qr.CHECK_IN, T0) != qr.make_token(7, qr.CHECK_IN, T0 + timedelta(seconds=30))


def test_frozen_clock_rotation():
    with time_machine.travel(T0, tick=False):
        from django.utils import timezone

        first = qr.make_token(3, qr.CHECK_OUT, timezone.now())
        assert qr.seconds_left(timezone.now()) == 30
    with time_machine.travel(T0 + timedelta(seconds=45), tick=False):
        assert qr.read_token(first, timezone.now()).mode == qr.CHECK_OUT
        assert qr.make_token(3, qr.CHECK_OUT, timezone.now()) != first


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace("7.i.", "8.i.", 1),  # another activity
        lambda t: t.replace(".i.", ".o.", 1),  # check-out instead of check-in
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # forged signature
        lambda t: "garbage",
    ],
)
def test_tampered_tokens_are_refused(mangle):
    token = qr.make_token(7, qr.CHECK_IN, T0)
    with pytest.raises(VolunteerRefusal, match="无效"):
        qr.read_token(mangle(token), T0)


def test_rotation_period_is_configuration():
    VolunteerRule.objects.update(is_active=False)
    VolunteerRule.objects.create(version="测试", effective_from=T0.date(), qr_seconds=60)
    token = qr.make_token(7, qr.CHECK_IN, T0)
    assert qr.read_token(token, T0 + timedelta(seconds=119)).activity_id == 7
    with pytest.raises(VolunteerRefusal):
        qr.read_token(token, T0 + timedelta(seconds=120))


def test_svg_is_rendered_on_the_server():
    svg = qr.svg("https://example.org/volunteer/scan/7.i.1.abc/")
    assert svg.startswith("<svg") and "<path" in svg and "签到二维码" in svg
