import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicgrid.portal.models import ResidentRating
from civicgrid.routing.models import Category
from civicgrid.tickets import services
from civicgrid.tickets.models import Attachment, Callback, Event, Status, Ticket
from tests.storage import stored_files
from tests.tickets.conftest import local
from tests.tickets.helpers import handle_to_reply, lead_of, register

T0 = local(2026, 6, 1, 9, 0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INTERNAL_REASON = "内部争议:该楼栋产权尚未移交,建议改派"


def photo(name="现场.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def form(**changes):
    data = {
        "request_type": "TS",
        "category": str(Category.objects.get(version="2026.1", code="0202").pk),
        "content": "小区楼下的烧烤店每天营业到凌晨两点,噪音很大,影响休息。",
        "address": "嘉积镇银海路 12 号",
        "requester_name": "王五",
        "requester_phone": "139 0000 4321",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def media_files(settings) -> list:
    return stored_files()


def track(client, number, code):
    return client.post(reverse("portal:track"), {"number": number, "code": code})


@pytest.fixture
def handled(world):
    """A ticket dispatched by the dispatcher, returned with an internal reason (refused), then answered."""
    ticket = register(world, T0, category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    lead = lead_of(ticket)
    services.assignment_sign(assignment=lead, actor=world.user("zjj"), at=T0 + timedelta(minutes=30))
    request = services.return_request(
        assignment=lead,
        actor=world.user("zjj"),
        reason=INTERNAL_REASON,
        legal_basis="三定方案",
        at=T0 + timedelta(hours=1),
    )
    services.return_decide(
        request=request,
        actor=world.user("dispatcher"),
        approve=False,
        note="属于住建职责",
        at=T0 + timedelta(hours=2),
    )
    services.assignment_first_contact(
        assignment=lead, actor=world.user("zjj"), method="phone", at=T0 + timedelta(hours=3)
    )
    services.lead_reply(
        assignment=lead,
        actor=world.user("zjj"),
        result_code="solved",
        text="已督促物业维修漏水管道,已恢复正常。",
        at=T0 + timedelta(hours=4),
    )
    return Ticket.objects.get(pk=ticket.pk)


class TestHome:
    def test_it_explains_12345_and_offers_both_actions(self, client, db):
        body = client.get(reverse("portal:home")).content.decode()
        assert "12345" in body and "我要反映" in body and "查询进度" in body
        assert reverse("portal:submit") in body and reverse("portal:track") in body


class TestSubmit:
    def test_the_form_is_plain_html_with_a_csrf_token(self, client, db):
        body = client.get(reverse("portal:submit")).content.decode()
        assert 'method="post" enctype="multipart/form-data"' in body
        assert "csrfmiddlewaretoken" in body
        assert "城乡建设" in body and "物业管理" in body and "其他城乡建设问题" in body
        for label in ("咨询", "求助", "投诉", "举报", "建议", "表扬"):
            assert label in body

    def test_without_javascript_a_submission_creates_a_received_web_ticket_and_shows_its_number(
        self, client, world, settings
    ):
        response = client.post(reverse("portal:submit"), form(photos=[photo("a.png"), photo("b.png")]))
        assert response.status_code == 302 and response["Location"] == reverse("portal:receipt")
        ticket = Ticket.objects.get()
        assert (ticket.status, ticket.channel, ticket.registered_by) == (Status.RECEIVED, "web", None)
        assert ticket.request_type == "TS" and ticket.category.code == "0202"
        assert ticket.requester_phone == "13900004321" and ticket.title.startswith("小区楼下的烧烤店")
        assert ticket.attachments.filter(kind=Attachment.Kind.INTAKE).count() == 2
        assert len(media_files(settings)) == 2
        body = client.get(response["Location"]).content.decode()
        assert ticket.number in body and ticket.query_code in body and "13900004321" not in body

    def test_the_point_places_the_ticket_in_its_grid(self, client, world):
        client.post(reverse("portal:submit"), form(lat="19.205", lon="110.405"))
        assert Ticket.objects.get().grid == world.grids[0]

    @pytest.mark.parametrize(
        ("upload", "message"),
        [
            (photo("fake.png", b"<html>not a photo</html>"), "文件内容与扩展名"),
            (photo("virus.exe", b"MZ\x90\x00"), "不是图片"),
            (photo("empty.png", b""), "空的"),
        ],
    )
    def test_a_bad_photo_is_explained_and_nothing_is_written(self, client, world, settings, upload, message):
        response = client.post(reverse("portal:submit"), form(photos=[photo("good.png"), upload]))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Ticket.objects.exists() and not Attachment.objects.exists() and not Event.objects.exists()
        assert media_files(settings) == []

    def test_at_most_three_photos(self, client, world):
        response = client.post(reverse("portal:submit"), form(photos=[photo(f"{i}.png") for i in range(4)]))
        assert "最多上传 3 张照片" in response.content.decode()
        assert not Ticket.objects.exists()

    def test_missing_fields_get_friendly_chinese_errors(self, client, world):
        response = client.post(
            reverse("portal:submit"), form(request_type="", content="太吵", address="", requester_phone="12")
        )
        body = response.content.decode()
        assert "请选择诉求类型" in body and "至少写 10 个字" in body and "请填写正确的手机号码" in body
        assert not Ticket.objects.exists()

    def test_a_complaint_needs_a_place_but_a_consultation_does_not(self, client, world):
        response = client.post(reverse("portal:submit"), form(address=""))
        assert "请填写事发地址" in response.content.decode()
        response = client.post(reverse("portal:submit"), form(address="", request_type="ZX"))
        assert response.status_code == 302

    def test_csrf_is_enforced(self, world):
        browser = Client(enforce_csrf_checks=True)
        assert browser.post(reverse("portal:submit"), form()).status_code == 403
        page = browser.get(reverse("portal:submit")).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = browser.post(reverse("portal:submit"), form(csrfmiddlewaretoken=token))
        assert response.status_code == 302 and Ticket.objects.count() == 1

    def test_anonymous_and_confidential_choices_are_kept(self, client, world):
        client.post(reverse("portal:submit"), form(is_anonymous="on", is_confidential="on"))
        ticket = Ticket.objects.get()
        assert ticket.is_anonymous and ticket.is_confidential
        assert ticket.requester_name == "" and ticket.requester_phone == "13900004321"

    def test_the_receipt_needs_a_submission_in_this_session(self, client, db):
        assert client.get(reverse("portal:receipt"))["Location"] == reverse("portal:home")


class TestTrack:
    def test_the_right_digits_show_the_public_timeline_and_nothing_internal(self, client, handled):
        response = track(client, handled.number, handled.query_code)
        body = response.content.decode()
        assert response.status_code == 200
        assert "诉求已受理" in body and "已派住建局" in body and "承办单位已答复" in body
        assert "已督促物业维修漏水管道" in body  # the reply text
        assert "承办单位已答复，正在审核答复内容" in body  # status in plain words
        for secret in (
            "dispatcher",
            "测试dispatcher",
            "zjj",
            "测试zjj",
            INTERNAL_REASON,
            "属于住建职责",
            "三定方案",
            "张三",
            "13812345678",
        ):
            assert secret not in body, secret

    def test_the_number_may_be_typed_without_the_dash(self, client, handled):
        assert (
            "办理过程" in track(client, handled.number.replace("-", ""), handled.query_code).content.decode()
        )

    @pytest.mark.parametrize("wrong", ["digits", "number"])
    def test_a_wrong_number_or_wrong_digits_get_the_same_not_found(self, client, handled, wrong):
        number = handled.number if wrong == "digits" else "20260601-999999"
        body = track(client, number, "ZZZZZZ" if wrong == "digits" else handled.query_code).content.decode()
        assert "未找到对应的工单，请核对工单编号和查询码" in body
        assert "办理过程" not in body

    def test_badly_typed_input_is_explained(self, client, db):
        body = track(client, "abc", " ").content.decode()
        assert "工单编号格式不正确" in body and "请填写查询码或完整的手机号码" in body

    def test_a_confidential_requester_is_never_shown(self, client, world):
        ticket = register(
            world, T0, requester_name="李保密", requester_phone="13600001111", is_confidential=True
        )
        body = track(client, ticket.number, ticket.query_code).content.decode()
        assert "诉求已受理" in body
        assert "李保密" not in body and "13600001111" not in body and "李*" not in body

    def test_a_merged_ticket_shows_the_masters_progress(self, client, world, handled):
        duplicate = register(world, T0 + timedelta(hours=1), category=None, requester_phone="13700002222")
        services.ticket_merge(
            ticket=duplicate, master=handled, actor=world.user("dispatcher"), reason="重复", at=T0
        )
        body = track(client, duplicate.number, "13700002222").content.decode()
        assert f"已并入工单 {handled.number}" in body and "已派住建局" in body
        # The master's reply is addressed to its own requester (issue 10 §2): only the shared progress.
        assert "已督促物业维修漏水管道" not in body


class TestRate:
    def rate(self, client, ticket, code=None, **changes):
        code = ticket.query_code if code is None else code
        data = {"number": ticket.number, "code": code, "satisfaction": "satisfied", "solved": "solved"}
        data.update(changes)
        return client.post(reverse("portal:rate"), data)

    def test_the_track_page_offers_the_rating_once_replied(self, client, handled):
        body = track(client, handled.number, handled.query_code).content.decode()
        assert "评价办理结果" in body and f'action="{reverse("portal:rate")}"' in body

    def test_a_resident_rates_once_and_it_is_not_a_callback(self, client, handled):
        response = self.rate(client, handled, comment="维修及时")
        assert "感谢您的评价" in response.content.decode()
        rating = ResidentRating.objects.get(ticket=handled)
        assert (rating.satisfaction, rating.solved, rating.comment) == ("satisfied", "solved", "维修及时")
        handled.refresh_from_db()
        assert handled.status == Status.REPLIED and handled.rated_at is None
        assert not Callback.objects.exists()
        event = Event.objects.get(ticket=handled, action="resident_rated")
        assert event.is_public and event.actor is None

        again = self.rate(client, handled, satisfaction="very_unsatisfied")
        assert "已经评价过" in again.content.decode()
        assert ResidentRating.objects.get(ticket=handled).satisfaction == "satisfied"
        assert "您已评价过此工单" in track(client, handled.number, handled.query_code).content.decode()

    def test_a_ticket_still_being_handled_cannot_be_rated(self, client, world):
        ticket = register(world, T0, category="property")
        body = self.rate(client, ticket).content.decode()
        assert "答复后才能评价" in body and not ResidentRating.objects.exists()

    def test_wrong_digits_cannot_rate(self, client, handled):
        body = self.rate(client, handled, code="ZZZZZZ").content.decode()
        assert "未找到对应的工单" in body and not ResidentRating.objects.exists()

    def test_the_choices_are_required(self, client, handled):
        body = self.rate(client, handled, satisfaction="", solved="").content.decode()
        assert "请选择满意程度" in body and "请选择问题是否已解决" in body

    def test_a_closed_ticket_can_still_be_rated(self, client, world):
        ticket = register(world, T0)
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        handle_to_reply(world, ticket, T0 + timedelta(hours=1), "worker1")
        services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0)
        services.callback_record(
            ticket=ticket,
            actor=world.user("callback"),
            reached=True,
            contacted=True,
            solved="solved",
            satisfaction="satisfied",
            at=T0 + timedelta(hours=2),
        )
        assert "感谢您的评价" in self.rate(client, ticket).content.decode()


class TestRateLimits:
    def test_the_sixth_submission_in_an_hour_is_refused_with_429(self, client, world):
        for _ in range(5):
            assert client.post(reverse("portal:submit"), form()).status_code == 302
        response = client.post(reverse("portal:submit"), form())
        assert response.status_code == 429
        assert "操作过于频繁" in response.content.decode()
        assert Ticket.objects.count() == 5

    def test_lookups_are_limited_per_address(self, client, handled, settings):
        settings.CIVICGRID_PORTAL_LOOKUPS_PER_HOUR = 3
        for code in ("ZZZZZ2", "ZZZZZ3", "ZZZZZ4"):
            assert track(client, handled.number, code).status_code == 200
        assert track(client, handled.number, handled.query_code).status_code == 429
        assert client.post(reverse("portal:rate"), {"number": handled.number}).status_code == 429
        other = Client(REMOTE_ADDR="10.0.0.9")
        assert track(other, handled.number, handled.query_code).status_code == 200

    def test_a_proxy_header_names_the_client_when_configured(self, client, handled, settings):
        settings.CIVICGRID_PORTAL_LOOKUPS_PER_HOUR = 1
        settings.CIVICGRID_PORTAL_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
        assert track(client, handled.number, "ZZZZZZ").status_code == 200
        assert (
            client.post(
                reverse("portal:track"),
                {"number": handled.number, "code": handled.query_code},
                HTTP_X_REAL_IP="10.1.1.1",
            ).status_code
            == 200
        )
        assert track(client, handled.number, handled.query_code).status_code == 429


def test_the_grid_outlines_for_the_map_picker_carry_no_figures(client, world):
    data = client.get(reverse("portal:grids")).json()
    assert len(data["features"]) == 2
    assert set(data["features"][0]["properties"]) == {"code", "name"}
