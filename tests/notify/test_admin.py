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


def test_sms_templates_are_edited_in_the_admin_with_the_length_check(admin_client, settings):
    from civicgrid.core.models import AuditEvent
    from civicgrid.notify.models import SmsTemplate

    listing = admin_client.get(reverse("admin:notify_smstemplate_changelist"))
    assert listing.status_code == 200
    assert "短信模板" in listing.content.decode()
    template = SmsTemplate.objects.get(key="closed")
    page = admin_client.get(reverse("admin:notify_smstemplate_change", args=[template.pk]))
    assert "服务商模板编号" in page.content.decode()
    assert "最长时的短信" in page.content.decode()
    data = {
        "key": "closed",
        "name": "已办结",
        "provider_code": "SMS_CG_CLOSED_2",
        "text": "您的诉求（工单号{number}）已办结。" + "谢" * 200,
        "param_limits": '{"number": 15}',
        "version": "第二版",
        "effective_from": "2027-01-01",
        "is_active": "on",
    }
    refused = admin_client.post(reverse("admin:notify_smstemplate_add"), data)
    assert refused.status_code == 200
    assert "超过 3 条短信的长度上限" in refused.content.decode()
    data["text"] = "您的诉求（工单号{number}）已办结。"
    assert admin_client.post(reverse("admin:notify_smstemplate_add"), data).status_code == 302
    assert SmsTemplate.objects.filter(key="closed").count() == 2
    assert AuditEvent.objects.filter(action="admin.add", target_type="notify.smstemplate").exists()


def test_sms_messages_show_a_masked_phone_and_are_read_only(admin_client):
    from civicgrid.notify.sms import enqueue

    message = enqueue(phone="13800138000", template="closed", params={"number": "1", "link": "x"}, key="k")
    listing = admin_client.get(reverse("admin:notify_smsmessage_changelist")).content.decode()
    assert "138****8000" in listing and "13800138000" not in listing
    page = admin_client.get(reverse("admin:notify_smsmessage_change", args=[message.pk])).content.decode()
    assert "13800138000" not in page
    assert admin_client.get(reverse("admin:notify_smsmessage_add")).status_code == 403


def test_an_opt_out_added_and_removed_in_the_admin_goes_through_the_service(admin_client):
    from civicgrid.core.models import AuditEvent
    from civicgrid.notify.models import SmsOptOut

    response = admin_client.post(
        reverse("admin:notify_smsoptout_add"), {"phone": "+86 138 0013 8000", "note": "来电要求"}
    )
    assert response.status_code == 302
    row = SmsOptOut.objects.get()
    assert (row.phone, row.source) == ("13800138000", SmsOptOut.Source.ADMIN)
    admin_client.post(reverse("admin:notify_smsoptout_delete", args=[row.pk]), {"post": "yes"})
    assert not SmsOptOut.objects.exists()
    assert list(AuditEvent.objects.filter(action__startswith="sms.").values_list("action", flat=True)) == [
        "sms.opt_in",
        "sms.opt_out",
    ]
