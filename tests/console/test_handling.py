"""The handling screens: unit inbox and work page, callback desk, supervision board."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicgrid.tickets import services
from civicgrid.tickets.models import (
    Assignment,
    Attachment,
    Callback,
    Event,
    ExtensionRequest,
    ReturnRequest,
    Status,
    Supervision,
    Ticket,
)
from tests.storage import stored_files
from tests.tickets.conftest import local
from tests.tickets.helpers import cos_of, handle_to_reply, lead_of, register

T0 = local(2026, 6, 1, 9, 0)  # a Monday
NOW = T0 + timedelta(hours=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _clock():
    # The views act "now"; deadlines and return windows are counted from T0.
    with time_machine.travel(NOW, tick=False):
        yield


def dispatched(world, category):
    ticket = register(world, T0, category=category)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def zjj_ticket(world):
    return dispatched(world, "property")  # 住建局 leads


@pytest.fixture
def grid_ticket(world):
    return dispatched(world, "neighbour")  # straight to grid 1's team


@pytest.fixture
def joint_ticket(world):
    return dispatched(world, "illegal_building")  # 综合执法局 leads, 住建局 co-handles


def pending_callback(world, category="property", handler="zjj"):
    ticket = dispatched(world, category)
    handle_to_reply(world, ticket, T0, handler)
    services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0)
    return Ticket.objects.get(pk=ticket.pk)


def co_of(world, ticket, unit):
    return next(a for a in cos_of(ticket) if a.unit == world.units[unit])


def login(client, world, name):
    client.force_login(world.user(name))
    return client


def page(client, name, *args, **params):
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response


def texts(response) -> str:
    return response.content.decode()


def message_texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def post(client, name, pk, data=None, **kw):
    return client.post(reverse(name, args=[pk]), data or {}, follow=True, **kw)


class TestInbox:
    def test_tabs_list_the_units_own_assignments_with_counts(
        self, client, world, zjj_ticket, joint_ticket, grid_ticket
    ):
        login(client, world, "zjj")
        response = page(client, "console:inbox")
        body = texts(response)
        assert zjj_ticket.number in body and joint_ticket.number in body
        assert grid_ticket.number not in body
        assert "主办" in body and "协办" in body
        counts = {t.key: t.count for t in response.context["tabs"]}
        assert counts == {"sign": 2, "doing": 0, "warned": 0, "overdue": 0, "returned": 0}

        services.assignment_sign(assignment=lead_of(zjj_ticket), actor=world.user("zjj"))
        co = co_of(world, joint_ticket, "zjj")
        Assignment.objects.filter(pk=co.pk).update(yellow_issued_at=NOW)
        assert zjj_ticket.number in texts(page(client, "console:inbox", tab="doing"))
        warned = texts(page(client, "console:inbox", tab="warned"))
        assert joint_ticket.number in warned and zjj_ticket.number not in warned
        Assignment.objects.filter(pk=co.pk).update(overdue_issued_at=NOW)
        overdue = page(client, "console:inbox", tab="overdue")
        assert joint_ticket.number in texts(overdue)
        assert joint_ticket.number not in texts(page(client, "console:inbox", tab="warned"))
        assert {t.key: t.count for t in overdue.context["tabs"]}["overdue"] == 1

    def test_search_by_number_or_title(self, client, world, zjj_ticket, joint_ticket):
        login(client, world, "zjj")
        body = texts(page(client, "console:inbox", q=zjj_ticket.number))
        assert zjj_ticket.number in body and joint_ticket.number not in body
        assert zjj_ticket.number in texts(page(client, "console:inbox", q="漏水"))
        assert zjj_ticket.number not in texts(page(client, "console:inbox", q="没有这个标题"))

    def test_the_grid_worker_sees_only_the_grid_teams_work(self, client, world, zjj_ticket, grid_ticket):
        login(client, world, "worker1")
        body = texts(page(client, "console:inbox"))
        assert grid_ticket.number in body and zjj_ticket.number not in body
        assert "签收" in body

    def test_one_click_sign_from_the_inbox(self, client, world, grid_ticket):
        login(client, world, "worker1")
        lead = lead_of(grid_ticket)
        inbox = reverse("console:inbox") + "?tab=sign"
        response = client.post(reverse("console:assignment_sign", args=[lead.pk]), {"next": inbox})
        assert response.status_code == 302 and response["Location"] == inbox
        lead.refresh_from_db()
        assert lead.state == Assignment.State.IN_PROGRESS and lead.signed_by == world.user("worker1")
        assert Ticket.objects.get(pk=grid_ticket.pk).status == Status.IN_PROGRESS

    def test_an_offsite_next_is_ignored(self, client, world, grid_ticket):
        login(client, world, "worker1")
        lead = lead_of(grid_ticket)
        response = client.post(
            reverse("console:assignment_sign", args=[lead.pk]), {"next": "https://evil.example/"}
        )
        assert response["Location"] == reverse("console:assignment", args=[lead.pk])


class TestAssignmentPage:
    def test_the_page_shows_the_requester_deadlines_and_the_forms_of_the_state(
        self, client, world, zjj_ticket
    ):
        login(client, world, "zjj")
        lead = lead_of(zjj_ticket)
        body = texts(page(client, "console:assignment", lead.pk))
        assert "13812345678" in body  # handlers see the phone of a non-confidential ticket
        assert "签收时限" in body and "剩余" in body
        assert reverse("console:assignment_sign", args=[lead.pk]) in body
        assert reverse("console:assignment_return", args=[lead.pk]) in body
        assert reverse("console:assignment_reply", args=[lead.pk]) not in body
        services.assignment_sign(assignment=lead, actor=world.user("zjj"))
        body = texts(page(client, "console:assignment", lead.pk))
        for action in ("contact", "reply", "extension", "return", "escalate"):
            assert reverse(f"console:assignment_{action}", args=[lead.pk]) in body
        assert reverse("console:assignment_co_reply", args=[lead.pk]) not in body

    def test_a_confidential_ticket_hides_the_requester_from_the_unit(self, client, world):
        ticket = register(world, T0, category="property", is_confidential=True)
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        lead = lead_of(ticket)
        login(client, world, "zjj")
        body = texts(page(client, "console:assignment", lead.pk))
        assert "13812345678" not in body and "三方通话" in body
        services.assignment_sign(assignment=lead, actor=world.user("zjj"))
        response = post(client, "console:assignment_contact", lead.pk, {"method": "phone"})
        assert "保密工单须经 12345 三方通话联系诉求人" in message_texts(response)
        lead.refresh_from_db()
        assert lead.first_contacted_at is None

    def test_sign_contact_and_reply_with_evidence(self, client, world, zjj_ticket):
        login(client, world, "zjj")
        lead = lead_of(zjj_ticket)
        assert "已签收工单" in texts(post(client, "console:assignment_sign", lead.pk))
        response = post(
            client, "console:assignment_contact", lead.pk, {"method": "phone", "note": "已电话沟通"}
        )
        assert "已记录联系诉求人情况" in texts(response)
        lead.refresh_from_db()
        assert (lead.first_contact_method, lead.first_contact_note) == ("phone", "已电话沟通")

        photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
        response = post(
            client,
            "console:assignment_reply",
            lead.pk,
            {"result_code": "solved", "text": "已协调物业维修", "evidence": [photo]},
        )
        assert "已答复" in texts(response)
        zjj_ticket.refresh_from_db()
        assert (zjj_ticket.status, zjj_ticket.reply_text) == (Status.REPLIED, "已协调物业维修")
        evidence = Attachment.objects.get()
        assert (evidence.kind, evidence.assignment_id, evidence.original_name) == (
            "evidence",
            lead.pk,
            "现场.png",
        )
        assert evidence.file.storage.exists(evidence.file.name)
        assert Event.objects.get(ticket=zjj_ticket, action="replied").payload["evidence"] == [evidence.pk]
        assert "现场.png" in texts(page(client, "console:assignment", lead.pk))

    def test_a_bad_upload_writes_nothing_and_says_why(self, client, world, zjj_ticket, settings):
        lead = lead_of(zjj_ticket)
        services.assignment_sign(assignment=lead, actor=world.user("zjj"))
        services.assignment_first_contact(assignment=lead, actor=world.user("zjj"), method="phone")
        events = Event.objects.count()
        login(client, world, "zjj")
        response = post(
            client,
            "console:assignment_reply",
            lead.pk,
            {
                "result_code": "solved",
                "text": "已处理",
                "evidence": [
                    SimpleUploadedFile("ok.png", PNG, content_type="image/png"),
                    SimpleUploadedFile("a.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
                ],
            },
        )
        assert any("不支持的文件类型「.exe」" in m for m in message_texts(response))
        assert not Attachment.objects.exists()
        assert Event.objects.count() == events
        assert Ticket.objects.get(pk=zjj_ticket.pk).status == Status.IN_PROGRESS
        assert not stored_files()

    def test_a_refused_reply_shows_the_service_message(self, client, world, zjj_ticket):
        lead = lead_of(zjj_ticket)
        services.assignment_sign(assignment=lead, actor=world.user("zjj"))
        login(client, world, "zjj")
        response = post(client, "console:assignment_reply", lead.pk, {"result_code": "solved", "text": "好"})
        assert "答复前须先联系诉求人并记录首次联系" in message_texts(response)
        assert Ticket.objects.get(pk=zjj_ticket.pk).status == Status.IN_PROGRESS

    def test_the_co_unit_reports_and_the_lead_sees_it(self, client, world, joint_ticket):
        lead, co = lead_of(joint_ticket), co_of(world, joint_ticket, "zjj")
        services.assignment_sign(assignment=lead, actor=world.user("zf"))
        services.assignment_first_contact(assignment=lead, actor=world.user("zf"), method="visit")
        login(client, world, "zf")
        response = post(
            client, "console:assignment_reply", lead.pk, {"result_code": "solved", "text": "已拆除"}
        )
        assert any("协办单位尚未反馈" in m and "住建局" in m for m in message_texts(response))

        login(client, world, "zjj")
        body = texts(page(client, "console:assignment", co.pk))
        assert reverse("console:assignment_reply", args=[co.pk]) not in body
        post(client, "console:assignment_sign", co.pk)
        response = post(
            client, "console:assignment_co_reply", co.pk, {"text": "经核查属违法建设,已出具认定意见"}
        )
        assert "已向主办单位反馈协办情况" in texts(response)
        co.refresh_from_db()
        assert co.state == Assignment.State.CO_REPLIED

        grid_co = co_of(world, joint_ticket, "grid1")
        services.assignment_sign(assignment=grid_co, actor=world.user("worker1"))
        services.co_reply(assignment=grid_co, actor=world.user("worker1"), text="已现场核实")

        login(client, world, "zf")
        body = texts(page(client, "console:assignment", lead.pk))
        assert "经核查属违法建设,已出具认定意见" in body and "住建局" in body
        post(client, "console:assignment_reply", lead.pk, {"result_code": "solved", "text": "已拆除"})
        assert Ticket.objects.get(pk=joint_ticket.pk).status == Status.REPLIED

    def test_extension_and_return_requests(self, client, world, zjj_ticket):
        lead = lead_of(zjj_ticket)
        services.assignment_sign(assignment=lead, actor=world.user("zjj"))
        login(client, world, "zjj")
        response = post(
            client,
            "console:assignment_extension",
            lead.pk,
            {"days": "3", "reason": "需第三方房屋鉴定", "legal_basis": "鉴定程序"},
        )
        assert "延期申请已提交" in texts(response)
        request = ExtensionRequest.objects.get()
        assert (request.days, request.reason, request.decision) == (3, "需第三方房屋鉴定", "pending")
        response = post(client, "console:assignment_extension", lead.pk, {"days": "2", "reason": "再延"})
        assert "已有待审核的延期申请" in message_texts(response)

        response = post(client, "console:assignment_return", lead.pk, {"reason": "", "legal_basis": ""})
        assert any("请填写退单理由" in m for m in message_texts(response))
        assert not ReturnRequest.objects.exists()
        response = post(
            client,
            "console:assignment_return",
            lead.pk,
            {
                "reason": "属市场监管职责",
                "legal_basis": "三定方案第五条",
                "suggested_unit": world.units["sc"].pk,
            },
        )
        assert "退单申请已提交" in texts(response)
        request = ReturnRequest.objects.get()
        assert request.suggested_unit == world.units["sc"]
        lead.refresh_from_db()
        assert lead.state == Assignment.State.RETURN_REQUESTED
        inbox = page(client, "console:inbox", tab="returned")
        assert zjj_ticket.number in texts(inbox)
        assert {t.key: t.count for t in inbox.context["tabs"]}["returned"] == 1

    def test_the_grid_escalates_up_the_ladder(self, client, world, grid_ticket):
        lead = lead_of(grid_ticket)
        services.assignment_sign(assignment=lead, actor=world.user("worker1"))
        login(client, world, "worker1")
        response = post(client, "console:assignment_escalate", lead.pk, {"note": "邻里矛盾网格协调不了"})
        assert "已提级至银海社区居委会办理" in texts(response)
        grid_ticket.refresh_from_db()
        assert grid_ticket.lead_unit == world.units["community"]


class TestCallbacks:
    def test_the_queue_lists_pending_callbacks_with_overdue_highlighted(self, client, world):
        ticket = pending_callback(world)
        login(client, world, "callback")
        body = texts(page(client, "console:callbacks"))
        assert ticket.number in body and "table-danger" not in body
        with time_machine.travel(ticket.callback_due_at + timedelta(hours=1), tick=False):
            body = texts(page(client, "console:callbacks"))
        assert "table-danger" in body and "已超时" in body
        assert ticket.number not in texts(page(client, "console:callbacks", q="没有这个"))

    def test_the_call_page_shows_the_script_the_reply_and_the_full_phone(self, client, world):
        ticket = pending_callback(world)
        login(client, world, "callback")
        body = texts(page(client, "console:callback_ticket", ticket.pk))
        assert "13812345678" in body
        assert "承办单位是否联系过您？" in body and "您对办理结果是否满意？" in body
        assert "已处理完毕" in body and "非常不满意" in body

    def test_satisfied_closes(self, client, world):
        ticket = pending_callback(world)
        login(client, world, "callback")
        response = post(
            client,
            "console:callback_ticket",
            ticket.pk,
            {"reached": "1", "contacted": "1", "solved": "solved", "satisfaction": "satisfied", "valid": "1"},
        )
        assert response.redirect_chain[-1][0] == reverse("console:callbacks")
        assert f"工单 {ticket.number} 回访已记录，工单已办结" in texts(response)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.rated_satisfaction) == (Status.CLOSED, "satisfied")

    def test_unsatisfied_and_attributable_reopens(self, client, world):
        ticket = pending_callback(world)
        login(client, world, "callback")
        response = post(
            client,
            "console:callback_ticket",
            ticket.pk,
            {
                "reached": "1",
                "contacted": "0",
                "solved": "unsolved",
                "satisfaction": "unsatisfied",
                "valid": "1",
                "attributable": "on",
                "notes": "漏水依旧",
            },
        )
        assert "已发回承办单位重办" in texts(response)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.redo_count) == (Status.REOPENED, 1)

    def test_unreached_is_retried(self, client, world):
        ticket = pending_callback(world)
        login(client, world, "callback")
        response = post(client, "console:callback_ticket", ticket.pk, {"reached": "0"})
        assert "未接通，已记录" in texts(response)
        assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING_CALLBACK
        assert "未接通" in texts(page(client, "console:callback_ticket", ticket.pk))

    def test_a_missing_answer_keeps_the_form_and_writes_nothing(self, client, world):
        ticket = pending_callback(world)
        login(client, world, "callback")
        response = client.post(
            reverse("console:callback_ticket", args=[ticket.pk]),
            {"reached": "1", "contacted": "1", "solved": "solved", "notes": "诉求人挂断"},
        )
        assert response.status_code == 200
        assert any("请记录满意度" in m for m in message_texts(response))
        assert "诉求人挂断" in texts(response)
        assert not Callback.objects.exists()

    def test_close_with_an_exemption(self, client, world):
        ticket = pending_callback(world)
        login(client, world, "dispatcher")
        response = post(client, "console:callback_close", ticket.pk, {"exemption": ""})
        assert any("须填写免回访原因" in m for m in message_texts(response))
        response = post(
            client, "console:callback_close", ticket.pk, {"exemption": "不合理诉求", "unreasonable": "on"}
        )
        assert "已办结（免回访）" in texts(response)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.callback_exemption, ticket.excluded_from_rating) == (
            Status.CLOSED,
            "不合理诉求",
            True,
        )


class TestSupervision:
    def test_the_board_counts_warnings_per_lead_unit_worst_first(
        self, client, world, zjj_ticket, joint_ticket
    ):
        other = dispatched(world, "property")
        Ticket.objects.filter(pk=zjj_ticket.pk).update(warning_level="red")
        Ticket.objects.filter(pk=other.pk).update(warning_level="yellow")
        Ticket.objects.filter(pk=joint_ticket.pk).update(warning_level="overdue")
        login(client, world, "supervisor")
        response = page(client, "console:supervision")
        rows = [
            (r["lead_unit__name"], r["yellow"], r["red"], r["overdue"]) for r in response.context["by_unit"]
        ]
        assert rows == [("综合执法局", 0, 0, 1), ("住建局", 1, 1, 0)]
        assert response.context["totals"] == {"yellow": 1, "red": 1, "overdue": 1}
        body = texts(response)
        assert all(t.number in body for t in (zjj_ticket, other, joint_ticket))

        body = texts(page(client, "console:supervision", unit=world.units["zjj"].pk, level="red"))
        assert zjj_ticket.number in body and other.number not in body and joint_ticket.number not in body

    def test_supervise_a_ticket(self, client, world, zjj_ticket):
        login(client, world, "supervisor")
        assert "督办意见" in texts(page(client, "console:supervise_ticket", zjj_ticket.pk))
        response = post(
            client,
            "console:supervise_ticket",
            zjj_ticket.pk,
            {"level": "3", "note": "请加快办理", "deadline": "2026-06-03T17:00"},
        )
        assert f"已督办工单 {zjj_ticket.number}" in texts(response)
        supervision = Supervision.objects.get()
        assert (supervision.level, supervision.unit, supervision.note) == (
            3,
            world.units["zjj"],
            "请加快办理",
        )
        assert supervision.deadline == local(2026, 6, 3, 17, 0)
        assert Ticket.objects.get(pk=zjj_ticket.pk).is_supervised

        response = client.post(reverse("console:supervise_ticket", args=[zjj_ticket.pk]), {"level": "1"})
        assert response.status_code == 200 and "请填写督办意见" in message_texts(response)
        assert Supervision.objects.count() == 1

    def test_the_key_list_on_and_off(self, client, world, zjj_ticket):
        login(client, world, "leader")
        response = post(
            client, "console:supervision_key_list", zjj_ticket.pk, {"on": "1", "note": "群众反映强烈"}
        )
        assert "已列入重点督办清单" in texts(response)
        assert Ticket.objects.get(pk=zjj_ticket.pk).on_key_list
        key_tab = page(client, "console:supervision", tab="key")
        assert zjj_ticket.number in texts(key_tab) and key_tab.context["key_count"] == 1
        response = post(client, "console:supervision_key_list", zjj_ticket.pk, {"on": "0", "note": "已解决"})
        assert "已移出重点督办清单" in texts(response)
        assert not Ticket.objects.get(pk=zjj_ticket.pk).on_key_list
        assert zjj_ticket.number not in texts(page(client, "console:supervision", tab="key"))

    def test_whistle_and_ladder_from_the_board(self, client, world, grid_ticket):
        login(client, world, "supervisor")
        response = post(
            client,
            "console:supervision_escalate",
            grid_ticket.pk,
            {"note": "街乡吹哨,部门报到", "whistle_units": [world.units["zf"].pk, world.units["sc"].pk]},
        )
        assert "已吹哨" in texts(response)
        assert {a.unit for a in cos_of(grid_ticket)} == {world.units["zf"], world.units["sc"]}
        response = post(client, "console:supervision_escalate", grid_ticket.pk, {"note": "网格无力解决"})
        assert "已提级至银海社区居委会办理" in texts(response)


ALL_PAGES = [
    ("console:inbox", None),
    ("console:assignment", "assignment"),
    ("console:assignment_sign", "assignment"),
    ("console:assignment_contact", "assignment"),
    ("console:assignment_reply", "assignment"),
    ("console:assignment_co_reply", "assignment"),
    ("console:assignment_extension", "assignment"),
    ("console:assignment_return", "assignment"),
    ("console:assignment_escalate", "assignment"),
    ("console:callbacks", None),
    ("console:callback_ticket", "ticket"),
    ("console:callback_close", "ticket"),
    ("console:supervision", None),
    ("console:supervise_ticket", "ticket"),
    ("console:supervision_key_list", "ticket"),
    ("console:supervision_escalate", "ticket"),
]


def url_of(name, kind, ticket):
    if kind is None:
        return reverse(name)
    return reverse(name, args=[lead_of(ticket).pk if kind == "assignment" else ticket.pk])


class TestAccess:
    @pytest.mark.parametrize(("name", "kind"), ALL_PAGES)
    def test_anonymous_users_go_to_login(self, client, zjj_ticket, name, kind):
        for method in (client.get, client.post):
            response = method(url_of(name, kind, zjj_ticket))
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    @pytest.mark.parametrize(
        ("user", "names"),
        [
            ("dispatcher", [n for n, k in ALL_PAGES if k == "assignment" or n == "console:inbox"]),
            ("sc", [n for n, k in ALL_PAGES if k == "assignment"]),  # a handler, but of another unit
            ("zjj", [n for n, _ in ALL_PAGES if not n.startswith(("console:inbox", "console:assignment"))]),
            ("callback", ["console:inbox", "console:supervision", "console:supervise_ticket"]),
            ("leader", ["console:callbacks", "console:callback_ticket", "console:callback_close"]),
        ],
    )
    def test_roles_and_units_that_may_not_use_a_page_are_refused(
        self, client, world, zjj_ticket, user, names
    ):
        login(client, world, user)
        for name in names:
            kind = dict(ALL_PAGES)[name]
            for method in (client.get, client.post):
                assert method(url_of(name, kind, zjj_ticket)).status_code == 403, (user, name)
        lead = lead_of(zjj_ticket)
        assert (lead.state, Ticket.objects.get(pk=zjj_ticket.pk).status) == (
            "pending_sign",
            Status.DISPATCHED,
        )

    def test_each_role_opens_its_own_pages(self, client, world, zjj_ticket):
        for user, name, args in (
            ("zjj", "console:assignment", [lead_of(zjj_ticket).pk]),
            ("admin", "console:assignment", [lead_of(zjj_ticket).pk]),
            ("callback", "console:callbacks", []),
            ("callback", "console:callback_ticket", [zjj_ticket.pk]),
            ("leader", "console:supervision", []),
            ("supervisor", "console:supervise_ticket", [zjj_ticket.pk]),
            ("community", "console:inbox", []),
        ):
            login(client, world, user)
            assert client.get(reverse(name, args=args)).status_code == 200, (user, name)

    def test_the_menu_and_the_home_page_link_here(self, client, world, zjj_ticket):
        login(client, world, "zjj")
        body = texts(page(client, "console:home"))
        assert reverse("console:inbox") + "?tab=sign" in body
        body = texts(page(client, "console:ticket", zjj_ticket.pk))
        assert reverse("console:assignment", args=[lead_of(zjj_ticket).pk]) in body


def test_a_refused_action_gives_the_page_back_with_what_was_typed(client, world):
    from civicgrid.tickets import services as svc
    from tests.tickets.helpers import lead_of as lead_of_ticket
    from tests.tickets.helpers import register as register_ticket

    ticket = register_ticket(world, None, category="property")
    svc.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
    lead = lead_of_ticket(ticket)
    svc.assignment_sign(assignment=lead, actor=world.user("zjj"))
    client.force_login(world.user("zjj"))
    url = reverse("console:assignment_extension", args=[lead.pk])
    response = client.post(url, {"days": "30", "reason": "需要委托第三方鉴定机构出具报告"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "累计延期不能超过" in body
    assert "需要委托第三方鉴定机构出具报告" in body  # the reason typed is still in the form
    assert '<details class="card mb-3" open>' in body
