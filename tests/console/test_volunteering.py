"""志愿服务 console pages: scoped to the worker's community, masked, QR desk, confirmation queue, certificates, CSV."""

import csv
import io
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from civicgrid.volunteering import export
from civicgrid.volunteering.models import Certificate, Project, ServiceRecord, SignUp
from civicgrid.volunteering.services import certificates, records, signups
from tests.registry.factories import COMMUNITY, OTHER_COMMUNITY, make_hierarchy
from tests.volunteering.factories import activity, at, project, volunteer, worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(at("2026-06-05 10:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db, clock):
    areas = make_hierarchy()
    mine, theirs = areas[COMMUNITY], areas[OTHER_COMMUNITY]
    user = worker("yinhai", mine)
    return {
        "user": user,
        "mine": mine,
        "theirs": theirs,
        "project": project(mine, name="银海关爱老人"),
        "other": project(theirs, name="金海环境整治"),
    }


def _served(world):
    act = activity(world["project"], world["user"])
    v = volunteer(world["mine"], name="王小明")
    s = signups.apply(volunteer=v, activity=act)
    signups.approve(actor=None, signup=s)
    signups.check_in(signup=s, now=at("2026-06-06 09:00"))
    signups.check_out(signup=s, now=at("2026-06-06 12:00"))
    return act, v, records.record_signup(actor=None, signup=s, now=at("2026-06-06 12:00"))


def test_a_worker_sees_his_communitys_projects_only(client, world):
    client.force_login(world["user"])
    html = client.get(reverse("console:vol_home")).content.decode()
    assert "银海关爱老人" in html and "金海环境整治" not in html
    assert client.get(reverse("console:vol_project", args=[world["other"].pk])).status_code == 404
    assert client.get(reverse("console:vol_project", args=[world["project"].pk])).status_code == 200


def test_the_menu_shows_volunteering(client, world):
    client.force_login(world["user"])
    assert "志愿服务" in client.get(reverse("console:home")).content.decode()


def test_create_project_and_publish_needs_insurance_when_risky(client, world):
    client.force_login(world["user"])
    response = client.post(
        reverse("console:vol_home"), {"name": "高空清洁", "area": world["mine"].pk, "is_risky": "on"}
    )
    p = Project.objects.get(name="高空清洁")
    assert response.status_code == 302
    move = reverse("console:vol_project_move", args=[p.pk])
    response = client.post(
        move, {"to": "published"}, HTTP_REFERER=reverse("console:vol_project", args=[p.pk])
    )
    p.refresh_from_db()
    assert p.state == Project.State.DRAFT
    assert "意外保险" in client.get(reverse("console:vol_project", args=[p.pk])).content.decode()
    client.post(
        reverse("console:vol_project", args=[p.pk]), {"form": "insurance", "insurer": "人寿", "policy": "P1"}
    )
    client.post(move, {"to": "published"})
    p.refresh_from_db()
    assert p.state == Project.State.PUBLISHED


def test_the_desk_shows_a_signed_qr_code(client, world):
    act = activity(world["project"], world["user"])
    client.force_login(world["user"])
    html = client.get(reverse("console:vol_desk", args=[act.pk])).content.decode()
    assert "<svg" in html and "签到码" in html and f"/volunteer/scan/{act.pk}.i." in html
    fragment = client.get(reverse("console:vol_desk_code", args=[act.pk]) + "?mode=o").content.decode()
    assert "<svg" in fragment and f"/volunteer/scan/{act.pk}.o." in fragment and "hx-trigger" in fragment


def test_activity_page_masks_volunteers_and_approves(client, world):
    act = activity(world["project"], world["user"])
    v = volunteer(world["mine"], name="王小明", phone="13912345678")
    s = signups.apply(volunteer=v, activity=act)
    client.force_login(world["user"])
    html = client.get(reverse("console:vol_activity", args=[act.pk])).content.decode()
    assert "王*明" in html and "139****5678" in html and "王小明" not in html and "13912345678" not in html
    client.post(reverse("console:vol_signup", args=[s.pk]), {"action": "approve"})
    s.refresh_from_db()
    assert s.state == SignUp.State.APPROVED


def test_confirmation_queue_confirm_dispute_correct_void(client, world):
    _, _, record = _served(world)
    client.force_login(world["user"])
    assert "3.00 小时" in client.get(reverse("console:vol_records")).content.decode()
    url = reverse("console:vol_record", args=[record.pk])
    client.post(url, {"action": "dispute", "reason": "时间不对"})
    record.refresh_from_db()
    assert record.state == ServiceRecord.State.DISPUTED
    client.post(
        url,
        {
            "action": "correct",
            "started_at": "2026-06-06T10:00",
            "ended_at": "2026-06-06T12:00",
            "travel_minutes": "0",
            "note": "核实",
        },
    )
    record.refresh_from_db()
    assert record.state == ServiceRecord.State.CORRECTED and str(record.hours) == "2.00"
    client.post(url, {"action": "confirm"})
    record.refresh_from_db()
    assert record.state == ServiceRecord.State.CONFIRMED


def test_another_communitys_record_is_not_reachable(client, world):
    _, _, record = _served(world)
    other = worker("jinhai", world["theirs"])
    client.force_login(other)
    assert (
        client.post(reverse("console:vol_record", args=[record.pk]), {"action": "confirm"}).status_code == 404
    )
    assert "王*明" not in client.get(reverse("console:vol_records")).content.decode()


def test_certificate_notice_issue_and_docx(client, world, clock):
    _, v, record = _served(world)
    records.confirm(actor=None, record=record)
    cert = certificates.request(volunteer=v)
    client.force_login(world["user"])
    url = reverse("console:vol_certificate", args=[cert.pk])
    client.post(url, {"action": "notice", "issuer": "银海社区居委会", "issuer_head": "陈", "handler": "林"})
    cert.refresh_from_db()
    assert cert.state == Certificate.State.NOTICED and cert.notice_until == date(2026, 6, 11)
    clock.move_to(at("2026-06-12 09:00"))
    client.post(url, {"action": "issue"})
    cert.refresh_from_db()
    assert cert.state == Certificate.State.ISSUED
    response = client.get(reverse("console:vol_certificate_docx", args=[cert.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_export_is_the_documented_csv(client, world):
    _, v, record = _served(world)
    records.confirm(actor=None, record=record)
    client.force_login(world["user"])
    response = client.get(reverse("console:vol_export") + "?year=2026")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(export.COLUMNS) and rows[1][0] == v.number and rows[1][8] == "3.00"
    other = worker("jinhai", world["theirs"])
    client.force_login(other)
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("console:vol_export")).content.decode("utf-8-sig")))
    )
    assert len(rows) == 1  # nothing of another community
