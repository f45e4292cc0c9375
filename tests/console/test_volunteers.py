"""Console pages for volunteers and teams: register (minors with consent, party link), the list (search, filters,
pagination, masked Excel), a volunteer's page (confirmed hours, star level, records, manual record), teams."""

import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from civicgrid.core.models import AuditEvent
from civicgrid.volunteering.models import Project, ServiceRecord, Team, Volunteer
from civicgrid.volunteering.services import projects, records
from tests.party.factories import id_number, member
from tests.registry.factories import COMMUNITY, OTHER_COMMUNITY, make_hierarchy
from tests.volunteering.factories import at, project, volunteer, worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    with time_machine.travel(at("2026-06-10 10:00"), tick=False):
        areas = make_hierarchy()
        mine, theirs = areas[COMMUNITY], areas[OTHER_COMMUNITY]
        yield {"user": worker("yinhai", mine), "mine": mine, "theirs": theirs}


def _form(world, **fields):
    data = {
        "name": "王小明",
        "phone": "13912345678",
        "id_type": "resident",
        "id_number": id_number("19900101"),
        "area": world["mine"].pk,
        "skills": "急救",
        "time_preferences": ["weekend"],
    }
    data.update(fields)
    return data


def test_register_a_volunteer_then_see_him_masked(client, world):
    client.force_login(world["user"])
    response = client.post(reverse("console:vol_volunteer_new"), _form(world))
    v = Volunteer.objects.get()
    assert response.status_code == 302 and response.url == reverse("console:vol_volunteer", args=[v.pk])
    assert v.number.startswith(world["mine"].code[:6]) and v.time_preferences == ["weekend"]
    html = client.get(response.url).content.decode()
    assert v.number in html and "王*明" in html and "139****5678" in html
    assert "13912345678" not in html and v.id_number() not in html


def test_a_minor_needs_a_guardians_consent_and_the_form_keeps_its_input(client, world):
    client.force_login(world["user"])
    form = _form(world, id_number=id_number("20120101"), name="小红")
    html = client.post(reverse("console:vol_volunteer_new"), form).content.decode()
    assert "监护人" in html and 'value="小红"' in html
    assert not Volunteer.objects.exists()
    form.update(guardian_name="王大明", guardian_relation="父亲", guardian_consent_on="2026-06-01")
    client.post(reverse("console:vol_volunteer_new"), form)
    v = Volunteer.objects.get()
    assert (v.guardian_name, str(v.guardian_consent_on)) == ("王大明", "2026-06-01")
    assert (
        "监护人已于 2026-06-01 同意"
        in client.get(reverse("console:vol_volunteer", args=[v.pk])).content.decode()
    )


def test_link_to_the_party_member_with_the_same_id_number(client, world):
    client.force_login(world["user"])
    number = id_number("19850101")
    m = member(id_number=number)
    client.post(reverse("console:vol_volunteer_new"), _form(world, id_number=number, is_party_member="on"))
    assert Volunteer.objects.get().party_member_id == m.pk
    html = client.post(
        reverse("console:vol_volunteer_new"),
        _form(world, id_number=id_number("19860101"), phone="13900000001", is_party_member="on"),
    ).content.decode()
    assert "没有找到证件号码相同的党员档案" in html


def test_the_list_searches_filters_pages_and_is_scoped(client, world):
    client.force_login(world["user"])
    with time_machine.travel(at("2026-06-10 10:00"), tick=False):
        mine = [volunteer(world["mine"], name=f"张{i:02d}", phone=f"1380000{i:04d}") for i in range(30)]
        volunteer(world["theirs"], name="李外人", phone="13811112222")
    url = reverse("console:vol_volunteers")
    html = client.get(url).content.decode()
    assert "李*人" not in html and "共 30 条" in html and "下一页" in html
    assert mine[3].number in client.get(url, {"q": "张03"}).content.decode()
    found = client.get(url, {"q": "0007"}).content.decode()  # the phone's last four digits
    assert mine[7].number in found and mine[8].number not in found
    assert mine[5].number in client.get(url, {"q": mine[5].number}).content.decode()
    assert "没有符合条件的志愿者" in client.get(url, {"q": "13811112222"}).content.decode()
    assert "没有符合条件的志愿者" in client.get(url, {"state": "withdrawn"}).content.decode()
    team = projects.create_team(actor=None, name="蓝天队", area=world["mine"], members=mine[:2])
    html = client.get(url, {"team": team.pk}).content.decode()
    assert mine[0].number in html and mine[2].number not in html
    other = volunteer(world["theirs"], name="赵外人", phone="13811113333")
    assert client.get(reverse("console:vol_volunteer", args=[other.pk])).status_code == 404


def test_the_excel_export_is_masked_and_audited(client, world):
    client.force_login(world["user"])
    v = volunteer(world["mine"], name="王小明", phone="13912345678")
    response = client.get(reverse("console:vol_volunteers_export"), {"q": "王小明"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert v.number in cells and "王*明" in cells and "139****5678" in cells
    assert "13912345678" not in cells and v.id_number() not in cells
    assert AuditEvent.objects.filter(action="export.volunteers").exists()


def test_the_volunteer_page_counts_confirmed_hours_only_with_the_star_level(client, world):
    client.force_login(world["user"])
    with time_machine.travel(at("2026-06-10 10:00"), tick=False):
        v = volunteer(world["mine"])
        p = project(world["mine"], state=Project.State.RUNNING)
        kept = records.record_manual(
            actor=None, volunteer=v, project=p, started_at=at("2026-06-01 08:00"),
            ended_at=at("2026-06-01 20:00"), content="防汛值守",
        )  # fmt: skip
        records.record_manual(
            actor=None, volunteer=v, project=p, started_at=at("2026-06-02 08:00"),
            ended_at=at("2026-06-02 10:00"), content="清扫",
        )  # fmt: skip
        records.confirm(actor=None, record=kept)
    html = client.get(reverse("console:vol_volunteer", args=[v.pk])).content.decode()
    assert "12.00 小时" in html and "待确认" in html and "已确认" in html
    assert "未达到一星" in html


def test_a_manual_record_from_the_volunteer_page(client, world):
    client.force_login(world["user"])
    v = volunteer(world["mine"])
    p = project(world["mine"], state=Project.State.RUNNING, name="河道守护")
    url = reverse("console:vol_volunteer", args=[v.pk])
    with time_machine.travel(at("2026-06-10 10:00"), tick=False):
        form = {
            "project": p.pk,
            "started_at": "2026-06-08T09:00",
            "ended_at": "2026-06-08T11:00",
            "travel_minutes": "30",
            "content": "临时清理河道",
        }
        assert client.post(url, form).status_code == 302
        r = ServiceRecord.objects.get()
        assert (r.state, str(r.hours), r.project, r.source) == ("pending", "1.50", p, "manual")
        html = client.post(url, form).content.decode()  # the same time again
        assert "时间重叠" in html and 'value="临时清理河道"' in html
    assert ServiceRecord.objects.count() == 1
    assert "待确认记录" in client.get(reverse("console:vol_home")).content.decode()


def test_teams_created_and_edited_with_members(client, world):
    client.force_login(world["user"])
    a = volunteer(world["mine"], name="张一")
    b = volunteer(world["mine"], name="张二")
    outsider = volunteer(world["theirs"], name="李三")
    response = client.post(reverse("console:vol_teams"), {"name": "蓝天志愿服务队", "area": world["mine"].pk})
    team = Team.objects.get()
    assert response.url == reverse("console:vol_team", args=[team.pk])
    members = reverse("console:vol_team_member", args=[team.pk])
    page = reverse("console:vol_team", args=[team.pk])
    client.post(members, {"action": "add", "number": a.number}, HTTP_REFERER=f"http://testserver{page}")
    client.post(members, {"action": "add", "number": b.number}, HTTP_REFERER=f"http://testserver{page}")
    response = client.post(
        members,
        {"action": "add", "number": outsider.number},
        HTTP_REFERER=f"http://testserver{page}",
        follow=True,
    )
    assert "没有编号为" in response.content.decode()
    assert set(team.members.all()) == {a, b}
    client.post(page, {"name": "蓝天队", "leader": a.pk})
    team.refresh_from_db()
    assert (team.name, team.leader) == ("蓝天队", a)
    response = client.post(
        members,
        {"action": "remove", "number": a.number},
        HTTP_REFERER=f"http://testserver{page}",
        follow=True,
    )
    assert "队长不能移出队伍" in response.content.decode()
    client.post(members, {"action": "remove", "number": b.number})
    assert list(team.members.all()) == [a]
    html = client.get(reverse("console:vol_teams")).content.decode()
    assert "蓝天队" in html and "队员 1 人" in html


def test_a_worker_cannot_open_another_communitys_team(client, world):
    team = projects.create_team(actor=None, name="金海队", area=world["theirs"])
    client.force_login(world["user"])
    assert client.get(reverse("console:vol_team", args=[team.pk])).status_code == 404
    assert client.post(reverse("console:vol_team_member", args=[team.pk]), {"number": "1"}).status_code == 404


@pytest.mark.parametrize("value", ["²", "-1", "99999999999999999999", "字" * 100, "nan"])
def test_hostile_filters_show_the_list(client, world, value):
    client.force_login(world["user"])
    params = {"q": value, "state": value, "area": value, "team": value, "page": value}
    assert client.get(reverse("console:vol_volunteers"), params).status_code == 200
    assert client.get(reverse("console:vol_volunteers_export"), params).status_code == 200
