import re

import pytest
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.tickets import services
from tests.tickets.conftest import local
from tests.tickets.helpers import register

T0 = local(2026, 6, 1, 9, 0)


@pytest.fixture
def ticket(world):
    t = register(world, T0, category="property")
    services.ticket_dispatch(ticket=t, actor=world.user("dispatcher"), at=T0)
    return t


def test_login_page_is_chinese_and_the_console_needs_a_login(client):
    assert "工作人员登录" in client.get(reverse("login")).content.decode()
    response = client.get(reverse("console:home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_each_role_sees_its_own_work_queue(client, world, ticket):
    client.force_login(world.user("dispatcher"))
    body = client.get(reverse("console:home")).content.decode()
    assert "待派单" in body and "退单待审核" in body
    client.force_login(world.user("zjj"))
    body = client.get(reverse("console:home")).content.decode()
    assert "待签收" in body and "待派单" not in body


def test_the_ticket_list_is_scoped_and_searchable(client, world, ticket):
    client.force_login(world.user("zjj"))
    assert ticket.number in client.get(reverse("console:tickets"), {"q": ticket.number[-6:]}).content.decode()
    client.force_login(world.user("sc"))
    assert ticket.number not in client.get(reverse("console:tickets")).content.decode()
    assert client.get(reverse("console:ticket", args=[ticket.pk])).status_code == 403


def test_the_ticket_page_masks_the_requester_and_reveals_with_an_audit(client, world, ticket):
    client.force_login(world.user("supervisor"))
    page = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    response = client.post(
        reverse("console:ticket_reveal", args=[ticket.pk]), {"purpose": "核实情况"}, follow=True
    )
    assert "13812345678" in response.content.decode()
    assert AuditEvent.objects.filter(action="pii.reveal", actor=world.user("supervisor")).exists()


def test_a_user_without_a_staff_profile_is_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("resident", password="x-long-password-1"))
    response = client.get(reverse("console:home"))
    assert response.status_code == 403
    assert "没有工作人员身份" in response.content.decode()


def test_attachments_open_for_the_ticket_scope_only_and_each_opening_is_audited(client, world, ticket):
    from django.core.files.base import ContentFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    attachment = services.attachment_add(
        ticket=ticket,
        actor=world.user("zjj"),
        upload=ContentFile(png),
        name="现场.png",
        kind="evidence",
        at=T0,
    )
    url = reverse("console:attachment", args=[attachment.pk])
    client.force_login(world.user("zjj"))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png
    assert AuditEvent.objects.filter(action="attachment.view", actor=world.user("zjj")).exists()
    client.force_login(world.user("sc"))
    assert client.get(url).status_code == 403


def test_the_ticket_page_shows_the_location_on_the_grid(client, world, ticket):
    client.force_login(world.user("dispatcher"))
    body = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert 'id="ticket-map"' in body and "grid-geometry" in body


def test_the_staff_timeline_shows_every_action_by_its_label_never_its_code(client, world, ticket):
    from civicgrid.tickets.models import Event, EventAction

    for action in EventAction:
        Event.objects.create(
            ticket=ticket, at=T0, action=action, from_status=ticket.status, to_status=ticket.status
        )
    client.force_login(world.user("supervisor"))
    body = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    timeline = body[body.index("办理过程") :]
    timeline = timeline[: timeline.index("</ol>")]
    shown = re.findall(r"<strong>(.*?)</strong>", timeline)
    assert len(shown) == ticket.events.count()
    assert {str(label) for label in EventAction.labels} <= set(shown)
    assert "诉求人评价" in shown
    assert not [text for text in shown if re.search(r"[a-z_]{3,}", text)]
    assert not any(re.search(rf"\b{action}\b", timeline) for action in EventAction.values)


def test_every_menu_entry_and_work_queue_links_to_a_built_screen(client, world, rf):
    from civicgrid.console.menu import MENU, menu_for
    from civicgrid.console.views.common import _resolve
    from civicgrid.tickets.selectors import work_queues

    admin = world.user("admin")
    request = rf.get("/console/")
    request.user = admin
    assert [entry.label for entry in menu_for(request)] == [label for _, label, _ in MENU]
    for queue in work_queues(admin):
        assert _resolve(queue.url).startswith("/console/"), queue


def test_the_countdown_takes_its_colour_from_the_assignments_warning_level():
    from datetime import timedelta

    from civicgrid.console.views.common import _countdown
    from civicgrid.tickets.models import Assignment

    due = local(2026, 6, 5, 9, 0)
    a = Assignment(yellow_at=due - timedelta(days=2), red_at=due - timedelta(days=1), due_at=due)
    assert _countdown(a, due - timedelta(days=3)) == ("剩余 3 天", "ok")
    assert _countdown(a, due - timedelta(hours=36)) == ("剩余 36 小时", "yellow")
    a.red_issued_at = due - timedelta(days=1)
    assert _countdown(a, due - timedelta(hours=20)) == ("剩余 20 小时", "red")
    assert _countdown(a, due + timedelta(hours=2)) == ("已超期 2 小时", "overdue")
    assert _countdown(a, due + timedelta(days=3)) == ("已超期 3 天", "overdue")
