"""The console pages: who sees them, the explanation, confirmed actions, audited exports."""

from datetime import date
from io import BytesIO

import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from civicgrid.core.models import AuditEvent
from civicgrid.hotspots.models import Alert, HotspotAction
from civicgrid.tickets.models import Ticket
from tests.hotspots.factories import moment, ticket

PERIOD = "from=2026-03-01&to=2026-03-31"


def _hotspot(world):
    for k in range(3):
        ticket(world, moment(2026, 3, 2 + k), title="椰林花园小区烧烤摊油烟扰民", name="王小明")


def test_list_detail_and_export(client, world):
    _hotspot(world)
    client.force_login(world["leader"])
    page = client.get(reverse("console:hotspots") + "?" + PERIOD)
    assert page.status_code == 200
    text = page.content.decode()
    assert "椰林花园" in text and "热度" in text and "王小明" not in text
    issue = page.context["issues"][0]
    detail = client.get(reverse("console:hotspot") + "?" + issue.query)
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "示例工单" in body and reverse("console:ticket", args=[issue.ticket_ids[-1]]) in body
    assert "列入重点督办" in body
    export = client.get(reverse("console:hotspots_export") + "?" + PERIOD)
    sheet = load_workbook(BytesIO(export.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any("椰林花园" in str(v) for v in values)
    assert AuditEvent.objects.filter(action="export.hotspots", actor=world["leader"]).exists()


def test_empty_period(client, world):
    client.force_login(world["supervisor"])
    page = client.get(reverse("console:hotspots") + "?from=2026-01-01&to=2026-01-31")
    assert "本期无热点问题" in page.content.decode()


def test_handlers_and_operators_are_refused(client, world):
    for who in ("zjj", "operator"):
        client.force_login(world[who])
        assert client.get(reverse("console:hotspots")).status_code == 403
        assert client.get(reverse("console:hotspot_alerts")).status_code == 403


def test_a_dispatcher_sees_but_may_not_act(client, world):
    _hotspot(world)
    client.force_login(world["dispatcher"])
    issue = client.get(reverse("console:hotspots") + "?" + PERIOD).context["issues"][0]
    assert "列入重点督办" not in client.get(reverse("console:hotspot") + "?" + issue.query).content.decode()
    url = reverse("console:hotspot_act", args=["key_list"]) + "?" + issue.query
    assert client.get(url).status_code == 403
    assert client.post(url, {"note": "x"}).status_code == 403
    assert not Ticket.objects.filter(on_key_list=True).exists()


def test_key_list_is_confirmed_then_done(client, world):
    _hotspot(world)
    client.force_login(world["supervisor"])
    issue = client.get(reverse("console:hotspots") + "?" + PERIOD).context["issues"][0]
    url = reverse("console:hotspot_act", args=["key_list"]) + "?" + issue.query
    confirm = client.get(url)
    assert confirm.status_code == 200 and "确认列入重点督办" in confirm.content.decode()
    assert not Ticket.objects.filter(on_key_list=True).exists()  # nothing done before the confirmation
    done = client.post(url, {"note": "同一小区反复投诉"})
    assert done.status_code == 302
    assert Ticket.objects.filter(on_key_list=True).count() == 3
    assert HotspotAction.objects.get().kind == "key_list"


def test_alerts_page_and_action_from_an_alert(client, world):
    _hotspot(world)
    alert = Alert.objects.create(
        key="k", label="椰林花园：油烟", day=date(2026, 3, 4), raised_at=moment(2026, 3, 4, 20), size=3,
        observed=3, expected=0.5, p_value=0.01, explanation="3月4日受理3件",
    )  # fmt: skip
    alert.tickets.set(Ticket.objects.all())
    client.force_login(world["leader"])
    with time_machine.travel(moment(2026, 3, 20), tick=False):
        page = client.get(reverse("console:hotspot_alerts"))
    assert "椰林花园：油烟" in page.content.decode()
    url = reverse("console:hotspot_act", args=["key_list"]) + f"?alert={alert.pk}"
    assert client.post(url, {"alert": alert.pk}).status_code == 302
    assert HotspotAction.objects.get().alert == alert
    export = client.get(reverse("console:hotspot_alerts_export") + "?" + PERIOD)
    assert load_workbook(BytesIO(export.content)).active.max_row >= 2
    assert AuditEvent.objects.filter(action="export.hotspot_alerts").exists()
