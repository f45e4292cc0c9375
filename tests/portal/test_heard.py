"""Issue 10 §2, the resident is heard: the online rating counts, photos and reply, merged tickets, privacy."""

import base64
import re
import zlib
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicgrid.portal.models import ResidentRating
from civicgrid.portal.selectors import resident_view
from civicgrid.portal.services import resident_rate
from civicgrid.tickets import services
from civicgrid.tickets.models import Attachment, Callback, Event, Status, Ticket
from civicgrid.tickets.queues import callback_queue
from tests.tickets.conftest import local
from tests.tickets.helpers import lead_of, register

T0 = local(2026, 6, 1, 9, 0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PERSONAL_REPLY = "张三您好：物业已维修您家楼上的漏水管道。"


def answered(world, *, at=T0, phone="13812345678", name="张三", photos=(), internal=(), review=True):
    """A ticket answered by 住建局 with evidence photos, its reply passed review (waiting for callback)."""
    ticket = register(world, at, category="property", requester_phone=phone, requester_name=name)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=at)
    lead = lead_of(ticket)
    zjj = world.user("zjj")
    services.assignment_sign(assignment=lead, actor=zjj, at=at + timedelta(minutes=10))
    services.assignment_first_contact(
        assignment=lead, actor=zjj, method="phone", at=at + timedelta(minutes=20)
    )
    evidence = [
        services.attachment_add(
            ticket=ticket,
            actor=zjj,
            upload=SimpleUploadedFile(name_, PNG),
            name=name_,
            kind=Attachment.Kind.EVIDENCE,
            is_internal=name_ in internal,
        )
        for name_ in photos
    ]
    services.lead_reply(
        assignment=lead,
        actor=zjj,
        result_code="solved",
        text=PERSONAL_REPLY,
        evidence=evidence,
        at=at + timedelta(hours=1),
    )
    if review:
        services.reply_review(
            ticket=ticket, actor=world.user("dispatcher"), passed=True, at=at + timedelta(hours=2)
        )
    return Ticket.objects.get(pk=ticket.pk)


def track(client, number, _tail=None):
    code = Ticket.objects.get(number=number).query_code  # the tracker opens with the 查询码
    return client.post(reverse("portal:track"), {"number": number, "code": code}).content.decode()


class TestOnlineRatingCounts:
    def test_a_satisfied_rating_in_the_window_is_the_callback_and_closes_the_ticket(self, world):
        ticket = answered(world)
        resident_rate(ticket=ticket, solved="solved", satisfaction="satisfied", at=T0 + timedelta(hours=3))
        ticket.refresh_from_db()
        callback = Callback.objects.get(ticket=ticket)
        assert (callback.channel, callback.get_channel_display()) == ("web", "网上评价")
        assert callback.valid and callback.reached and callback.by is None and callback.contacted
        assert ticket.status == Status.CLOSED
        assert (ticket.rated_satisfaction, ticket.rated_solved) == ("satisfied", "solved")
        assert ticket.rated_contacted_in_time and ticket.rated_at is not None
        # Nothing left for the callback desk: the agent does not call her again.
        assert not callback_queue(world.user("callback")).filter(pk=ticket.pk).exists()

    def test_the_centre_can_turn_the_policy_off(self, world, settings):
        settings.CIVICGRID_ONLINE_RATING_COUNTS = False
        ticket = answered(world)
        resident_rate(ticket=ticket, solved="solved", satisfaction="satisfied", at=T0 + timedelta(hours=3))
        ticket.refresh_from_db()
        assert ticket.status == Status.PENDING_CALLBACK and not Callback.objects.exists()

    def test_a_rating_after_the_callback_deadline_is_not_the_callback(self, world):
        ticket = answered(world)
        late = ticket.callback_due_at + timedelta(minutes=1)
        resident_rate(ticket=ticket, solved="solved", satisfaction="satisfied", at=late)
        ticket.refresh_from_db()
        assert ticket.status == Status.PENDING_CALLBACK and not Callback.objects.exists()

    def test_a_rating_before_the_review_is_not_the_callback(self, world):
        ticket = answered(world, review=False)
        resident_rate(ticket=ticket, solved="solved", satisfaction="satisfied", at=T0 + timedelta(hours=3))
        ticket.refresh_from_db()
        assert ticket.status == Status.REPLIED and not Callback.objects.exists()

    def test_a_satisfied_rating_before_the_review_becomes_the_callback_when_it_passes(self, world):
        ticket = answered(world, review=False)
        resident_rate(
            ticket=ticket,
            solved="solved",
            satisfaction="satisfied",
            comment="修好了",
            at=T0 + timedelta(hours=1, minutes=30),
        )
        services.reply_review(
            ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=2)
        )
        ticket.refresh_from_db()
        callback = Callback.objects.get(ticket=ticket)
        assert (callback.channel, callback.valid, callback.notes) == ("web", True, "修好了")
        assert callback.at == T0 + timedelta(hours=2)
        assert ticket.status == Status.CLOSED and ticket.rated_satisfaction == "satisfied"
        assert not callback_queue(world.user("callback")).filter(pk=ticket.pk).exists()

    def test_an_early_unhappy_rating_or_the_policy_off_leaves_the_callback_to_the_desk(self, world, settings):
        unhappy = answered(world, review=False, phone="13800000001")
        resident_rate(
            ticket=unhappy,
            solved="unsolved",
            satisfaction="unsatisfied",
            at=T0 + timedelta(hours=1, minutes=30),
        )
        services.reply_review(
            ticket=unhappy, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=2)
        )
        settings.CIVICGRID_ONLINE_RATING_COUNTS = False
        happy = answered(world, review=False, phone="13800000002")
        resident_rate(
            ticket=happy, solved="solved", satisfaction="satisfied", at=T0 + timedelta(hours=1, minutes=30)
        )
        services.reply_review(
            ticket=happy, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=2)
        )
        for ticket in (unhappy, happy):
            ticket.refresh_from_db()
            assert ticket.status == Status.PENDING_CALLBACK
        assert not Callback.objects.exists()

    def test_a_rating_of_a_reply_the_review_sent_back_does_not_count_for_the_next_reply(self, world):
        ticket = answered(world, review=False)
        resident_rate(
            ticket=ticket, solved="solved", satisfaction="satisfied", at=T0 + timedelta(hours=1, minutes=30)
        )
        services.reply_review(
            ticket=ticket,
            actor=world.user("dispatcher"),
            passed=False,
            note="请补充照片",
            at=T0 + timedelta(hours=2),
        )
        services.lead_reply(
            assignment=lead_of(ticket),
            actor=world.user("zjj"),
            result_code="solved",
            text=PERSONAL_REPLY,
            at=T0 + timedelta(hours=3),
        )
        services.reply_review(
            ticket=Ticket.objects.get(pk=ticket.pk),
            actor=world.user("dispatcher"),
            passed=True,
            at=T0 + timedelta(hours=4),
        )
        ticket.refresh_from_db()
        assert ticket.status == Status.PENDING_CALLBACK and not Callback.objects.exists()

    @pytest.mark.parametrize(
        ("satisfaction", "solved"), [("very_unsatisfied", "solved"), ("basic", "unsolved")]
    )
    def test_an_unhappy_rating_heads_the_callback_queue_flagged(self, world, satisfaction, solved):
        first = answered(world, phone="13800000001")
        second = answered(world, at=T0 + timedelta(hours=1), phone="13800000002")
        resident_rate(
            ticket=second,
            solved=solved,
            satisfaction=satisfaction,
            comment="根本没人来修，还在漏",
            at=T0 + timedelta(hours=4),
        )
        second.refresh_from_db()
        assert second.status == Status.PENDING_CALLBACK and not Callback.objects.exists()
        rows = list(callback_queue(world.user("callback")))
        assert [t.pk for t in rows] == [second.pk, first.pk]  # first would be due earlier
        assert rows[0].unhappy_online and not rows[1].unhappy_online

    def test_the_queue_and_the_callback_page_show_her_words(self, world, client):
        ticket = answered(world)
        resident_rate(
            ticket=ticket,
            solved="unsolved",
            satisfaction="unsatisfied",
            comment="根本没人来修，还在漏",
            at=T0 + timedelta(hours=3),
        )
        client.force_login(world.user("callback"))
        queue = client.get(reverse("console:callbacks")).content.decode()
        assert "网上评价不满意，优先回访" in queue and "根本没人来修，还在漏" in queue
        page = client.get(reverse("console:callback_ticket", args=[ticket.pk])).content.decode()
        assert 'id="online-rating"' in page and "不满意，未解决" in page and "根本没人来修，还在漏" in page

    def test_a_counted_rating_shows_on_the_callback_record_as_web(self, world, client):
        ticket = answered(world)
        resident_rate(ticket=ticket, solved="solved", satisfaction="satisfied", at=T0 + timedelta(hours=3))
        client.force_login(world.user("callback"))
        page = client.get(reverse("console:callback_ticket", args=[ticket.pk])).content.decode()
        assert "网上评价 · 已接通 · 有效" in re.sub(r"\s+", " ", page)


class TestStatusPage:
    def test_the_resident_sees_her_words_and_the_deadline_while_it_is_handled(self, client, world):
        ticket = register(world, T0, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        due = lead_of(ticket).due_at
        body = track(client, ticket.number, "5678")
        assert "楼上住户卫生间漏水到我家" in body
        assert 'id="deadline"' in body and f"{due:%Y}年" in body
        view = resident_view(ticket)
        assert view.deadline == due and view.content == ticket.content

    def test_the_reply_and_the_units_public_photos_are_shown_not_the_internal_one(self, world):
        ticket = answered(world, photos=("after.png", "neighbour.png"), internal=("neighbour.png",))
        client = Client()
        body = track(client, ticket.number, "5678")
        assert PERSONAL_REPLY in body
        links = re.findall(r'<a href="(/track/photo/[^"]+/)"', body)
        assert len(links) == 1
        response = client.get(links[0])
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == PNG
        assert [p["name"] for p in resident_view(ticket).photos] == ["after.png"]

    def test_the_unit_or_the_centre_marks_a_photo_internal_after_the_fact(self, world, client):
        ticket = answered(world, photos=("after.png",))
        attachment = Attachment.objects.get()
        client.force_login(world.user("zjj"))
        page = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
        assert "诉求人可见" in page and "设为仅内部可见" in page
        response = client.post(
            reverse("console:attachment_internal", args=[attachment.pk]), {"internal": "1"}
        )
        assert response.status_code == 302
        attachment.refresh_from_db()
        assert attachment.is_internal and resident_view(ticket).photos == []
        event = Event.objects.get(ticket=ticket, action="attachment_visibility")
        assert event.actor == world.user("zjj") and not event.is_public
        client.force_login(world.user("dispatcher"))
        client.post(reverse("console:attachment_internal", args=[attachment.pk]), {"internal": "0"})
        attachment.refresh_from_db()
        assert not attachment.is_internal

    def test_a_unit_without_the_ticket_cannot_hide_its_photos(self, world):
        from civicgrid.tickets.errors import TicketError

        ticket = answered(world, photos=("after.png",))
        with pytest.raises(TicketError, match="无权"):
            services.attachment_set_internal(
                attachment=ticket.attachments.get(), actor=world.user("worker1"), internal=True
            )

    def test_a_photo_link_is_signed_and_expires(self, world):
        ticket = answered(world, photos=("after.png",))
        token = resident_view(ticket).photos[0]["token"]
        client = Client()
        assert client.get(reverse("portal:photo", args=[token + "x"])).status_code == 404
        internal = Attachment.objects.get()
        internal.is_internal = True
        internal.save()
        assert client.get(reverse("portal:photo", args=[token])).status_code == 404
        internal.is_internal = False
        internal.save()
        with time_machine.travel(T0 + timedelta(days=400)):
            assert client.get(reverse("portal:photo", args=[token])).status_code == 404

    def test_the_internal_close_reason_is_not_on_the_public_timeline(self, client, world):
        # Red team L3: 免回访办结 with an exemption wrote 「办结:x」 on the resident's timeline.
        ticket = answered(world)
        services.ticket_close(
            ticket=ticket,
            actor=world.user("callback"),
            exemption="不合理诉求，诉求人无理纠缠",
            at=T0 + timedelta(hours=5),
        )
        body = track(client, ticket.number, "5678")
        assert "已办结" in body and "不合理诉求" not in body and "无理纠缠" not in body
        staff_note = Event.objects.get(ticket=ticket, action="closed").note
        assert "不合理诉求" in staff_note  # staff still read the reason


class TestMergedTickets:
    @pytest.fixture
    def merged(self, world):
        """Browser walk: 000049 (phone ending 9876) merged into 000047, which 王阿姨 rated online."""
        duplicate = register(world, T0, category=None, requester_phone="13900009876", requester_name="李四")
        master = answered(world, at=T0 + timedelta(minutes=5))
        services.ticket_merge(
            ticket=Ticket.objects.get(pk=duplicate.pk),
            master=master,
            actor=world.user("dispatcher"),
            reason="重复",
            at=T0,
        )
        resident_rate(
            ticket=master,
            solved="partly",
            satisfaction="basic",
            comment="王阿姨的意见",
            at=T0 + timedelta(hours=3),
        )
        return Ticket.objects.get(pk=duplicate.pk), Ticket.objects.get(pk=master.pk)

    def test_the_merged_resident_sees_the_shared_progress_only(self, client, merged):
        duplicate, master = merged
        body = track(client, duplicate.number, "9876")
        assert f"已并入工单 {master.number}" in body and "已派住建局" in body
        for other in (
            PERSONAL_REPLY,
            "张三",
            "13812345678",
            "诉求人已在线评价",
            "王阿姨的意见",
            "已联系诉求人",
        ):
            assert other not in body, other

    def test_each_merged_resident_can_rate(self, client, merged):
        duplicate, master = merged
        body = track(client, duplicate.number, "9876")
        assert "评价办理结果" in body
        response = client.post(
            reverse("portal:rate"),
            {
                "number": duplicate.number,
                "code": duplicate.query_code,
                "satisfaction": "unsatisfied",
                "solved": "unsolved",
            },
        )
        assert "感谢您的评价" in response.content.decode()
        assert ResidentRating.objects.get(ticket=duplicate).satisfaction == "unsatisfied"
        assert Ticket.objects.get(pk=duplicate.pk).status == Status.MERGED

    def test_the_callback_page_lists_every_requester_to_call(self, client, world, merged):
        duplicate, master = merged
        resident_rate(ticket=duplicate, solved="unsolved", satisfaction="unsatisfied", comment="我家也还在漏")
        client.force_login(world.user("callback"))
        page = client.get(reverse("console:callback_ticket", args=[master.pk])).content.decode()
        assert "并入本单的诉求人" in page and duplicate.number in page and "13900009876" in page
        assert "我家也还在漏" in page

    def test_the_queue_says_how_many_more_requesters_to_call(self, client, world):
        master = answered(world)
        for i, phone_ in enumerate(("13900000011", "13900000012")):
            duplicate = register(world, T0 + timedelta(minutes=i), category=None, requester_phone=phone_)
            services.ticket_merge(
                ticket=duplicate, master=master, actor=world.user("dispatcher"), reason="重复", at=T0
            )
        row = callback_queue(world.user("callback")).get(pk=master.pk)
        assert (row.merged_requesters, row.attempts) == (2, 0)
        client.force_login(world.user("callback"))
        assert "另有 2 位诉求人" in client.get(reverse("console:callbacks")).content.decode()


class TestNothingPersonalInCookies:
    def test_a_revealed_name_and_phone_are_not_in_the_messages_cookie(self, client, world):
        # Red team L4: the reveal put 「诉求人:彭玉兰,电话:19869322067」 in the signed, unencrypted cookie.
        ticket = register(world, T0, requester_name="彭玉兰", requester_phone="19869322067")
        client.force_login(world.user("dispatcher"))
        response = client.post(
            reverse("console:ticket_reveal", args=[ticket.pk]), {"purpose": "核实诉求人身份"}
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "彭玉兰" in body and "19869322067" in body and "本次查看已记录" in body
        for cookie in response.cookies.values():
            raw = cookie.value
            text = raw
            payload = raw.split(":")[0].lstrip(".")
            try:
                text += zlib.decompress(
                    base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
                ).decode()
            except (ValueError, zlib.error):
                pass
            assert "彭玉兰" not in text and "19869322067" not in text
        assert "messages" not in response.cookies
        again = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
        assert "19869322067" not in again

    def test_the_receipt_leaves_the_session_after_an_hour(self, client, world):
        # Red team L5: the receipt (number and last four digits) stayed for the session's 14 days.
        data = {
            "request_type": "ZX",
            "content": "请问社区的老年证在哪里办理,需要什么材料?",
            "requester_phone": "13900004321",
        }
        with time_machine.travel(T0, tick=False):
            assert client.post(reverse("portal:submit"), data).status_code == 302
            number = Ticket.objects.get().number
        with time_machine.travel(T0 + timedelta(minutes=59), tick=False):
            assert number in client.get(reverse("portal:receipt")).content.decode()
        with time_machine.travel(T0 + timedelta(minutes=61), tick=False):
            assert client.get(reverse("portal:receipt"))["Location"] == reverse("portal:home")
            assert "portal_receipt" not in client.session
