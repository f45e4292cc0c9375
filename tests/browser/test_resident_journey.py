"""The resident's journey: she submits, gets her receipt SMS with the 查询码, signs in to 我的诉求 with
an SMS code and rates the closed ticket, in a real browser."""

import re

import pytest
from django.utils import timezone

from civicgrid.notify.models import SmsMessage
from civicgrid.portal.models import ResidentRating
from civicgrid.tickets import services
from civicgrid.tickets.models import Status, Ticket
from tests.tickets.conftest import world  # noqa: F401
from tests.tickets.helpers import handle_to_reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = "13900006688"


@pytest.fixture(autouse=True)
def _test_categories(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"


def _close(world, ticket):  # noqa: F811
    now = timezone.now()
    services.ticket_accept(
        ticket=ticket, actor=world.user("operator"), category=world.categories["neighbour"], at=now
    )
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=now)
    handle_to_reply(world, ticket, now, "worker1")
    services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=now)
    services.callback_record(
        ticket=ticket,
        actor=world.user("callback"),
        reached=True,
        contacted=True,
        solved="solved",
        satisfaction="satisfied",
        at=now,
    )


def test_a_resident_submits_reads_her_sms_signs_in_with_a_code_and_rates(tab, world):  # noqa: F811
    page = tab.page
    tab.open("/submit/")
    page.select_option("[name=request_type]", "QZ")
    page.fill("[name=content]", "楼上住户卫生间漏水到我家天花板,多次沟通无果,请帮忙协调。")
    page.fill("[name=address]", "银海社区第1网格")
    page.evaluate("""() => { document.querySelector('[name=lat]').value = '19.205';
                             document.querySelector('[name=lon]').value = '110.405'; }""")
    page.fill("[name=requester_name]", "林女士")
    page.fill("[name=requester_phone]", PHONE)
    page.click("button[type=submit]:has-text('提交')")
    number = re.search(r"\d{8}-\d{6}", page.content()).group(0)
    ticket = Ticket.objects.get(number=number)
    assert page.inner_text("#query-code") == ticket.query_code
    tab.shot("portal-receipt-query-code")

    # Her receipt SMS, from the outbox: the number and the 查询码.
    receipt = SmsMessage.objects.get(phone=PHONE, template__key="receipt")
    assert number in receipt.text and ticket.query_code in receipt.text

    _close(world, ticket)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED

    tab.open("/mine/")
    page.fill("[name=phone]", PHONE)
    page.click("button:has-text('获取短信验证码')")
    page.wait_for_selector("[name=code]")
    code = SmsMessage.objects.get(phone=PHONE, template__key="login_code").params["code"]
    page.fill("[name=code]", code)
    page.click("button:has-text('登录')")
    page.wait_for_selector(f"text={number}")
    tab.shot("portal-mine-list")
    assert "可以评价" in page.content()

    page.click(f"text={number}")
    page.wait_for_selector("#rate")
    page.check("[name=satisfaction][value=satisfied]")
    page.check("[name=solved][value=solved]")
    page.fill("[name=comment]", "处理及时,谢谢")
    tab.shot("portal-mine-ticket")
    page.click("#rate button[type=submit]")
    page.wait_for_selector("text=感谢您的评价")
    assert ResidentRating.objects.get(ticket=ticket).comment == "处理及时,谢谢"
    assert not tab.errors, tab.errors
