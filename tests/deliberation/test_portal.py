"""协商议事 in the portal: propose when signed in (rate limited per phone), follow one's own proposals, read
notices and results only within their windows (frozen time)."""

import time
from datetime import date

import time_machine
from django.core.cache import cache

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Topic
from civicgrid.portal.signin import SESSION_KEY

from .conftest import moment, propose

PHONE = "13800138000"


def sign_in(client, phone):
    session = client.session
    session[SESSION_KEY] = {"phone": phone, "until": time.time() + 600}
    session.save()


def test_propose_needs_sign_in_and_shows_own_states(world, client, settings):
    cache.clear()
    assert client.get("/deliberation/mine/")["Location"] == "/signin/?next=%2Fdeliberation%2Fmine%2F"
    sign_in(client, PHONE)
    response = client.post(
        "/deliberation/mine/", {"community": world["yinhai"].code, "title": "小区增设充电桩"}
    )
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert (topic.source, topic.proposer_phone, topic.state) == ("resident", PHONE, "collected")
    services.topic_decline(actor=SYSTEM, topic=topic, reason="属于物业服务合同事项")
    html = client.get("/deliberation/mine/").content.decode()
    assert "不予受理" in html and "属于物业服务合同事项" in html
    # another phone sees nothing of it
    sign_in(client, "13900139000")
    assert "小区增设充电桩" not in client.get("/deliberation/mine/").content.decode()
    html = client.post("/deliberation/mine/", {"community": "", "title": "x"}).content.decode()
    assert "请选择所在的村（社区）" in html


def test_propose_is_rate_limited(world, client, settings):
    cache.clear()
    settings.CIVICGRID_PORTAL_LIMITS = {"propose.phone": (2, 86400)}
    sign_in(client, PHONE)
    for n in range(2):
        client.post("/deliberation/mine/", {"community": world["yinhai"].code, "title": f"议题{n}"})
    response = client.post("/deliberation/mine/", {"community": world["yinhai"].code, "title": "第三个"})
    assert response.status_code == 429 and Topic.objects.count() == 2


def test_board_shows_notices_and_results_in_their_windows(world, client):
    topic = propose(world, at=moment(2026, 12, 20), title="凯源小区水沟修复")
    services.topic_accept(actor=SYSTEM, topic=topic, on=date(2026, 12, 21))
    services.topic_notify(
        actor=SYSTEM, topic=topic, meeting_on=date(2026, 12, 28), place="社区议事厅", on=date(2026, 12, 22)
    )
    with time_machine.travel(moment(2026, 12, 21), tick=False):
        assert "凯源小区水沟修复" not in client.get("/deliberation/").content.decode()
    with time_machine.travel(moment(2026, 12, 28), tick=False):  # 22..28: the seven-day window's last day
        assert "社区议事厅协商" in client.get("/deliberation/").content.decode()
    with time_machine.travel(moment(2026, 12, 29), tick=False):
        assert "凯源小区水沟修复" not in client.get("/deliberation/").content.decode()
    topic.refresh_from_db()
    services.topic_deliberate(
        actor=SYSTEM,
        topic=topic,
        resolution="由镇政府出资疏通水沟",
        owner_name="那大镇",
        on=date(2026, 12, 28),
    )
    services.topic_publicise(actor=SYSTEM, topic=topic, on=date(2026, 12, 29))
    with time_machine.travel(moment(2027, 1, 4), tick=False):
        html = client.get("/deliberation/", {"community": world["yinhai"].code}).content.decode()
        assert "由镇政府出资疏通水沟" in html
        assert (
            "由镇政府出资"
            not in client.get("/deliberation/", {"community": world["jinhai"].code}).content.decode()
        )
    with time_machine.travel(moment(2027, 1, 5), tick=False):
        assert "由镇政府出资疏通水沟" not in client.get("/deliberation/").content.decode()
