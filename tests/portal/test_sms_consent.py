"""The resident is told what her number is used for, and can opt out of progress SMS."""

import pytest
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.notify.models import SmsMessage, SmsOptOut
from civicgrid.notify.sms import is_opted_out
from civicgrid.tickets.models import Ticket

from .test_views import form


def test_the_form_says_what_the_number_is_used_for(client, db):
    page = client.get(reverse("portal:submit")).content.decode()
    assert "我们会用这个号码给您发送受理、派单、答复和办结短信" in page
    assert 'name="sms_opt_out"' in page


def test_a_submission_sends_the_receipt_sms(client, world):
    client.post(reverse("portal:submit"), form())
    ticket = Ticket.objects.get()
    message = SmsMessage.objects.get()
    assert (message.phone, message.ticket_id, message.template.key) == (
        "13900004321",
        ticket.pk,
        "receipt",
    )


def test_ticking_the_box_opts_out_before_even_the_receipt(client, world):
    response = client.post(reverse("portal:submit"), form(sms_opt_out="on"))
    assert response.status_code == 302
    assert Ticket.objects.count() == 1
    assert is_opted_out("13900004321")
    assert SmsOptOut.objects.get().source == SmsOptOut.Source.SUBMIT_FORM
    assert not SmsMessage.objects.exists()
    assert AuditEvent.objects.filter(action="sms.opt_out").count() == 1


def test_a_refused_submission_does_not_opt_out(client, world):
    client.post(reverse("portal:submit"), form(sms_opt_out="on", content=""))
    assert not SmsOptOut.objects.exists()


def test_the_receipt_page_opts_out_the_phone_of_the_ticket_just_submitted(client, world):
    client.post(reverse("portal:submit"), form())
    page = client.get(reverse("portal:receipt")).content.decode()
    assert "不再接收进度短信" in page
    response = client.post(reverse("portal:receipt_sms_opt_out"), follow=True)
    assert "已为您退订" in response.content.decode()
    assert SmsOptOut.objects.get().source == SmsOptOut.Source.RECEIPT
    assert is_opted_out("13900004321")


@pytest.mark.parametrize("method", ["get", "post"])
def test_opting_out_needs_a_submission_in_this_session(client, db, method):
    response = getattr(client, method)(reverse("portal:receipt_sms_opt_out"))
    assert response.status_code in (302, 405)
    assert not SmsOptOut.objects.exists()


def test_the_operator_tells_the_caller(client, world):
    client.force_login(world.user("operator"))
    page = client.get(reverse("console:intake")).content.decode()
    assert "您的电话号码将用于发送受理和办理进度短信" in page
