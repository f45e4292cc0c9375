from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicgrid.tickets import services
from civicgrid.tickets.models import (
    Decision,
    Event,
    ExtensionRequest,
    ReturnRequest,
    Status,
    Ticket,
)
from tests.storage import stored_files
from tests.tickets.helpers import INSIDE_GRID1, handle_to_reply, lead_of, register

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def test_categories(settings):
    # The world fixture seeds its categories under version "test".
    settings.CIVICGRID_CATEGORY_VERSION = "test"


@pytest.fixture
def now():
    return timezone.now()


def as_user(client, world, name):
    client.force_login(world.user(name))
    return client


def intake_data(world, **extra):
    data = {
        "channel": "phone",
        "requester_name": "李四",
        "requester_phone": "13900001111",
        "address": "银海路",
        "title": "楼上卫生间漏水",
        "content": "楼上住户卫生间漏水到我家天花板,多次沟通无果。",
        "request_type": "TS",
        "urgency": "normal",
        "category": str(world.categories["neighbour"].pk),
        "lat": str(INSIDE_GRID1[0]),
        "lon": str(INSIDE_GRID1[1]),
    }
    data.update(extra)
    return data


def written():
    return Ticket.objects.count(), Event.objects.count()


# --- intake ---------------------------------------------------------------------------------------


def test_the_intake_form_lists_leaf_categories_grouped_by_top_level(client, world):
    body = as_user(client, world, "operator").get(reverse("console:intake")).content.decode()
    assert '<optgroup label="测试大类">' in body and "邻里纠纷" in body
    assert "登记并转派单" in body and "hx-get" in body


def test_intake_registers_and_accepts_a_ticket_and_shows_its_number(client, world):
    as_user(client, world, "operator")
    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client.post(
        reverse("console:intake"), {**intake_data(world), "action": "accept", "attachments": [upload]}
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("console:ticket", args=[ticket.pk])
    assert ticket.status == Status.PENDING_DISPATCH
    assert ticket.category == world.categories["neighbour"] and ticket.grid == world.grids[0]
    assert ticket.attachments.get().original_name == "现场.png"
    page = client.get(response["Location"]).content.decode()
    assert ticket.number in page and "已登记，转入待派单" in page


def test_validation_errors_keep_the_form_and_write_nothing(client, world):
    as_user(client, world, "operator")
    before = written()
    response = client.post(
        reverse("console:intake"),
        intake_data(world, title="", requester_phone="12", action="accept", requester_name="王五"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "请填写事件概述" in body and "请填写正确的手机号码或电话号码" in body
    assert 'value="王五"' in body  # what was typed stays, and the point chosen on the map panel
    assert f'name="lat" id="id_lat" value="{INSIDE_GRID1[0]:.6f}"' in body and "银海第1网格" in body
    assert written() == before


def test_a_refused_second_step_rolls_the_registration_back(client, world):
    as_user(client, world, "operator")
    before = written()
    response = client.post(reverse("console:intake"), intake_data(world, category="", action="accept"))
    assert response.status_code == 200
    assert "请先选择业务分类" in response.content.decode()
    assert written() == before


def test_a_bad_attachment_is_shown_and_nothing_is_written(client, world):
    as_user(client, world, "operator")
    before = written()
    fake = SimpleUploadedFile("照片.png", b"not a picture", content_type="image/png")
    response = client.post(
        reverse("console:intake"), {**intake_data(world), "action": "accept", "attachments": [fake]}
    )
    assert "文件内容与扩展名" in response.content.decode()
    assert written() == before


def test_a_bad_second_attachment_leaves_no_file_of_the_first(client, world, settings):
    as_user(client, world, "operator")
    before = written()
    good = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    fake = SimpleUploadedFile("照片.png", b"not a picture", content_type="image/png")
    response = client.post(
        reverse("console:intake"), {**intake_data(world), "action": "accept", "attachments": [good, fake]}
    )
    assert "文件内容与扩展名" in response.content.decode()
    assert written() == before
    assert not stored_files()


def test_register_and_answer_directly(client, world):
    as_user(client, world, "operator")
    response = client.post(
        reverse("console:intake"),
        intake_data(world, request_type="ZX", action="answer", answer="可携带身份证到政务中心办理。"),
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert ticket.status == Status.DIRECT_ANSWERED and ticket.direct_answer.startswith("可携带")
    assert "已登记并直接答复" in response.content.decode()


def test_register_and_answer_without_an_answer_writes_nothing(client, world):
    as_user(client, world, "operator")
    response = client.post(reverse("console:intake"), intake_data(world, action="answer", answer=""))
    assert "请填写答复内容" in response.content.decode()
    assert not Ticket.objects.exists()


def test_register_and_decline_or_transfer(client, world):
    as_user(client, world, "operator")
    client.post(
        reverse("console:intake"),
        intake_data(world, action="decline", outcome="REDIRECT_LEGAL", reason="请向法院起诉"),
    )
    client.post(reverse("console:intake"), intake_data(world, action="transfer", line="119", title="起火"))
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.NOT_ACCEPTED, Status.TRANSFERRED}


def test_register_and_merge_into_a_duplicate(client, world, now):
    master = register(world, now - timedelta(days=2))
    as_user(client, world, "operator")
    page = client.get(
        reverse("console:intake_duplicates"),
        {
            "title": "楼上漏水",
            "content": "楼上卫生间漏水到我家",
            "lat": INSIDE_GRID1[0],
            "lon": INSIDE_GRID1[1],
        },
    ).content.decode()
    assert master.number in page and f'value="merge:{master.pk}"' in page and "同一网格" in page
    response = client.post(
        reverse("console:intake"),
        intake_data(world, action=f"merge:{master.pk}", merge_reason="同一漏水", merge_confirm="on"),
    )
    child = Ticket.objects.exclude(pk=master.pk).get()
    assert response.status_code == 302
    assert child.status == Status.MERGED and child.merged_into == master


def test_check_without_javascript_shows_duplicates_and_the_grid_and_writes_nothing(client, world, now):
    master = register(world, now - timedelta(days=1))
    as_user(client, world, "operator")
    response = client.post(reverse("console:intake"), intake_data(world, action="check"))
    body = response.content.decode()
    assert master.number in body and "银海第1网格" in body
    assert Ticket.objects.count() == 1


def test_the_locate_endpoint_finds_the_grid_of_a_point(client, world):
    as_user(client, world, "operator")
    response = client.get(reverse("console:intake_locate"), {"lat": INSIDE_GRID1[0], "lon": INSIDE_GRID1[1]})
    body = response.content.decode()
    assert "银海第1网格" in body and 'name="lat"' in body
    assert response["HX-Trigger-After-Swap"] == "located"
    bad = client.get(reverse("console:intake_locate"), {"lat": "200", "lon": "110"}).content.decode()
    assert "纬度应在 -90 到 90 之间" in bad


# --- the dispatcher's queues ----------------------------------------------------------------------


def test_the_pending_tab_lists_a_ticket_with_its_routing_decision(client, world, now):
    ticket = register(world, now, category="illegal_building")
    body = as_user(client, world, "dispatcher").get(reverse("console:dispatch")).content.decode()
    assert ticket.number in body and "联合办" in body and "综合执法局" in body and "住建局" in body
    assert "网格办件直派表「第一批」：违章建筑" in body
    assert (
        client.get(reverse("console:dispatch"), {"q": "不存在的"}).content.decode().count(ticket.number) == 0
    )


def test_auto_dispatch_by_post(client, world, now):
    ticket = register(world, now, category="neighbour")
    as_user(client, world, "dispatcher")
    back = reverse("console:dispatch") + "?tab=pending"
    response = client.post(reverse("console:dispatch_auto", args=[ticket.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.lead_unit == world.units["grid1"]
    assert "已按规则派至银海第1网格工作组" in client.get(back).content.decode()


def test_an_off_site_next_is_ignored(client, world, now):
    ticket = register(world, now, category="neighbour")
    as_user(client, world, "dispatcher")
    response = client.post(
        reverse("console:dispatch_auto", args=[ticket.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("console:dispatch_ticket", args=[ticket.pk])


def test_manual_dispatch_without_a_reason_shows_the_error_and_changes_nothing(client, world, now):
    ticket = register(world, now, category="property")
    as_user(client, world, "dispatcher")
    response = client.post(
        reverse("console:dispatch_manual", args=[ticket.pk]), {"lead": world.units["sc"].pk}, follow=True
    )
    assert "人工派单须填写理由" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH and not ticket.assignments.exists()


def test_manual_dispatch_to_a_grid_of_a_department_matter_shows_the_guard(client, world, now):
    ticket = register(world, now, category="property")
    as_user(client, world, "dispatcher")
    response = client.post(
        reverse("console:dispatch_manual", args=[ticket.pk]),
        {"lead": world.units["grid1"].pk, "reason": "就近处理"},
        follow=True,
    )
    assert "不得派给 银海第1网格工作组" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH


def test_manual_dispatch_with_co_units(client, world, now):
    ticket = register(world, now, category="property")
    as_user(client, world, "dispatcher")
    client.post(
        reverse("console:dispatch_manual", args=[ticket.pk]),
        {"lead": world.units["sc"].pk, "co_units": [world.units["zjj"].pk], "reason": "涉及市场主体"},
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.lead_unit == world.units["sc"]
    assert ticket.dispatch_mode == "joint"


def test_the_ticket_page_accepts_a_received_ticket_and_merges_by_number(client, world, now):
    master = register(world, now)
    received = register(world, now, category=None)
    as_user(client, world, "operator")
    page = client.get(reverse("console:dispatch_ticket", args=[received.pk])).content.decode()
    assert "确认分类并转派单" in page and master.number in page
    assert reverse("console:dispatch_manual", args=[received.pk]) not in page
    client.post(
        reverse("console:dispatch_accept", args=[received.pk]), {"category": world.categories["neighbour"].pk}
    )
    received.refresh_from_db()
    assert received.status == Status.PENDING_DISPATCH
    response = client.post(
        reverse("console:merge", args=[received.pk]),
        {"master": "19990101-000001", "reason": "同一漏水", "confirm": "on"},
        follow=True,
    )
    assert "未找到工单 19990101-000001" in response.content.decode()
    client.post(
        reverse("console:merge", args=[received.pk]),
        {"master": master.number, "reason": "同一漏水", "confirm": "on"},
    )
    received.refresh_from_db()
    assert received.status == Status.MERGED and received.merged_into == master


def dispatched(world, now, category="property"):
    ticket = register(world, now, category=category)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=now)
    return ticket


def test_return_approve_with_redispatch_and_reject(client, world, now):
    first, second = dispatched(world, now), dispatched(world, now)
    for ticket in (first, second):
        services.return_request(
            assignment=lead_of(ticket), actor=world.user("zjj"), reason="不属本单位", legal_basis="三定方案"
        )
    as_user(client, world, "dispatcher")
    body = client.get(reverse("console:dispatch"), {"tab": "returns"}).content.decode()
    assert first.number in body and "三定方案" in body
    approve = ReturnRequest.objects.get(assignment__ticket=first)
    client.post(
        reverse("console:return_decide", args=[approve.pk]),
        {"decision": "approve", "redispatch_to": world.units["sc"].pk},
    )
    first.refresh_from_db()
    assert first.status == Status.DISPATCHED and first.lead_unit == world.units["sc"]

    reject = ReturnRequest.objects.get(assignment__ticket=second)
    response = client.post(
        reverse("console:return_decide", args=[reject.pk]), {"decision": "reject"}, follow=True
    )
    assert "不同意退单时请说明理由" in response.content.decode()
    reject.refresh_from_db()
    assert reject.decision == Decision.PENDING
    client.post(
        reverse("console:return_decide", args=[reject.pk]), {"decision": "reject", "note": "属于住建职责"}
    )
    reject.refresh_from_db()
    second.refresh_from_db()
    assert reject.decision == Decision.REJECTED and second.status == Status.DISPATCHED


def test_extension_approve(client, world, now):
    ticket = dispatched(world, now)
    lead = lead_of(ticket)
    services.assignment_sign(assignment=lead, actor=world.user("zjj"))
    services.extension_request(assignment=lead, actor=world.user("zjj"), days=3, reason="需要检测")
    as_user(client, world, "dispatcher")
    assert "需要检测" in client.get(reverse("console:dispatch"), {"tab": "extensions"}).content.decode()
    extension = ExtensionRequest.objects.get()
    response = client.post(
        reverse("console:extension_decide", args=[extension.pk]), {"decision": "approve"}, follow=True
    )
    extension.refresh_from_db()
    assert extension.decision == Decision.APPROVED
    assert "已同意延期" in response.content.decode()


def test_review_pass_and_send_back(client, world, now):
    passed, failed = dispatched(world, now), dispatched(world, now)
    for ticket in (passed, failed):
        handle_to_reply(world, ticket, now, "zjj")
    as_user(client, world, "dispatcher")
    body = client.get(reverse("console:dispatch"), {"tab": "review"}).content.decode()
    assert passed.number in body and "已处理完毕" in body
    client.post(reverse("console:review", args=[passed.pk]), {"decision": "approve"})
    response = client.post(reverse("console:review", args=[failed.pk]), {"decision": "reject"}, follow=True)
    assert "退回补充时请说明需要补充的内容" in response.content.decode()
    client.post(reverse("console:review", args=[failed.pk]), {"decision": "reject", "note": "请补充现场照片"})
    passed.refresh_from_db()
    failed.refresh_from_db()
    assert passed.status == Status.PENDING_CALLBACK and failed.status == Status.IN_PROGRESS


# --- access -----------------------------------------------------------------------------------------

PAGES = {
    "console:intake": ((), ["zjj", "worker1", "callback"]),
    "console:intake_duplicates": ((), ["zjj", "worker1", "callback"]),
    "console:intake_locate": ((), ["zjj", "worker1", "callback"]),
    "console:dispatch": ((), ["zjj", "worker1", "callback", "operator"]),
    "console:dispatch_ticket": (("ticket",), ["zjj", "worker1", "callback", "supervisor"]),
}
POSTS = {
    "console:dispatch_accept": ("ticket", ["zjj", "worker1", "callback"]),
    "console:dispatch_auto": ("ticket", ["zjj", "worker1", "callback", "operator"]),
    "console:dispatch_manual": ("ticket", ["zjj", "worker1", "callback", "operator"]),
    "console:merge": ("ticket", ["zjj", "worker1", "callback"]),
    "console:review": ("ticket", ["zjj", "worker1", "callback", "operator"]),
    "console:return_decide": ("return", ["zjj", "worker1", "callback", "operator"]),
    "console:extension_decide": ("extension", ["zjj", "worker1", "callback", "operator"]),
}


@pytest.fixture
def targets(world, now):
    ticket = dispatched(world, now)
    lead = lead_of(ticket)
    services.assignment_sign(assignment=lead, actor=world.user("zjj"))
    extension = services.extension_request(assignment=lead, actor=world.user("zjj"), days=2, reason="检测")
    returned = services.return_request(
        assignment=lead_of(dispatched(world, now)),
        actor=world.user("zjj"),
        reason="非本单位",
        legal_basis="三定",
    )
    return {"ticket": ticket.pk, "return": returned.pk, "extension": extension.pk}


@pytest.mark.parametrize("name", PAGES)
def test_pages_refuse_other_roles_and_send_anonymous_users_to_login(client, world, targets, name):
    args, refused = PAGES[name]
    url = reverse(name, args=[targets[a] for a in args])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for user in refused:
        assert as_user(client, world, user).get(url).status_code == 403, user
    assert as_user(client, world, "admin").get(url).status_code == 200


@pytest.mark.parametrize("name", POSTS)
def test_post_endpoints_refuse_other_roles_anonymous_users_and_get(client, world, targets, name):
    target, refused = POSTS[name]
    url = reverse(name, args=[targets[target]])
    before = written()
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for user in refused:
        assert as_user(client, world, user).post(url, {"decision": "approve"}).status_code == 403, user
    assert as_user(client, world, "dispatcher").get(url).status_code == 405
    assert written() == before


def test_the_operator_may_open_the_ticket_page_but_sees_no_dispatch_buttons(client, world, now):
    ticket = register(world, now)
    body = (
        as_user(client, world, "operator").get(reverse("console:dispatch_ticket", args=[ticket.pk])).content
    )
    assert "按规则派单" not in body.decode() and "派单由派单员操作" in body.decode()


def test_csrf_is_enforced(world, now):
    ticket = register(world, now)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.user("dispatcher"))
    assert strict.post(reverse("console:dispatch_auto", args=[ticket.pk])).status_code == 403
    assert strict.post(reverse("console:intake"), intake_data(world, action="accept")).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH and Ticket.objects.count() == 1
