"""我的诉求: sign in with the phone and an SMS code, see every own request, supplement, rate."""

import base64
import pickle
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from civicgrid.notify.models import Notification, SmsMessage
from civicgrid.portal.models import ResidentRating
from civicgrid.portal.services import resident_rate
from civicgrid.portal.signin import SESSION_KEY
from civicgrid.tickets import services
from civicgrid.tickets.models import Attachment, Event, Status, Ticket
from tests.portal.test_views import PNG
from tests.tickets.conftest import local
from tests.tickets.helpers import handle_to_reply, lead_of, register

T0 = local(2026, 6, 1, 9, 0)
PHONE = "13812345678"


@pytest.fixture
def clock():
    with time_machine.travel(T0 + timedelta(days=2), tick=False) as traveller:
        yield traveller


def codes_sent(phone=PHONE) -> list[str]:
    return [
        m.params["code"]
        for m in SmsMessage.objects.filter(phone=phone, template__key="login_code").order_by("pk")
    ]


def ask_code(client, phone=PHONE):
    return client.post(reverse("portal:signin"), {"phone": phone, "next": reverse("portal:mine")})


def enter_code(client, code, phone=PHONE):
    return client.post(
        reverse("portal:signin_verify"), {"phone": phone, "code": code, "next": reverse("portal:mine")}
    )


def sign_in(client, phone=PHONE):
    ask_code(client, phone)
    response = enter_code(client, codes_sent(phone)[-1], phone)
    assert response.status_code == 302 and response["Location"] == reverse("portal:mine")
    return client


def closed_ticket(world, at=T0, **extra):
    return close(world, register(world, at, **extra), at)


def close(world, ticket, at=T0):
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=at)
    handle_to_reply(world, ticket, at + timedelta(hours=1), "worker1")
    services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=at)
    services.callback_record(
        ticket=ticket,
        actor=world.user("callback"),
        reached=True,
        contacted=True,
        solved="solved",
        satisfaction="satisfied",
        at=at + timedelta(hours=2),
    )
    return Ticket.objects.get(pk=ticket.pk)


class TestSignIn:
    def test_a_code_by_sms_signs_her_in_and_lists_every_ticket_of_her_phone(self, client, world, clock):
        own = register(world, T0, title="楼上漏水")
        merged = register(world, T0, category=None, title="楼上又漏水了")
        services.ticket_merge(ticket=merged, master=own, actor=world.user("dispatcher"), reason="重复", at=T0)
        others = register(world, T0, title="别人的诉求", requester_phone="13900001111")
        typed = register(world, T0, title="来电登记", requester_phone="+86 138-1234-5678")

        page = client.get(reverse("portal:mine")).content.decode()
        assert "获取短信验证码" in page
        response = ask_code(client)
        assert (
            "验证码已发到这部手机" in response.content.decode() and "尾号 5678" in response.content.decode()
        )
        (code,) = codes_sent()
        assert len(code) == 6 and code.isdigit()
        message = SmsMessage.objects.get(template__key="login_code")
        assert "5分钟内有效" in message.text and message.phone == PHONE

        assert enter_code(client, code).status_code == 302
        body = client.get(reverse("portal:mine")).content.decode()
        assert own.number in body and merged.number in body and typed.number in body
        assert others.number not in body
        assert "别人的诉求" not in body and "张三" not in body and PHONE not in body
        assert "与相同诉求合并办理" in body
        # The session holds the verified phone and its end, nothing else of hers.
        assert client.session[SESSION_KEY]["phone"] == PHONE
        assert set(client.session[SESSION_KEY]) == {"phone", "until"}

    def test_only_a_hash_of_the_code_is_stored(self, client, world, clock):
        register(world, T0)
        ask_code(client)
        (code,) = codes_sent()
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key, value FROM civicgrid_cache")
            rows = cursor.fetchall()
        stored = " ".join(f"{key} {pickle.loads(base64.b64decode(value))}" for key, value in rows)
        assert code not in stored and PHONE not in stored

    def test_five_wrong_attempts_void_the_code(self, client, world, clock):
        register(world, T0)
        ask_code(client)
        (code,) = codes_sent()
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            body = enter_code(client, wrong).content.decode()
            assert "验证码不正确或已失效" in body
        assert enter_code(client, code).status_code == 200  # the right code no longer works
        assert SESSION_KEY not in client.session

    def test_a_code_lasts_five_minutes(self, client, world, clock):
        register(world, T0)
        ask_code(client)
        (code,) = codes_sent()
        clock.shift(timedelta(minutes=5, seconds=1))
        assert "验证码不正确或已失效" in enter_code(client, code).content.decode()

    def test_a_code_works_once(self, world, clock):
        register(world, T0)
        sign_in(Client())
        (code,) = codes_sent()
        assert enter_code(Client(), code).status_code == 200

    def test_the_session_lasts_the_configured_time(self, client, world, clock, settings):
        settings.CIVICGRID_MINE_SESSION_MINUTES = 30
        ticket = register(world, T0)
        sign_in(client)
        clock.shift(timedelta(minutes=29))
        assert ticket.number in client.get(reverse("portal:mine")).content.decode()
        clock.shift(timedelta(minutes=2))
        body = client.get(reverse("portal:mine")).content.decode()
        assert ticket.number not in body and "获取短信验证码" in body

    def test_signing_out_ends_it(self, client, world, clock):
        ticket = register(world, T0)
        sign_in(client)
        client.post(reverse("portal:mine_logout"))
        assert ticket.number not in client.get(reverse("portal:mine")).content.decode()
        assert client.get(reverse("portal:mine_ticket", args=[ticket.number]))["Location"] == reverse(
            "portal:mine"
        )

    def test_a_phone_with_no_request_gets_no_sms_and_the_same_page(self, client, world, clock):
        body = ask_code(client, "13700009999").content.decode()
        assert "如果尾号 9999 的手机号码反映过诉求" in body
        assert codes_sent("13700009999") == []

    def test_codes_are_limited_per_phone_and_per_address(self, world, clock, settings):
        register(world, T0)
        for i in range(5):
            assert ask_code(Client(REMOTE_ADDR=f"10.5.0.{i}")).status_code == 200
        refused = ask_code(Client(REMOTE_ADDR="10.5.1.1"))
        assert (
            refused.status_code == 429
            and "同一手机号码每小时最多可获取验证码 5 次" in refused.content.decode()
        )
        assert len(codes_sent()) == 5
        settings.CIVICGRID_PORTAL_LIMITS = {"login_code.address": (2, 3600)}
        client = Client(REMOTE_ADDR="10.5.2.2")
        assert ask_code(client, "13700000001").status_code == 200
        assert ask_code(client, "13700000002").status_code == 200
        assert ask_code(client, "13700000003").status_code == 429

    def test_a_bad_phone_is_explained(self, client, db):
        assert "请填写正确的手机号码" in ask_code(client, "12").content.decode()


class TestHerTicket:
    def test_she_follows_her_ticket_but_cannot_open_anyone_elses(self, client, world, clock):
        own = register(world, T0)
        other = register(world, T0, requester_phone="13900001111")
        sign_in(client)
        body = client.get(reverse("portal:mine_ticket", args=[own.number])).content.decode()
        assert "办理过程" in body and "诉求已受理" in body and "补充说明" in body
        assert client.get(reverse("portal:mine_ticket", args=[other.number])).status_code == 404
        assert (
            client.post(reverse("portal:mine_supplement", args=[other.number]), {"text": "x"}).status_code
            == 404
        )

    def test_she_adds_words_and_a_photo_to_an_open_ticket(self, client, world, clock):
        ticket = register(world, T0, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        sign_in(client)
        response = client.post(
            reverse("portal:mine_supplement", args=[ticket.number]),
            {"text": "漏水越来越严重了,晚上七点后家里有人", "photos": [SimpleUploadedFile("漏水.png", PNG)]},
        )
        assert response.status_code == 302
        event = Event.objects.get(ticket=ticket, action="resident_supplemented")
        assert event.actor is None and not event.is_public and "晚上七点后家里有人" in event.note
        assert Attachment.objects.filter(ticket=ticket, uploaded_by=None).count() == 1
        lead = lead_of(ticket)
        assert Notification.objects.filter(
            kind="resident_supplemented", recipient__staff__units=lead.unit, ticket=ticket
        ).exists()
        page = client.get(response["Location"]).content.decode()
        assert "我的补充说明" in page and "晚上七点后家里有人" in page and "补充说明已提交" in page

    def test_a_fake_photo_is_refused_and_nothing_is_written(self, client, world, clock):
        ticket = register(world, T0)
        sign_in(client)
        body = client.post(
            reverse("portal:mine_supplement", args=[ticket.number]),
            {"text": "补充", "photos": [SimpleUploadedFile("a.png", b"<html>")]},
        ).content.decode()
        assert "文件内容与扩展名" in body
        assert not Event.objects.filter(action="resident_supplemented").exists()

    def test_she_rates_a_closed_ticket_and_cannot_supplement_it(self, client, world, clock):
        ticket = closed_ticket(world)
        sign_in(client)
        page = client.get(reverse("portal:mine")).content.decode()
        assert "可以评价" in page
        body = client.get(reverse("portal:mine_ticket", args=[ticket.number])).content.decode()
        assert "评价办理结果" in body and "提交补充说明" not in body
        refused = client.post(
            reverse("portal:mine_supplement", args=[ticket.number]), {"text": "还有问题"}, follow=True
        )
        assert "不能再补充说明" in refused.content.decode()
        response = client.post(
            reverse("portal:mine_rate", args=[ticket.number]),
            {"satisfaction": "satisfied", "solved": "solved", "comment": "很及时"},
        )
        assert "感谢您的评价" in response.content.decode()
        assert ResidentRating.objects.get(ticket=ticket).comment == "很及时"
        again = client.get(reverse("portal:mine_ticket", args=[ticket.number])).content.decode()
        assert "您已评价过此工单" in again and Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED

    def test_supplements_are_limited_per_ticket(self, client, world, clock, settings):
        settings.CIVICGRID_PORTAL_LIMITS = {"supplement.ticket": (2, 86400)}
        ticket = register(world, T0)
        sign_in(client)
        url = reverse("portal:mine_supplement", args=[ticket.number])
        assert client.post(url, {"text": "一"}).status_code == 302
        assert client.post(url, {"text": "二"}).status_code == 302
        assert client.post(url, {"text": "三"}).status_code == 429


def test_a_merged_ticket_shows_the_shared_progress_and_nothing_of_the_other_requester(client, world, clock):
    master = register(world, T0, requester_name="王其他", requester_phone="13900002222")
    mine = register(world, T0, category=None)
    services.ticket_merge(ticket=mine, master=master, actor=world.user("dispatcher"), reason="重复", at=T0)
    close(world, master)
    resident_rate(ticket=master, solved="solved", satisfaction="very_unsatisfied", comment="其他人的意见")
    sign_in(client)
    body = client.get(reverse("portal:mine_ticket", args=[mine.number])).content.decode()
    assert "合并办理的进展" in body and "已办结" in body and "已派" in body
    closing = Event.objects.get(ticket=master, action="closed").note
    # Her own rating form lists the choices (非常不满意 among them), so the other rating shows by its words.
    for theirs in ("王其他", "13900002222", "已处理完毕", "其他人的意见", "在线评价", closing):
        assert theirs not in body, theirs
