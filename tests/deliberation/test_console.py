"""The console screens: list with filters and export, new topic, topic page in every state with its actions, the
四议两公开 checklist, the ticket page card and 提交协商议事, stats; scope on every page."""

from datetime import date

from django.urls import reverse

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import services
from civicgrid.deliberation.models import FourTwoStep, Topic
from tests.routing.factories import make_ticket

from .conftest import propose, resolve


def test_list_filters_export_and_scope(client, world):
    mine = propose(world, title="水沟坍塌")
    other = propose(world, area=world["jinhai"], title="金海路灯")
    client.force_login(world["worker"])
    html = client.get(reverse("console:delib_topics")).content.decode()
    assert mine.title in html and other.title not in html
    html = client.get(reverse("console:delib_topics"), {"q": "路灯"}).content.decode()
    assert "暂无议题" in html
    html = client.get(
        reverse("console:delib_topics"), {"state": "collected", "form": "council"}
    ).content.decode()
    assert mine.title in html
    response = client.get(reverse("console:delib_topics_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert client.get(reverse("console:delib_topic", args=[other.pk])).status_code == 403
    assert (
        client.post(reverse("console:delib_topic_act", args=[other.pk]), {"action": "accept"}).status_code
        == 403
    )


def test_new_topic_and_walk_through(client, world):
    client.force_login(world["worker"])
    assert client.get(reverse("console:delib_topic_new")).status_code == 200
    response = client.post(
        reverse("console:delib_topic_new"),
        {
            "title": "凯源小区水沟",
            "area": world["yinhai"].pk,
            "source": "grid_worker",
            "level": "compound",
            "form": "council",
        },
    )
    topic = Topic.objects.get()
    assert response.status_code == 302 and topic.level == "compound"
    url, act = (
        reverse("console:delib_topic", args=[topic.pk]),
        reverse("console:delib_topic_act", args=[topic.pk]),
    )
    assert "受理" in client.get(url).content.decode()
    client.post(act, {"action": "accept"})
    client.post(
        reverse("console:delib_participant_new", args=[topic.pk]), {"kind": "expert", "name": "水务所"}
    )
    client.post(act, {"action": "notify", "meeting_on": "2099-01-05", "place": "社区议事厅"})
    topic.refresh_from_db()
    assert topic.state == "notified" and topic.participants.count() == 1
    client.post(
        reverse("console:delib_attendance", args=[topic.pk]), {"attended": [topic.participants.get().pk]}
    )
    assert topic.participants.get().attended
    html = client.get(url).content.decode()
    assert "登记协商决议" in html and "水务所" in html
    # a refusal comes back as a message on the page, nothing changes
    response = client.post(act, {"action": "deliberate", "resolution": "修"}, HTTP_REFERER=url, follow=True)
    assert "落实单位或责任人" in response.content.decode()


def test_every_state_renders(client, world):
    client.force_login(world["worker"])
    topic = resolve(propose(world))
    for step in (services.topic_publicise, services.topic_implement, services.topic_done):
        assert client.get(reverse("console:delib_topic", args=[topic.pk])).status_code == 200
        topic = step(actor=SYSTEM, topic=topic, on=date(2026, 3, 25))
    services.topic_feed_back(actor=SYSTEM, topic=topic, feedback="好", on=date(2026, 3, 26))
    html = client.get(reverse("console:delib_topic", args=[topic.pk])).content.decode()
    assert "没有后续操作" in html


def test_four_two_checklist_page(client, world):
    client.force_login(world["secretary"])
    topic = propose(world, area=world["village"], form=Topic.Form.FOUR_TWO)
    services.topic_accept(actor=SYSTEM, topic=topic)
    url = reverse("console:delib_topic", args=[topic.pk])
    html = client.get(url).content.decode()
    assert "四议两公开" in html and "登记：党支部提议" in html and "2/3" in html
    client.post(reverse("console:delib_step_new", args=[topic.pk]), {"step": 1, "on": "2026-12-01"})
    assert topic.four_two_steps.filter(step=FourTwoStep.Step.PROPOSE).exists()
    assert "登记：两委商议" in client.get(url).content.decode()


def test_ticket_page_card_and_send_to_deliberation(client, world):
    ticket = make_ticket(community=world["yinhai"], title="凯源小区二街水沟堵塞")
    client.force_login(world["worker"])
    page = reverse("console:delib_from_ticket", args=[ticket.pk])
    assert client.get(page).status_code in (200, 403)  # the ticket's own scope decides
    topic = services.ticket_to_topic(actor=world["worker"], ticket=ticket)
    from civicgrid.console.templatetags.deliberation_links import deliberation_links

    class Req:
        user = world["worker"]

    card = deliberation_links({"request": Req()}, ticket)
    assert card["delib"]["topics"] == [topic] and card["delib"]["can_send"]
    Req.user = world["operator"]
    assert not deliberation_links({"request": Req()}, ticket)["delib"]["visible"]


def test_from_ticket_view_for_an_administrator(client, world, admin_user):
    ticket = make_ticket(community=world["yinhai"], title="凯源小区二街水沟堵塞")
    client.force_login(admin_user)
    page = reverse("console:delib_from_ticket", args=[ticket.pk])
    assert "提交协商议事" in client.get(page).content.decode()
    client.post(page, {"area": world["yinhai"].pk, "title": "水沟", "form": "council", "level": "community"})
    topic = Topic.objects.get()
    assert topic.source == "hotspot" and list(topic.tickets.all()) == [ticket]
    html = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert "deliberation-links" in html and "水沟" in html


def test_stats_page(client, world):
    propose(world)
    client.force_login(world["town_staff"])
    html = client.get(
        reverse("console:delib_stats"), {"area": world["town"].code, "year": "2026"}
    ).content.decode()
    assert "收集议题" in html and "嘉积镇" in html


def test_proposer_masked_and_reveal_audited(client, world):
    from civicgrid.core.models import AuditEvent

    topic = services.topic_propose(
        actor=None,
        area=world["yinhai"],
        title="增设路灯",
        source=Topic.Source.RESIDENT,
        proposer_name="陈大文",
        proposer_phone="13800000009",
    )
    client.force_login(world["worker"])
    url = reverse("console:delib_topic", args=[topic.pk])
    html = client.get(url).content.decode()
    assert "陈*文" in html and "138****0009" in html and "13800000009" not in html
    reveal = reverse("console:delib_topic_reveal", args=[topic.pk])
    client.post(reveal, {"purpose": ""})
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()
    html = client.post(reveal, {"purpose": "电话反馈协商结果"}).content.decode()
    assert "13800000009" in html
    assert AuditEvent.objects.get(action="pii.reveal").payload["purpose"] == "电话反馈协商结果"
    client.force_login(world["outsider"])
    assert client.post(reveal, {"purpose": "x"}).status_code == 403
