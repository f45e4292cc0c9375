from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from civicgrid.core.models import AuditEvent
from civicgrid.notify.backends import SmsConsoleBackend
from civicgrid.notify.models import SmsMessage, SmsOptOut, SmsStatus, SmsTemplate, sms_segments
from civicgrid.notify.services import historical
from civicgrid.notify.sms import (
    SmsError,
    can_receive,
    deliver_sms,
    enqueue,
    is_opted_out,
    normalize_phone,
    sms_opt_in,
    sms_opt_out,
    template_for,
)
from tests.sla.factories import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9, 0)
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def console(settings):
    stream = StringIO()
    settings.CIVICGRID_SMS_GATEWAY = "tests.notify.test_sms.ConsoleToStream"
    ConsoleToStream.stream_for_tests = stream
    return stream


class ConsoleToStream(SmsConsoleBackend):
    stream_for_tests = None

    def __init__(self):
        super().__init__(stream=self.stream_for_tests)


def test_every_seeded_template_fits_the_length_limit():
    keys = set(SmsTemplate.objects.values_list("key", flat=True))
    assert {"receipt", "dispatched", "replied", "closed", "reopened", "login_code"} <= keys
    for template in SmsTemplate.objects.all():
        template.full_clean()


def test_a_template_too_long_with_its_longest_parameters_is_refused(settings):
    settings.CIVICGRID_SMS_MAX_SEGMENTS = 1
    template = template_for("receipt")
    template.param_limits = {**template.param_limits, "link": 60}
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "超过 1 条短信的长度上限" in str(refused.value)


def test_a_placeholder_without_a_declared_length_is_refused():
    template = template_for("closed")
    template.text += "{extra}"
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "extra" in str(refused.value)


def test_segments_count_the_concatenation_header():
    assert sms_segments("字" * 70) == 1
    assert sms_segments("字" * 71) == 2
    assert sms_segments("字" * 134) == 2
    assert sms_segments("字" * 135) == 3


def test_enqueue_renders_with_the_signature_and_sends_after_commit(
    console, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(
            phone="+86 138-0013-8000",
            template="login_code",
            params={"code": "123456", "minutes": "5"},
            key="k1",
        )
    assert message.phone == PHONE
    assert message.text == "【12345热线】您的验证码为123456，5分钟内有效，请勿告诉他人。"
    assert message.provider_code == "SMS_CG_LOGIN_CODE"
    assert message.params == {"code": "123456", "minutes": "5"}
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.provider_message_id == f"console-{message.pk}"
    assert message.attempts == 1
    assert "138****8000" in console.getvalue()
    assert AuditEvent.objects.filter(action="sms.sent", target_id=str(message.pk)).count() == 1


def test_a_second_enqueue_with_the_same_key_returns_the_first_message(
    console, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue(phone=PHONE, template="closed", params={"number": "1", "link": "x"}, key="same")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = enqueue(phone=PHONE, template="closed", params={"number": "2", "link": "y"}, key="same")
    assert second.pk == first.pk
    assert callbacks == []
    assert SmsMessage.objects.count() == 1
    assert console.getvalue().count("[sms]") == 1


def test_a_rolled_back_change_sends_nothing(console):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(phone=PHONE, template="closed", params={"number": "1", "link": "x"}, key="gone")
        raise RuntimeError
    assert deliver_sms() == 0
    assert not SmsMessage.objects.exists()
    assert console.getvalue() == ""


def test_long_parameters_are_cut_to_their_declared_length():
    message = enqueue(
        phone=PHONE, template="replied", params={"number": "1", "summary": "长" * 80, "link": "x"}, key="cut"
    )
    assert message.params["summary"] == "长" * 29 + "…"


def test_an_opted_out_phone_gets_no_messages_but_still_its_login_codes(console):
    sms_opt_out(phone="+8613800138000", source=SmsOptOut.Source.RECEIPT)
    assert is_opted_out(PHONE)
    assert enqueue(phone=PHONE, template="closed", params={"number": "1", "link": "x"}, key="a") is None
    assert (
        enqueue(phone=PHONE, template="login_code", params={"code": "1", "minutes": "5"}, key="b") is not None
    )
    assert AuditEvent.objects.filter(action="sms.opt_out").count() == 1


def test_opting_out_drops_the_messages_still_waiting(console):
    waiting = enqueue(phone=PHONE, template="closed", params={"number": "1", "link": "x"}, key="w")
    sms_opt_out(phone=PHONE, source=SmsOptOut.Source.SUBMIT_FORM)
    waiting.refresh_from_db()
    assert waiting.status == SmsStatus.FAILED
    assert deliver_sms() == 0


def test_an_opt_out_stops_a_message_claimed_when_queued(console, time_machine):
    # Queued in a transaction whose commit never comes (the test's): written claimed for the send on commit.
    waiting = enqueue(phone=PHONE, template="closed", params={"number": "1", "link": "x"}, key="w")
    assert (waiting.status, waiting.attempts) == (SmsStatus.SENDING, 1)
    sms_opt_out(phone=PHONE, source=SmsOptOut.Source.SUBMIT_FORM)
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)
    assert deliver_sms() == 0
    waiting.refresh_from_db()
    assert waiting.status == SmsStatus.FAILED
    assert console.getvalue() == ""


def test_a_message_claimed_when_queued_but_never_sent_goes_to_the_worker_after_its_claim(
    console, time_machine
):
    message = enqueue(phone=PHONE, template="closed", params={"number": "1", "link": "x"}, key="lost")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENDING, 1)
    assert message.next_attempt_at > NOW
    assert deliver_sms() == 0  # still held for the send on commit
    time_machine.move_to(message.next_attempt_at, tick=False)
    assert deliver_sms() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENT, 2)
    assert console.getvalue().count("[sms]") == 1


def test_opting_in_again_is_audited():
    sms_opt_out(phone=PHONE, source=SmsOptOut.Source.ADMIN)
    assert sms_opt_in(phone=PHONE)
    assert not is_opted_out(PHONE)
    assert not sms_opt_in(phone=PHONE)
    assert AuditEvent.objects.filter(action="sms.opt_in").count() == 1


def test_historical_replay_writes_the_message_and_never_sends_it(console, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, historical():
        message = enqueue(phone=PHONE, template="closed", params={"number": "1", "link": "x"}, key="h")
    assert callbacks == []
    assert message.status == SmsStatus.HISTORICAL
    assert deliver_sms() == 0
    assert console.getvalue() == ""


def test_no_phone_or_no_template_is_a_refusal():
    with pytest.raises(SmsError):
        enqueue(phone=" ", template="closed", params={}, key="x")
    with pytest.raises(SmsError):
        enqueue(phone=PHONE, template="nonesuch", params={}, key="y")


def test_phone_numbers():
    assert normalize_phone("0086 138 0013 8000") == PHONE
    assert can_receive("13800138000")
    assert can_receive("+852 6123 4567")
    assert not can_receive("0898-66668888")
    assert not can_receive("")
