"""The journeys people take, across roles, in a real browser. Screenshots land in test-output/screenshots/."""

import re

import pytest

from civicgrid.tickets import services
from civicgrid.tickets.models import Status, Ticket
from tests.tickets.conftest import local, world  # noqa: F401
from tests.tickets.helpers import lead_of, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _test_categories(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"


def _assignment_of(ticket, unit):
    return ticket.assignments.get(round=Ticket.objects.get(pk=ticket.pk).dispatch_round, unit=unit)


def test_a_joint_matter_from_the_resident_to_closure(tab, world):  # noqa: F811
    page = tab.page
    # A resident reports an illegal building on the portal, without an account.
    tab.open("/submit/")
    page.select_option("[name=request_type]", "TS")
    page.fill("[name=content]", "小区楼顶有人违章加盖房屋,噪音大且有安全隐患,请尽快处理。")
    page.fill("[name=address]", "银海社区第1网格")
    page.evaluate("""() => { document.querySelector('[name=lat]').value = '19.205';
                             document.querySelector('[name=lon]').value = '110.405'; }""")
    page.fill("[name=requester_name]", "陈女士")
    page.fill("[name=requester_phone]", "13900005678")
    tab.shot("portal-submit")
    page.click("button[type=submit]:has-text('提交')")
    number = re.search(r"\d{8}-\d{6}", page.content()).group(0)
    tab.shot("portal-receipt")
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == Status.RECEIVED and ticket.channel == "web"

    # The dispatcher accepts it under 违章建筑 and dispatches by the direct table: a joint matter.
    tab.login("dispatcher")
    tab.open(f"/console/dispatch/{ticket.pk}/")
    page.select_option(
        "form[action$='/accept/'] select[name=category]", str(world.categories["illegal_building"].pk)
    )
    page.click("text=确认分类并转派单")
    tab.shot("dispatch-ticket")
    page.click("text=按规则派单")
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.lead_unit == world.units["zf"]
    tab.open("/console/dispatch/")
    tab.shot("dispatch-queue")

    # The co-unit signs and reports to the lead.
    tab.logout()
    tab.login("zjj")
    tab.open("/console/inbox/")
    tab.shot("inbox-zjj")
    tab.open(f"/console/assignment/{_assignment_of(ticket, world.units['zjj']).pk}/")
    page.click("form[action$='/sign/'] button")
    page.fill("form[action$='/co-reply/'] textarea", "已到现场核查,确认违章加盖,已配合取证。")
    page.click("form[action$='/co-reply/'] button")

    # The grid team (also a co-unit) does the same.
    tab.logout()
    tab.login("worker1")
    tab.open(f"/console/assignment/{_assignment_of(ticket, world.units['grid1']).pk}/")
    page.click("form[action$='/sign/'] button")
    page.fill("form[action$='/co-reply/'] textarea", "网格员已入户宣传,劝导当事人停工。")
    page.click("form[action$='/co-reply/'] button")

    # The lead signs, contacts the requester and answers.
    tab.logout()
    tab.login("zf")
    tab.open(f"/console/assignment/{lead_of(ticket).pk}/")
    page.click("form[action$='/sign/'] button")
    page.select_option("form[action$='/contact/'] select[name=method]", "phone")
    page.click("form[action$='/contact/'] button")
    page.select_option("form[action$='/reply/'] select[name=result_code]", "solved")
    page.fill(
        "form[action$='/reply/'] textarea[name=text]", "已责令当事人自行拆除违章加盖部分,现场已恢复原状。"
    )
    tab.shot("assignment-lead")
    page.click("form[action$='/reply/'] button")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REPLIED

    # The dispatcher passes the reply; the callback agent calls and records a satisfied requester.
    tab.logout()
    tab.login("dispatcher")
    tab.open("/console/dispatch/?tab=review")
    page.click("button[value=approve]")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING_CALLBACK
    tab.logout()
    tab.login("callback")
    tab.open("/console/callbacks/")
    tab.shot("callbacks")
    tab.open(f"/console/callbacks/{ticket.pk}/")
    page.check("[name=reached][value='1']")
    page.check("[name=contacted][value='1']")
    page.select_option("[name=solved]", "solved")
    page.check("[name=satisfaction][value='satisfied']")
    tab.shot("callback-ticket")
    page.click("text=保存回访结果")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED

    # The resident tracks the ticket and sees it closed, with no staff names.
    tab.logout()
    tab.open("/track/")
    page.fill("[name=number]", number)
    page.fill("[name=code]", Ticket.objects.get(number=number).query_code)
    page.click("button[type=submit]")
    body = page.content()
    tab.shot("portal-track")
    assert "已办结" in body and "办结" in body
    assert "测试zf" not in body and "dispatcher" not in body


def test_operator_intake_merges_a_duplicate(tab, world):  # noqa: F811
    master = register(
        world,
        None,
        category="neighbour",
        title="楼上漏水严重",
        content="楼上卫生间漏水到我家天花板,多次沟通无果",
    )
    page = tab.page
    tab.login("operator")
    tab.open("/console/intake/")
    page.fill("[name=requester_name]", "李先生")
    page.fill("[name=requester_phone]", "13700001234")
    page.fill("[name=title]", "楼上漏水严重")
    page.select_option("[name=request_type]", "QZ")
    page.fill("[name=content]", "楼上卫生间漏水到我家天花板,已经多次沟通,没有结果")
    page.fill("[name=address]", "银海社区")
    page.evaluate("""() => { document.querySelector('[name=lat]').value = '19.205';
                             document.querySelector('[name=lon]').value = '110.405'; }""")
    page.click("text=定位并查重")
    page.wait_for_selector(f"text={master.number}")
    tab.shot("intake-duplicates")
    # A merge is never one click: a reason and a confirmation first.
    page.fill("[name=merge_reason]", "同一处楼上漏水")
    page.check("[name=merge_confirm]")
    page.click("text=登记并入此单")
    page.wait_for_selector(f"text=已登记并并入工单 {master.number}")
    tab.shot("intake-after-merge")
    duplicate = Ticket.objects.exclude(pk=master.pk).get()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == master


def test_an_extension_request_is_decided(tab, world):  # noqa: F811
    ticket = register(world, None, category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"))
    lead = lead_of(ticket)
    services.assignment_sign(assignment=lead, actor=world.user("zjj"))
    page = tab.page
    tab.login("zjj")
    tab.open(f"/console/assignment/{lead.pk}/")
    page.click("summary:has-text('申请延期')")
    page.fill("form[action$='/extension/'] [name=days]", "5")
    page.fill("form[action$='/extension/'] [name=reason]", "需委托第三方检测机构鉴定")
    page.click("form[action$='/extension/'] button")
    tab.logout()
    tab.login("dispatcher")
    tab.open("/console/dispatch/?tab=extensions")
    tab.shot("dispatch-extensions")
    page.click("button[value=approve]")
    lead.refresh_from_db()
    assert lead.extended_days == 5 and lead.due_at > lead.original_due_at


def test_the_leader_dashboard_draws_its_charts(tab, world):  # noqa: F811
    register(world, None, category="property")
    tab.login("leader")
    tab.open("/console/dashboard/")
    tab.page.wait_for_selector("body[data-charts=settled]")
    tab.page.wait_for_timeout(800)  # the charts' first drawing animates
    assert tab.page.locator("#chart-trend canvas").count() == 1
    tab.shot("dashboard")
    assert "综合" in tab.page.content()
