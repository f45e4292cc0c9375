"""The grid worker's pages: patrol report (with and without JavaScript), patrol photos, my grid, and what the
phone pages show (tel: links, photo thumbnails, co-unit photos)."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.registry.models import Place
from civicgrid.tickets import services
from civicgrid.tickets.models import Attachment, PatrolReport, Ticket
from civicgrid.tickets.services.patrol import patrol_report
from tests.tickets.conftest import local
from tests.tickets.helpers import lead_of, register

T0 = local(2026, 6, 1, 9, 0)
NOW = T0 + timedelta(hours=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _clock(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"
    with time_machine.travel(NOW, tick=False):
        yield


def png(name="现场.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def form(world, **overrides):
    data = {
        "client_id": str(uuid.uuid4()),
        "outcome": "ticket",
        "category": str(world.categories["property"].pk),
        "text": "银海路井盖缺失",
        "lat": "19.205",
        "lon": "110.405",
        "address": "",
        "photos": [png()],
    }
    data.update(overrides)
    return data


def test_the_patrol_page_works_without_javascript(client, world):
    client.force_login(world.user("worker1"))
    page = client.get(reverse("console:patrol"))
    assert page.status_code == 200 and 'name="client_id"' in page.text and "提交上报" in page.text
    response = client.post(reverse("console:patrol"), form(world), follow=True)
    ticket = Ticket.objects.get()
    assert f"已上报，生成工单 {ticket.number}" in response.text
    assert ticket.attachments.count() == 1


def test_a_repeated_json_upload_answers_with_the_first_result(client, world):
    client.force_login(world.user("worker1"))
    data = form(world)
    first = client.post(reverse("console:patrol"), data, HTTP_ACCEPT="application/json").json()
    data["photos"] = [png()]
    again = client.post(reverse("console:patrol"), data, HTTP_ACCEPT="application/json").json()
    assert first["ok"] and first["created"] and again["ok"] and not again["created"]
    assert first["id"] == again["id"] and "未重复记录" in again["message"]
    assert PatrolReport.objects.count() == 1 and Ticket.objects.count() == 1


def test_a_refused_json_upload_says_why(client, world):
    client.force_login(world.user("worker1"))
    response = client.post(
        reverse("console:patrol"), form(world, outcome="solved"), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and "办结后的照片" in response.json()["message"]
    page = client.post(reverse("console:patrol"), form(world, outcome="solved"))
    assert page.status_code == 200 and "办结后的照片" in page.text


def test_patrol_photos_open_for_the_grid_and_are_audited(client, world):
    result = patrol_report(
        actor=world.user("worker1"),
        client_id=uuid.uuid4(),
        outcome="solved",
        text="清理了路边堆放的垃圾",
        category=world.categories["property"],
        lat=19.205,
        lon=110.405,
        photos=[png()],
        after_photos=[png("之后.png")],
    )
    photo = result.report.photos.first()
    url = reverse("console:patrol_photo", args=[photo.pk])
    client.force_login(world.user("worker1"))
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="patrol.photo_view").count() == 1
    page = client.get(reverse("console:patrol"))
    assert url in page.text and "就地办结" in page.text
    client.force_login(world.user("zjj"))
    assert client.get(url).status_code == 403
    client.force_login(world.user("dispatcher"))
    assert client.get(url).status_code == 200


def test_my_grid_shows_open_tickets_places_and_this_months_figures(client, world):
    ticket = register(world, T0, title="楼道堆放杂物")
    Place.objects.create(name="新民椰城花园", kind=Place.Kind.COMPOUND, grid=world.grids[0])
    patrol_report(
        actor=world.user("worker1"),
        client_id=uuid.uuid4(),
        outcome="solved",
        text="清理了路边堆放的垃圾",
        category=world.categories["property"],
        lat=19.205,
        lon=110.405,
        after_photos=[png()],
    )
    client.force_login(world.user("worker1"))
    page = client.get(reverse("console:my_grid")).text
    assert "银海第1网格" in page and ticket.number in page and "楼道堆放杂物" in page
    assert "新民椰城花园" in page and "2026年06月数据" in page
    assert "张三" not in page and "13812345678" not in page  # what happens, not who asked
    assert "不计入三率" in page


def test_my_grid_is_for_grid_staff_only(client, world):
    client.force_login(world.user("zjj"))
    assert client.get(reverse("console:my_grid")).status_code == 403
    assert client.get(reverse("console:patrol")).status_code == 403


def test_the_assignment_page_calls_with_one_tap_and_opens_the_residents_photos(client, world):
    ticket = register(world, T0)
    services.attachment_add(ticket=ticket, actor=world.user("operator"), upload=png(), name="积水.png", at=T0)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    client.force_login(world.user("worker1"))
    page = client.get(reverse("console:assignment", args=[lead_of(ticket).pk])).text
    attachment = ticket.attachments.get()
    assert 'href="tel:13812345678"' in page
    assert f'src="{reverse("console:attachment", args=[attachment.pk])}"' in page


def test_a_co_unit_report_takes_photos(client, world):
    ticket = register(world, T0, category="illegal_building")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    co = ticket.assignments.get(unit=world.units["zjj"])
    services.assignment_sign(assignment=co, actor=world.user("zjj"), at=T0)
    client.force_login(world.user("zjj"))
    page = client.get(reverse("console:assignment", args=[co.pk])).text
    assert 'id="co_evidence"' in page
    response = client.post(
        reverse("console:assignment_co_reply", args=[co.pk]),
        {"text": "已现场核查，拆除违建需执法局牵头", "evidence": [png("核查.png")]},
    )
    assert response.status_code == 302
    evidence = Attachment.objects.get(assignment=co)
    assert evidence.kind == Attachment.Kind.EVIDENCE and evidence.original_name == "核查.png"
    client.force_login(world.user("zf"))
    lead = client.get(reverse("console:assignment", args=[lead_of(ticket).pk])).text
    assert reverse("console:attachment", args=[evidence.pk]) in lead


def test_grid_staff_get_an_installable_console_and_others_do_not(client, world):
    client.force_login(world.user("worker1"))
    home = client.get(reverse("console:home")).text
    assert 'rel="manifest"' in home and reverse("console:service_worker") in home
    assert reverse("console:patrol") in home and reverse("console:my_grid") in home
    worker = client.get(reverse("console:service_worker"))
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker.text.startswith('const SHELL = ["/console/patrol/"') and "addEventListener" in worker.text
    client.force_login(world.user("zjj"))
    assert 'rel="manifest"' not in client.get(reverse("console:home")).text
