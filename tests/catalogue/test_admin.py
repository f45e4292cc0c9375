"""The admin: a draft's items are edited there too (and indexed); a published version is read only; the ladder
admin offers the village levels."""

from datetime import date

import pytest
from django.urls import reverse

from civicgrid.catalogue import selectors, services
from civicgrid.catalogue.models import ListKind

pytestmark = pytest.mark.django_db


def test_published_versions_are_read_only_and_drafts_are_indexed(admin_client, place, frozen):
    a, u, users = place
    draft = services.draft_for(actor=users["admin"], area=a["shamei"])
    item = services.item_save(
        actor=users["admin"], catalogue=draft, list_kind=ListKind.DUTY, name="宅基地建房申请"
    )
    url = reverse("admin:catalogue_catalogueitem_change", args=[item.pk])
    page = admin_client.get(url).content.decode()
    assert "事项名称" in page and 'name="name"' in page
    data = {
        "catalogue": draft.pk,
        "list_kind": "duty",
        "order": 1,
        "name": "农村危房改造申请",
        "time_unit": "wd",
        "fees": "免费",
    }
    assert admin_client.post(url, data).status_code == 302
    published = services.publish(actor=users["admin"], catalogue=draft, effective_from=date(2026, 5, 1))
    assert [h.item.name for h in selectors.search_items("危房改造")] == ["农村危房改造申请"]
    page = admin_client.get(url).content.decode()
    assert 'name="name"' not in page  # read only now
    assert admin_client.post(url, {**data, "name": "改名"}).status_code == 403
    page = admin_client.get(reverse("admin:catalogue_catalogue_change", args=[published.pk])).content.decode()
    assert "服务清单版本" in page and 'name="items-0-name"' not in page


def test_the_ladder_admin_offers_the_village_levels(admin_client):
    page = admin_client.get(reverse("admin:sla_escalationladder_add")).content.decode()
    assert "联系户党员" in page and "村民小组" in page
