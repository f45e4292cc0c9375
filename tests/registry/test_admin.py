import pytest
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.demo.city import build_city
from civicgrid.registry.models import Unit


@pytest.fixture
def city(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return build_city(seed=1, grids=12, log=lambda msg: None)


@pytest.fixture
def admin_client(client, city):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="admin"))
    return client


@pytest.mark.parametrize("model", ["adminarea", "grid", "unit", "staff", "place", "role"])
def test_every_register_lists_searches_and_filters_in_chinese(admin_client, model):
    url = reverse(f"admin:registry_{model}_changelist")
    response = admin_client.get(url, {"q": "银海"})
    assert response.status_code == 200
    assert "搜索" in response.content.decode()


def test_the_grid_list_filters_by_town(admin_client):
    response = admin_client.get(reverse("admin:registry_grid_changelist"), {"town": "469099001"})
    assert response.status_code == 200
    assert "乡镇/街道" in response.content.decode()


def test_an_admin_edit_is_audited(admin_client):
    unit = Unit.objects.get(short_name="住建局")
    url = reverse("admin:registry_unit_change", args=[unit.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(name="琼台市住房和城乡建设局(改)", parent=unit.parent_id, area=unit.area_id)
    data.pop("grid", None)
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(action="admin.change").get()
    assert event.actor.username == "admin"
    assert event.payload["fields"] == ["name"]


def test_a_non_staff_user_cannot_open_the_admin(client, city):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="dispatcher1"))
    response = client.get(reverse("admin:registry_grid_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
