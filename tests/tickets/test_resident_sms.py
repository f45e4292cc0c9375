from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from civicgrid.notify.models import SmsMessage, SmsOptOut, SmsStatus
from civicgrid.notify.services import historical
from civicgrid.notify.sms import sms_opt_out
from civicgrid.tickets import services
from civicgrid.tickets.models import Event, Ticket

from .conftest import local
from .helpers import handle_to_reply, register

T0 = local(2026, 6, 1, 9, 0)  # a Monday
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _public_address(settings, time_machine):
    settings.CIVICGRID_PUBLIC_BASE_URL = "https://12345.example.cn/"
    time_machine.move_to(T0, tick=False)


def texts(ticket=None) -> list[tuple[str, str]]:
    rows = SmsMessage.objects.order_by("pk")
    if ticket is not None:
        rows = rows.filter(ticket_id=ticket.pk)
    return [(m.template.key, m.text) for m in rows.select_related("template")]


def to_pending_callback(world, ticket, handler="worker1"):
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    handle_to_reply(world, ticket, T0 + timedelta(hours=2), handler)
    services.reply_review(
        ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=3)
    )
    return Ticket.objects.get(pk=ticket.pk)


def test_the_requester_is_told_at_each_step_of_the_loop(world):
    ticket = register(world, T0)
    ticket = to_pending_callback(world, ticket)
    services.callback_record(
        ticket=ticket,
        actor=world.user("callback"),
        reached=True,
        contacted=True,
        solved="solved",
        satisfaction="satisfied",
        at=T0 + timedelta(hours=5),
    )
    number = ticket.number
    code = Ticket.objects.get(pk=ticket.pk).query_code
    assert texts() == [
        (
            "receipt",
            f"【12345热线】您的诉求已登记，工单号{number}，查询码{code}，请妥善保存。查询进度："
            f"https://12345.example.cn/track/?number={number}",
        ),
        (
            "dispatched",
            f"【12345热线】您的诉求（工单号{number}）已交银海第1网格工作组办理，将于6月4日9时前答复。"
            f"进度：https://12345.example.cn/track/?number={number}",
        ),
        (
            "replied",
            f"【12345热线】您的诉求（工单号{number}）已答复：已处理完毕。欢迎评价："
            f"https://12345.example.cn/rate/?number={number}",
        ),
        (
            "closed",
            f"【12345热线】您的诉求（工单号{number}）已办结，感谢您的支持。详情："
            f"https://12345.example.cn/track/?number={number}",
        ),
    ]
    assert set(SmsMessage.objects.values_list("phone", flat=True)) == {PHONE}
    assert not Event.objects.filter(ticket=ticket, action__startswith="sms").exists()  # timelines unchanged


def test_a_reply_ending_with_a_full_stop_is_not_closed_twice(world):
    ticket = register(world, T0)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    handle_to_reply(world, ticket, T0 + timedelta(hours=2), "worker1", text="已清理积水，  排水恢复正常。")
    services.reply_review(
        ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=3)
    )
    [(_, text)] = [row for row in texts(ticket) if row[0] == "replied"]
    assert "已答复：已清理积水， 排水恢复正常。欢迎评价" in text


def test_the_receipt_carries_the_query_code_when_the_ticket_has_one(world):
    ticket = register(world, T0, category=None)
    ((key, text),) = texts(ticket)
    assert key == "receipt"
    assert f"查询码{ticket.query_code}" in text


def test_a_reopened_ticket_is_announced(world):
    ticket = to_pending_callback(world, register(world, T0, category="property"), handler="zjj")
    services.callback_record(
        ticket=ticket,
        actor=world.user("callback"),
        reached=True,
        contacted=True,
        solved="unsolved",
        satisfaction="unsatisfied",
        attributable=True,
        at=T0 + timedelta(days=1),
    )
    assert [key for key, _ in texts()][-2:] == ["replied", "reopened"]
    assert "已重新交办" in texts()[-1][1]


def test_anonymous_and_confidential_requesters_are_told_without_any_name(world):
    ticket = register(world, T0, is_anonymous=True, is_confidential=True, requester_name="李四")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    lead = ticket.assignments.get()
    services.assignment_sign(assignment=lead, actor=world.user("worker1"), at=T0)
    services.assignment_first_contact(assignment=lead, actor=world.user("worker1"), method="three_way", at=T0)
    services.lead_reply(
        assignment=lead, actor=world.user("worker1"), result_code="solved", text="已修复", at=T0
    )
    services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0)
    messages = list(SmsMessage.objects.all())
    assert len(messages) == 3
    for message in messages:
        assert message.phone == PHONE
        assert "李四" not in message.text
        assert "测试" not in message.text  # no staff member either


def test_no_sms_to_a_landline_or_a_phone_that_opted_out(world):
    register(world, T0, category=None, requester_phone="0898-66668888")
    assert not SmsMessage.objects.exists()
    sms_opt_out(phone=PHONE, source=SmsOptOut.Source.SUBMIT_FORM)
    to_pending_callback(world, register(world, T0))
    assert not SmsMessage.objects.exists()


def test_a_grid_workers_own_report_sends_him_no_sms(world):
    to_pending_callback(world, register(world, T0, channel="grid_report"))
    assert not SmsMessage.objects.exists()


def test_a_merged_requester_follows_the_shared_progress_without_the_masters_reply(world):
    master = register(world, T0)
    duplicate = register(world, T0, category=None, requester_phone="13900001111")
    services.ticket_merge(
        ticket=duplicate, master=master, actor=world.user("operator"), reason="同一事项", at=T0
    )
    to_pending_callback(world, master)
    theirs = texts(duplicate)
    assert [key for key, _ in theirs] == ["receipt", "dispatched", "replied"]
    assert all(duplicate.number in text and master.number not in text for _, text in theirs)
    assert "已处理完毕" not in theirs[-1][1]
    assert SmsMessage.objects.filter(ticket_id=duplicate.pk).exclude(phone="13900001111").count() == 0


def test_a_redispatch_after_a_return_is_a_new_message_but_a_repeat_is_not(world):
    from civicgrid.tickets.resident_sms import tell

    ticket = register(world, T0)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    ticket.refresh_from_db()
    assert tell(ticket, "dispatched", at=T0) == 1  # the same step again: the same key, no second SMS
    assert SmsMessage.objects.filter(template__key="dispatched").count() == 1


def test_historical_replay_writes_the_messages_and_sends_none(
    world, django_capture_on_commit_callbacks, capsys
):
    with django_capture_on_commit_callbacks(execute=True), historical():
        register(world, T0)
    assert SmsMessage.objects.get().status == SmsStatus.HISTORICAL
    assert "[sms]" not in capsys.readouterr().out


def test_the_worker_delivers_the_sms(world, capsys, settings):
    settings.CIVICGRID_SMS_SEND_ON_COMMIT = False  # queued for the worker (on commit it would be claimed)
    register(world, T0)
    out = StringIO()
    call_command("worker", "--once", stdout=out, stderr=StringIO())
    assert "诉求人短信 1 条" in out.getvalue()
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {SmsStatus.SENT}
    assert "[sms] -> 138****5678: 【12345热线】您的诉求已登记" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("reply", "summary"),
    [("已处理完毕。", "已处理完毕"), ("已处理！", "已处理"), ("Done.", "Done"), ("已处理完毕", "已处理完毕")],
)
def test_the_summary_leaves_the_closing_mark_to_the_template(reply, summary):
    from civicgrid.tickets.resident_sms import _summary

    assert _summary(reply) == summary
