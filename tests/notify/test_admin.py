import pytest
from django.urls import reverse

from civicgrid.notify.services import notify
from tests.sla.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    user = make_user("handler")
    notify(recipients=[user], kind="sla_yellow", title="黄色预警:工单 20260302-000001 办理时限将至")
    notify(recipients=[user], kind="sla_red", title="红色预警:工单 20260302-000002", channels=["sms"])


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({}, 2),
        ({"kind": "sla_red"}, 1),
        ({"read": "no"}, 2),
        ({"read": "yes"}, 0),
        ({"delivered": "pending"}, 1),
        ({"delivered": "none"}, 1),
        ({"delivered": "yes"}, 0),
        ({"delivered": "failed"}, 0),
        ({"q": "黄色"}, 1),
    ],
)
def test_notification_list_filters(admin_client, rows, query, shown):
    response = admin_client.get(reverse("admin:notify_notification_changelist"), query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == shown
    assert "消息通知" in response.content.decode()


def test_notifications_are_read_only(admin_client, rows):
    from civicgrid.notify.models import Notification

    row = Notification.objects.first()
    assert admin_client.get(reverse("admin:notify_notification_add")).status_code == 403
    page = admin_client.get(reverse("admin:notify_notification_change", args=[row.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = admin_client.post(reverse("admin:notify_notification_change", args=[row.pk]), {"title": "改"})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.title != "改"
