"""The console's correction form, merge with reason and confirmation, merge undo, and the caller history."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from civicgrid.tickets import services
from civicgrid.tickets.models import Event, EventAction, Status, Ticket
from tests.tickets.helpers import lead_of, register

INSIDE_GRID2 = (19.205, 110.415)


@pytest.fixture(autouse=True)
def test_categories(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"


@pytest.fixture
def now():
    return timezone.now()


def login(client, world, name):
    client.force_login(world.user(name))
    return client


def correct_url(ticket):
    return reverse("console:correct", args=[ticket.pk])


def page(client, ticket) -> str:
    return client.get(reverse("console:dispatch_ticket", args=[ticket.pk])).content.decode()


# --- corrections ----------------------------------------------------------------------------------


def test_a_web_ticket_without_a_grid_is_located_from_the_dispatch_page(client, world, now):
    # The walk: /console/dispatch/3001/ said 「未定位到网格」 and offered no way to fix it.
    ticket = register(world, now, category=None, channel="web", actor=None, lat=None, lon=None)
    login(client, world, "operator")
    html = page(client, ticket)
    assert "更正登记信息" in html and "未定位到网格" in html and 'id="intake-map"' in html
    response = client.post(
        correct_url(ticket),
        {
            "address": "银海路 8 号",
            "relocate": "on",
            "lat": INSIDE_GRID2[0],
            "lon": INSIDE_GRID2[1],
            "occurred_at": "2026-01-05T08:00",
            "request_type": ticket.request_type,
        },
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.grid == world.grids[1] and ticket.address == "银海路 8 号"
    assert ticket.occurred_at.astimezone().strftime("%Y-%m-%d %H:%M") == "2026-01-05 08:00"
    html = response.content.decode()
    assert f"工单 {ticket.number} 已更正" in html and "网格「未定位」→「银海第2网格」" in html
    actions = set(ticket.events.values_list("action", flat=True))
    assert {EventAction.LOCATION_CORRECTED, EventAction.OCCURRED_AT_CORRECTED} <= actions


def test_a_new_category_shows_the_new_proposal(client, world, now):
    ticket = register(world, now, category="property")
    login(client, world, "dispatcher")
    response = client.post(
        correct_url(ticket),
        {"address": "", "category": world.categories["illegal_building"].pk, "request_type": "TS"},
        follow=True,
    )
    html = response.content.decode()
    assert "新的派单建议：联合办：综合执法局（协办：住建局" in html
    ticket.refresh_from_db()
    assert ticket.category == world.categories["illegal_building"]
    assert (
        "综合执法局" in html
        and "更正业务分类" in client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    )


def test_after_sign_off_the_page_shows_the_current_proposal_and_an_operator_is_refused(client, world, now):
    ticket = register(world, now, category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=now)
    services.assignment_sign(assignment=lead_of(ticket), actor=world.user("zjj"), at=now)
    login(client, world, "operator")
    assert "更正登记信息" not in page(client, ticket)
    response = client.post(correct_url(ticket), {"request_type": "QZ", "reason": "来电人更正"}, follow=True)
    assert "无权在承办单位签收后更正诉求类型" in response.content.decode()
    login(client, world, "dispatcher")
    html = page(client, ticket)
    assert "更正登记信息" in html and 'data-testid="current-proposal"' in html
    response = client.post(correct_url(ticket), {"request_type": "QZ"}, follow=True)
    assert "须填写理由" in response.content.decode()
    client.post(correct_url(ticket), {"request_type": "QZ", "reason": "来电人更正"})
    ticket.refresh_from_db()
    assert ticket.request_type == "QZ" and ticket.status == Status.IN_PROGRESS


def test_bad_input_to_the_correction_form_never_errs(client, world, now):
    ticket = register(world, now)
    login(client, world, "operator")
    for data in (
        {"occurred_at": "0001-01-01 00:00"},
        {"occurred_at": "9999-12-31 23:59"},
        {"lat": "200", "lon": "110"},
        {"category": "99999999999999999999999"},
        {"address": "无此地名", "relocate": "on"},
        {},
    ):
        back = reverse("console:dispatch_ticket", args=[ticket.pk])
        response = client.post(correct_url(ticket), {**data, "next": back}, follow=True)
        assert response.status_code == 200 and response.redirect_chain[-1][0] == back, data
    assert not ticket.events.exclude(action__in=[EventAction.REGISTERED, EventAction.ACCEPTED]).exists()


def test_handlers_cannot_post_corrections(client, world, now):
    ticket = register(world, now)
    login(client, world, "zjj")
    response = client.post(correct_url(ticket), {"request_type": "ZX"})
    assert response.status_code in (302, 403)
    ticket.refresh_from_db()
    assert ticket.request_type == "TS"


# --- merge: reason, confirmation, undo ------------------------------------------------------------


def test_merge_from_the_ticket_page_asks_for_a_reason_and_a_confirmation(client, world, now):
    # The walk: 「并入此单」 merged with one click, no confirmation, no reason.
    master = register(world, now)
    ticket = register(world, now, category=None)
    login(client, world, "operator")
    html = page(client, ticket)
    assert "确认并单" in html and 'name="confirm"' in html and "我已核对" in html
    url = reverse("console:merge", args=[ticket.pk])
    for data, message in (
        ({"master": master.number}, "并单须填写理由"),
        ({"master": master.number, "reason": "同一漏水"}, "请勾选确认是同一诉求后再并单"),
    ):
        response = client.post(url, data, follow=True)
        assert message in response.content.decode()
        ticket.refresh_from_db()
        assert ticket.status == Status.RECEIVED
    client.post(url, {"master": master.number, "reason": "同一漏水", "confirm": "on"})
    ticket.refresh_from_db()
    assert ticket.status == Status.MERGED and ticket.triage_reason == "同一漏水"


def test_merge_at_intake_asks_for_a_reason_and_a_confirmation(client, world, now):
    from tests.console.test_dispatching import intake_data

    master = register(world, now - timedelta(days=1))
    login(client, world, "operator")
    response = client.post(reverse("console:intake"), intake_data(world, action=f"merge:{master.pk}"))
    html = response.content.decode()
    assert "并单须填写理由" in html and "请勾选确认是同一诉求后再并单" in html
    assert Ticket.objects.count() == 1


def test_the_centre_undoes_a_merge_from_the_ticket_page_within_24_hours(client, world, now):
    master = register(world, now)
    ticket = register(world, now)
    services.ticket_merge(ticket=ticket, master=master, actor=world.user("operator"), reason="重复", at=now)
    login(client, world, "operator")
    assert "撤销并单" not in page(client, ticket)  # operators merge; the centre undoes
    login(client, world, "dispatcher")
    assert "撤销并单" in page(client, ticket)
    url = reverse("console:merge_undo", args=[ticket.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "撤销理由" in response.content.decode()
    response = client.post(url, {"reason": "不同楼栋"}, follow=True)
    assert f"已撤销工单 {ticket.number} 并入 {master.number}，恢复为「待派单」" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH and ticket.merged_into is None


def test_after_24_hours_the_undo_is_gone_from_the_page_and_refused(client, world, now):
    master = register(world, now)
    ticket = register(world, now)
    services.ticket_merge(ticket=ticket, master=master, actor=world.user("operator"), reason="重复", at=now)
    login(client, world, "dispatcher")
    with time_machine.travel(now + timedelta(hours=25)):
        assert "撤销并单" not in page(client, ticket)
        response = client.post(
            reverse("console:merge_undo", args=[ticket.pk]), {"reason": "不同楼栋"}, follow=True
        )
        assert "并单已超过 24 小时" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.MERGED


# --- caller history -------------------------------------------------------------------------------


def test_the_caller_history_lists_earlier_tickets_and_flags_a_repeat_caller(client, world, now):
    for days in (1, 5, 12, 40):
        register(world, now - timedelta(days=days), requester_phone="138-1234-5678")
    register(world, now, requester_phone="13900000000")
    register(world, now, requester_phone="13812345678", is_anonymous=True)
    login(client, world, "operator")
    html = client.get(reverse("console:intake_caller"), {"requester_phone": "13812345678"}).content.decode()
    assert "重复来电" in html and "该号码共有 4 件工单，近 30 天 3 件" in html
    assert "13900000000" not in html
    quiet = client.get(reverse("console:intake_caller"), {"requester_phone": "13900000000"}).content.decode()
    assert "重复来电" not in quiet and "共有 1 件工单" in quiet
    nobody = client.get(reverse("console:intake_caller"), {"requester_phone": "0898-66668888"}).content
    assert "该号码此前没有工单" in nobody.decode()
    assert client.get(reverse("console:intake_caller"), {"requester_phone": "123"}).content.strip() == b""


def test_the_caller_history_is_on_the_intake_page_and_closed_to_units(client, world, now):
    login(client, world, "operator")
    html = client.get(reverse("console:intake")).content.decode()
    assert reverse("console:intake_caller") in html and 'id="caller-panel"' in html
    assert "input changed delay:500ms from:#id_address" in html and "keyup" not in html
    login(client, world, "zjj")
    response = client.get(reverse("console:intake_caller"), {"requester_phone": "13812345678"})
    assert response.status_code in (302, 403)


def test_the_caller_history_masks_names_as_the_users_scope_requires(world, now):
    from civicgrid.tickets.callers import caller_history

    register(world, now - timedelta(days=1), requester_phone="13812345678", requester_name="张三丰")
    history = caller_history(world.user("operator"), "13812345678", now=now)
    ((ticket, requester),) = history.tickets
    from civicgrid.tickets.selectors import requester_for

    assert requester == requester_for(world.user("operator"), ticket)
    assert history.phone == "138****5678"
    assert caller_history(world.user("outsider"), "13812345678", now=now).total == 0


def test_every_correction_event_has_a_chinese_label():
    for code in (
        EventAction.LOCATION_CORRECTED,
        EventAction.ADDRESS_CORRECTED,
        EventAction.OCCURRED_AT_CORRECTED,
        EventAction.CATEGORY_CORRECTED,
        EventAction.REQUEST_TYPE_CORRECTED,
        EventAction.MERGE_UNDONE,
        EventAction.MERGE_UNDONE_MASTER,
    ):
        assert Event(action=code).label != "其他操作"
