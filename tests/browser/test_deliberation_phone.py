"""协商议事 on a 390 px phone at 100 % and 150 % text: the console's topic list, new topic, a topic's page (a
notified 议事会 with participants, a 四议两公开 with its checklist and a resolved topic with its forms), 提交协商议事
from a ticket and the figures; the portal's notices and results and a resident's own proposals."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import services
from civicgrid.deliberation.models import FourTwoStep, Participant, Topic
from civicgrid.portal.signin import SESSION_KEY
from civicgrid.registry.models import AdminArea, Role, Staff, Unit
from tests.browser.conftest import Page
from tests.browser.layout import PHONE, assert_fits_phone, set_text_size
from tests.registry.factories import COMMUNITY, TOWN, make_area, make_hierarchy
from tests.routing.factories import make_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE_NUMBER = "13800138000"


@pytest.fixture
def context(chromium):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    yield context
    context.close()


@pytest.fixture
def phone(context, live_server):
    page = Page(context.new_page(), live_server.url)
    yield page
    assert page.errors == [], page.errors


@pytest.fixture
def world(db):
    areas = make_hierarchy()
    yinhai = areas[COMMUNITY]
    village = make_area("469002100203", "大路村", AdminArea.Level.VILLAGE, areas[TOWN])
    unit = Unit.objects.create(code="YH1", name="银海社区居委会", kind=Unit.Kind.COMMUNITY, area=yinhai)
    town = Unit.objects.create(code="JJ1", name="嘉积镇人民政府", kind=Unit.Kind.OTHER, area=areas[TOWN])
    user = get_user_model().objects.create_user("jj", password="x-long-password-1")
    staff = Staff.objects.create(user=user, name="镇干部")
    staff.roles.add(Role.objects.get(code=Role.GRID_LEADER))
    staff.units.add(unit, town)
    today = timezone.localdate()
    long_title = "凯源小区二街水沟坍塌堵塞、消防通道污水横流如何修复及费用承担"
    notified = services.topic_propose(
        actor=SYSTEM,
        area=yinhai,
        title=long_title,
        description="挖掘机施工压坏水沟，约60米水沟坍塌、堵塞，影响附近100多户居民。" * 3,
        source=Topic.Source.GRID_WORKER,
        level=Topic.Level.COMPOUND,
    )
    services.topic_accept(actor=SYSTEM, topic=notified)
    for kind, name in (
        (Participant.Kind.STAKEHOLDER, "凯源小区二街居民代表欧阳晓明华"),
        (Participant.Kind.EXPERT, "镇城建办技术员"),
    ):
        services.participant_add(actor=SYSTEM, topic=notified, kind=kind, name=name)
    services.topic_notify(
        actor=SYSTEM,
        topic=notified,
        meeting_on=today + timedelta(days=3),
        place="东风社区党群服务中心三楼议事厅",
    )
    four = services.topic_propose(
        actor=SYSTEM,
        area=village,
        title="村道硬化及排水沟建设",
        source=Topic.Source.GRID_WORKER,
        form=Topic.Form.FOUR_TWO,
    )
    services.topic_accept(actor=SYSTEM, topic=four)
    for step in (FourTwoStep.Step.PROPOSE, FourTwoStep.Step.CONSULT):
        services.step_record(actor=SYSTEM, topic=four, step=step)
    services.topic_notify(actor=SYSTEM, topic=four, meeting_on=today, place="村委会会议室")
    services.step_record(
        actor=SYSTEM, topic=four, step=FourTwoStep.Step.MEMBERS, expected=36, present=29, votes_for=26
    )
    resolved = services.topic_propose(
        actor=None, area=yinhai, title="增设电动车充电桩", source=Topic.Source.RESIDENT, proposer_name="陈大文",
        proposer_phone=PHONE_NUMBER,
    )  # fmt: skip
    services.topic_accept(actor=SYSTEM, topic=resolved)
    services.topic_notify(actor=SYSTEM, topic=resolved, meeting_on=today, place="议事厅")
    services.topic_deliberate(
        actor=SYSTEM, topic=resolved, resolution="在小区东门增设充电桩12个，由物业负责日常管理。" * 2,
        votes_for=15, votes_against=2, votes_abstain=1, owner_unit=town, funding_source="镇财政",
        funding_amount=86000,
    )  # fmt: skip
    services.topic_publicise(actor=SYSTEM, topic=resolved)
    ticket = make_ticket(community=yinhai, title="凯源小区二街水沟堵塞")
    return {"notified": notified, "four": four, "resolved": resolved, "ticket": ticket}


def fits(page):
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', ''))")
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)


def test_console_deliberation_pages_fit_a_phone(phone, world):
    phone.login("jj")
    for path in (
        "/console/deliberation/",
        "/console/deliberation/?q=%E6%B0%B4%E6%B2%9F&state=notified",
        "/console/deliberation/new/",
        f"/console/deliberation/{world['notified'].pk}/",
        f"/console/deliberation/{world['four'].pk}/",
        f"/console/deliberation/{world['resolved'].pk}/",
        "/console/deliberation/stats/",
    ):
        page = phone.open(path)
        assert page.title() and "出错" not in page.content(), path
        fits(page)
        phone.shot("phone-" + path.strip("/").split("?")[0].replace("/", "-"))


def test_send_a_ticket_to_deliberation_fits_a_phone(phone, world):
    get_user_model().objects.create_superuser("root", password="x-long-password-1")
    phone.login("root")
    page = phone.open(f"/console/deliberation/from-ticket/{world['ticket'].pk}/")
    assert "提交协商议事" in page.content()
    fits(page)
    phone.shot("phone-console-deliberation-from-ticket")


def test_portal_deliberation_pages_fit_a_phone(phone, context, world, live_server):
    page = phone.open("/deliberation/")
    assert world["notified"].title in page.content() and "在小区东门增设充电桩" in page.content()
    fits(page)
    phone.shot("phone-portal-deliberation")
    session = SessionStore()
    session[SESSION_KEY] = {"phone": PHONE_NUMBER, "until": time.time() + 600}
    session.save()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )
    page = phone.open("/deliberation/mine/")
    assert "增设电动车充电桩" in page.content()
    fits(page)
    phone.shot("phone-portal-deliberation-mine")
