"""Portal pages (public, no sign-in) and the console editor (scoped), and the panel beside the KB answers at intake."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from civicgrid.catalogue import services
from civicgrid.catalogue.models import Catalogue, CatalogueItem, ListKind
from civicgrid.core.models import AuditEvent
from civicgrid.registry.models import Unit
from civicgrid.sla.models import EscalationLadder, EscalationLevel

from .conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(place, frozen):
    a, u, users = place
    draft = services.draft_for(actor=users["admin"], area=a["shamei"])
    for kind, name in (
        (ListKind.DUTY, "宅基地建房申请"),
        (ListKind.ASSIST, "最低生活保障申请"),
        (ListKind.KEY_WORK, "人居环境整治"),
    ):
        services.item_save(
            actor=users["admin"],
            catalogue=draft,
            list_kind=kind,
            name=name,
            materials="身份证\n户口簿",
            steps="提交申请\n村委会审核",
            post="村委会文书",
            unit=u["shamei"],
            time_limit=5,
        )
    return services.publish(actor=users["admin"], catalogue=draft, effective_from=date(2026, 5, 1))


def test_the_portal_lists_villages_lists_and_an_items_manual(client, place, published):
    a, u, users = place
    html = client.get(reverse("portal:services")).content.decode()
    assert "沙美村" in html and "龙湾村" not in html  # only villages with a version in force
    html = client.get(reverse("portal:services_village", args=[a["shamei"].code])).content.decode()
    for text in ("依法履职事项清单", "协助政府服务事项清单", "重点工作清单", "宅基地建房申请", "5个工作日"):
        assert text in html
    item = published.items.get(name="最低生活保障申请")
    html = client.get(reverse("portal:services_item", args=[item.pk])).content.decode()
    for text in ("要带什么材料", "户口簿", "村委会文书", "沙美村委会", "村委会审核", "免费"):
        assert text in html
    html = client.get(reverse("portal:services") + "?words=我想申请低保").content.decode()
    assert "最低生活保障申请" in html
    html = client.get(
        reverse("portal:services_village", args=[a["shamei"].code]) + "?words=盖房"
    ).content.decode()
    assert "宅基地建房申请" in html
    assert client.get(reverse("portal:services_village", args=[a["longwan"].code])).status_code == 404


def test_the_portal_shows_no_draft_item(client, place, published):
    a, u, users = place
    draft = services.draft_for(actor=users["admin"], area=a["shamei"])
    item = draft.items.first()
    assert client.get(reverse("portal:services_item", args=[item.pk])).status_code == 404


def test_the_village_page_shows_its_own_ladder_in_chinese(client, place, published):
    a, u, users = place
    ladder = EscalationLadder.objects.create(
        version="四级", name="沙美村四级化事法", area=a["shamei"], effective_from=date(2026, 1, 1)
    )
    for order, name, kind, limit, unit in (
        (1, "户联系", Unit.Kind.HOUSEHOLD_CONTACT, Decimal(1), "d"),
        (2, "组协调", Unit.Kind.VILLAGER_GROUP, Decimal(2), "d"),
        (3, "村处理", Unit.Kind.COMMUNITY, Decimal(3), "wd"),
    ):
        EscalationLevel.objects.create(
            ladder=ladder, order=order, name=name, unit_kind=kind, limit=limit, limit_unit=unit
        )
    html = client.get(reverse("portal:services_village", args=[a["shamei"].code])).content.decode()
    assert "沙美村四级化事法" in html
    for text in ("户联系", "联系户党员", "1天内", "村民小组", "2天内", "3个工作日内", "直通联办"):
        assert text in html, text
    assert html.index("户联系") < html.index("组协调") < html.index("村处理")
    # A village without its own ladder shows none.
    html = client.get(reverse("portal:services")).content.decode()
    assert "四级化事法" not in html


def test_the_editor_is_scoped_and_works_end_to_end(client, place, frozen):
    a, u, users = place
    client.force_login(users["shamei"])
    response = client.get(reverse("console:catalogue_list"))
    assert response.status_code == 200
    form_html = response.content.decode()
    assert "沙美村" in form_html and "龙湾村" not in form_html and "山口村" not in form_html
    response = client.post(reverse("console:catalogue_list"), {"area": a["shamei"].pk})
    draft = Catalogue.objects.get(area=a["shamei"])
    assert response.status_code == 302
    new = reverse("console:catalogue_item_new", kwargs={"catalogue_id": draft.pk})
    for name in ("事项一", "事项二"):
        response = client.post(
            new,
            {
                "list_kind": "duty",
                "name": name,
                "time_limit": "3",
                "time_unit": "wd",
                "materials": "身份证",
                "fees": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    second = draft.items.get(name="事项二")
    client.post(reverse("console:catalogue_item_move", kwargs={"item_pk": second.pk}), {"dir": "up"})
    assert list(draft.items.order_by("order").values_list("name", flat=True)) == ["事项二", "事项一"]
    delete = reverse("console:catalogue_item_delete", kwargs={"item_pk": second.pk})
    assert "确认删除" in client.get(delete).content.decode()
    client.post(delete)  # without the confirmation nothing happens
    assert draft.items.count() == 2
    client.post(delete, {"confirm": "1"})
    assert draft.items.count() == 1
    publish = reverse("console:catalogue_publish", kwargs={"catalogue_id": draft.pk})
    assert "确认发布" in client.get(publish).content.decode()
    client.post(publish, {"effective_from": "2026-05-11"})
    draft.refresh_from_db()
    assert not draft.published
    client.post(publish, {"effective_from": "2026-05-11", "confirm": "1"})
    draft.refresh_from_db()
    assert draft.published and AuditEvent.objects.filter(action="servicelist.publish").exists()
    # Editing the published version opens a new draft; the published one is unchanged.
    response = client.post(reverse("console:catalogue_edit", kwargs={"catalogue_id": draft.pk}))
    v2 = Catalogue.objects.get(area=a["shamei"], version=2)
    assert response["Location"].endswith(f"/catalogue/{v2.pk}/")
    item = v2.items.get()
    client.post(
        reverse("console:catalogue_item_edit", kwargs={"item_pk": item.pk}),
        {"list_kind": "assist", "name": "改过的事项", "time_unit": "now", "fees": "免费"},
    )
    assert draft.items.get().name == "事项一" and v2.items.get().name == "改过的事项"
    response = client.get(reverse("console:catalogue_export", kwargs={"catalogue_id": draft.pk}))
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    # Another village's worker: refused on every page of this catalogue.
    client.force_login(users["longwan"])
    for url in (
        reverse("console:catalogue_detail", kwargs={"catalogue_id": v2.pk}),
        reverse("console:catalogue_publish", kwargs={"catalogue_id": v2.pk}),
        reverse("console:catalogue_export", kwargs={"catalogue_id": draft.pk}),
        reverse("console:catalogue_item_edit", kwargs={"item_pk": item.pk}),
        reverse("console:catalogue_item_delete", kwargs={"item_pk": item.pk}),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("console:catalogue_list"), {"area": a["shamei"].pk}).status_code == 200
    assert Catalogue.objects.filter(area=a["shamei"]).count() == 2
    # The town's staff see their villages' versions.
    client.force_login(users["town"])
    assert client.get(reverse("console:catalogue_detail", kwargs={"catalogue_id": v2.pk})).status_code == 200
    other = make_user(
        "hillstaff", Unit.objects.create(code="C3", name="山口村委会", kind="community", area=a["hill"])
    )
    client.force_login(other)
    assert client.get(reverse("console:catalogue_detail", kwargs={"catalogue_id": v2.pk})).status_code == 403


def test_the_intake_panel_shows_matching_items(client, place, published):
    a, u, users = place
    client.force_login(users["operator"])
    url = reverse("console:catalogue_suggest")
    html = client.get(
        url, {"title": "申请低保", "content": "家里困难想申请低保需要什么材料"}
    ).content.decode()
    assert "最低生活保障申请" in html and "户口簿" in html
    html = client.get(url, {"title": "", "content": "天气"}).content.decode()
    assert "没有找到" in html
    intake = client.get(reverse("console:intake")).content.decode()
    assert reverse("console:catalogue_suggest") in intake and "村级服务清单" in intake
    assert CatalogueItem.objects.count() == 3
