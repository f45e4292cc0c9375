import pytest
from django.contrib.auth import get_user_model

from civicgrid.core.models import AuditEvent
from civicgrid.routing.models import Category, DirectDispatchRule, DispatchCatalogueEntry
from tests.registry.factories import COMMUNITY, make_grid, make_hierarchy
from tests.routing.factories import make_entry, make_rule, make_team, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def rows():
    zjj = make_unit("ZJJ", "住房和城乡建设局")
    zf = make_unit("ZHZFJ", "综合行政执法局")
    property_ = Category.objects.get(version="2026.1", name="物业管理")
    make_entry(property_, zjj)
    make_rule(Category.objects.get(version="2026.1", name="邻里纠纷"))
    make_rule(Category.objects.get(version="2026.1", name="占道经营"), "joint", lead_unit=zf, co_units=[zjj])
    return {"zjj": zjj, "zf": zf, "property": property_}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/routing/category/",
        "/admin/routing/category/?q=噪音",
        "/admin/routing/category/?q=0101",
        "/admin/routing/category/?level__exact=2&version=2026.1&is_active__exact=1",
        "/admin/routing/category/add/",
        "/admin/routing/directdispatchrule/",
        "/admin/routing/directdispatchrule/?q=邻里",
        "/admin/routing/directdispatchrule/?mode__exact=joint&version=第一批(暂行)&is_active__exact=1",
        "/admin/routing/directdispatchrule/add/",
        "/admin/routing/dispatchcatalogueentry/",
        "/admin/routing/dispatchcatalogueentry/?q=物业",
        "/admin/routing/dispatchcatalogueentry/add/",
        "/admin/autocomplete/?app_label=routing&model_name=directdispatchrule&field_name=category&term=纠纷",
    ],
)
def test_the_pages_render(admin_client, rows, url):
    response = admin_client.get(url)

    assert response.status_code == 200


def test_the_changelists_show_the_rows(admin_client, rows):
    rules = admin_client.get("/admin/routing/directdispatchrule/").content.decode()
    catalogue = admin_client.get("/admin/routing/dispatchcatalogueentry/?q=物业").content.decode()

    assert "社区治理 / 邻里纠纷" in rules and "综合行政执法局" in rules
    assert "城乡建设 / 物业管理" in catalogue and "住房和城乡建设局" in catalogue


def _rule_form(category, **fields):
    data = {
        "version": "第一批(暂行)",
        "category": category.pk,
        "mode": "simple",
        "include_grid": "on",
        "effective_from": "2026-01-01",
        "is_active": "on",
    }
    data.update(fields)
    return data


def test_the_guard_refuses_a_simple_rule_for_a_department_matter(admin_client, rows):
    quality = Category.objects.get(version="2026.1", name="物业服务质量")

    response = admin_client.post("/admin/routing/directdispatchrule/add/", _rule_form(quality))

    assert response.status_code == 200
    assert "属于职能部门 住房和城乡建设局 的职责，不得直派网格" in response.content.decode()
    assert not DirectDispatchRule.objects.filter(category=quality).exists()


def test_saving_and_deleting_leave_audit_rows(admin_client, rows):
    garbage = Category.objects.get(version="2026.1", name="楼道堆物")

    response = admin_client.post("/admin/routing/directdispatchrule/add/", _rule_form(garbage))

    assert response.status_code == 302
    rule = DirectDispatchRule.objects.get(category=garbage)
    event = AuditEvent.objects.get(action="admin.add")
    assert (event.actor, event.target_id) == (admin_client.user, str(rule.pk))

    entry = DispatchCatalogueEntry.objects.get()
    admin_client.post(f"/admin/routing/dispatchcatalogueentry/{entry.pk}/delete/", {"post": "yes"})
    assert not DispatchCatalogueEntry.objects.exists()
    assert AuditEvent.objects.filter(action="admin.delete", target_id=str(entry.pk)).exists()


def test_a_joint_rule_needs_a_lead(admin_client, rows):
    stalls = Category.objects.get(version="2026.1", name="占道经营")

    response = admin_client.post("/admin/routing/directdispatchrule/add/", _rule_form(stalls, mode="joint"))

    assert "联合办必须指定主办单位" in response.content.decode()


def test_the_co_unit_picker_leaves_out_grid_teams(admin_client, rows):
    areas = make_hierarchy()
    grid = make_grid(f"{COMMUNITY}001", areas[COMMUNITY], None, name="银海社区第1网格")
    make_team(grid)

    page = admin_client.get("/admin/routing/directdispatchrule/add/").content.decode()

    assert "住房和城乡建设局" in page
    assert "银海社区第1网格工作组" not in page


def test_a_joint_rule_saves_its_co_units(admin_client, rows):
    fumes = Category.objects.get(version="2026.1", name="餐饮油烟")
    form = _rule_form(fumes, mode="joint", lead_unit=rows["zf"].pk, co_units=[rows["zjj"].pk])

    assert admin_client.post("/admin/routing/directdispatchrule/add/", form).status_code == 302

    rule = DirectDispatchRule.objects.get(category=fumes)
    assert list(rule.co_units.all()) == [rows["zjj"]]
    assert admin_client.get(f"/admin/routing/directdispatchrule/{rule.pk}/change/").status_code == 200
