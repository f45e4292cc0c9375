"""A problem found on a pairing visit (结对走访) is put to deliberation from the visit's page: the topic keeps the visit
(source 结对走访) and the visit's page lists it."""

from datetime import date

import time_machine
from django.urls import reverse

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation.models import Topic
from civicgrid.engagement.services import pairings

from .conftest import moment


def test_a_visit_finding_becomes_a_topic(world, client):
    with time_machine.travel(moment(2026, 12, 9), tick=False):
        pairing = pairings.pairing_create(
            actor=SYSTEM, year=2026, scheme="shuanglian", area=world["yinhai"], unit=world["town_office"]
        )
        visit = pairings.visit_record(
            actor=SYSTEM,
            pairing=pairing,
            visited_on=date(2026, 12, 9),
            findings=["凯源小区排水沟坍塌，雨天积水"],
        )
        finding = visit.finding_items.get()
        client.force_login(world["worker"])
        page = client.get(reverse("console:eng_visit", args=[visit.pk])).content.decode()
        start = reverse("console:delib_from_visit", args=[visit.pk])
        assert f"{start}?finding={finding.pk}" in page and "本次走访的问题未提交协商议事" in page
        form = client.get(f"{start}?finding={finding.pk}").content.decode()
        assert 'value="凯源小区排水沟坍塌，雨天积水"' in form
        response = client.post(start, {"title": finding.text, "level": "community", "form": "council"})
        topic = Topic.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "console:delib_topic", args=[topic.pk]
        )
        assert (topic.source, topic.visit, topic.area) == (Topic.Source.VISIT, visit, world["yinhai"])
        assert topic.title in client.get(reverse("console:eng_visit", args=[visit.pk])).content.decode()
        client.force_login(
            world["outsider"]
        )  # a worker of another community sees neither the visit nor the form
        assert client.get(start).status_code in (403, 404)
        assert client.post(start, {"title": "越权"}).status_code in (403, 404)
        assert Topic.objects.count() == 1
