import pytest

from civicgrid.notify.models import Notification
from civicgrid.notify.services import insert_notifications
from tests.sla.factories import local, make_ticket, make_user

pytestmark = pytest.mark.django_db

AT = local(2026, 3, 2, 9, 30)


def test_insert_notifications_reads_back_like_the_orm_wrote_it():
    a, b = make_user("a"), make_user("b")
    ticket = make_ticket()
    sms = ["sms"]
    count = insert_notifications(
        [
            (a.pk, ticket.pk, "sla_red", "红色预警", "正文", sms),
            (b.pk, ticket.pk, "sla_red", "红色预警", "正文", sms),
            (a.pk, None, "sla_yellow", "黄" * 250, "", []),
        ],
        at=AT,
    )
    assert count == 3
    red = Notification.objects.get(recipient=b)
    assert (red.ticket, red.kind, red.title, red.body) == (ticket, "sla_red", "红色预警", "正文")
    assert (red.channels, red.created_at, red.next_attempt_at) == (["sms"], AT, AT)
    assert (red.read_at, red.delivered_at, red.delivery_error, red.delivery_attempts) == (None, None, "", 0)
    assert red.delivered_channels == []
    yellow = Notification.objects.get(kind="sla_yellow")
    assert yellow.ticket is None and yellow.channels == [] and yellow.next_attempt_at is None
    assert len(yellow.title) == 200


def test_nothing_to_insert():
    assert insert_notifications([], at=AT) == 0
