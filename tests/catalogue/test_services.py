"""Versions: a draft is edited, publishing puts it in force and makes the previous one history; a published version
is never changed; scope; copying another village's catalogue."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicgrid.catalogue import selectors, services
from civicgrid.catalogue.errors import CatalogueError
from civicgrid.catalogue.models import Catalogue, CatalogueItem, ListKind
from civicgrid.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def add(user, catalogue, name, kind=ListKind.DUTY, **extra):
    return services.item_save(actor=user, catalogue=catalogue, list_kind=kind, name=name, **extra)


def test_publish_makes_the_previous_version_history(place, frozen):
    a, u, users = place
    me = users["shamei"]
    v1 = services.draft_for(actor=me, area=a["shamei"])
    add(me, v1, "低保申请", materials="身份证\n户口簿", steps="提交申请\n入户调查\n公示", time_limit=5)
    services.publish(actor=me, catalogue=v1)
    assert selectors.in_force(a["shamei"]) == v1
    assert AuditEvent.objects.filter(action="servicelist.publish").count() == 1

    v2 = services.draft_for(actor=me, area=a["shamei"])
    assert v2.version == 2 and v2.based_on == v1
    item = v2.items.get()
    services.item_save(actor=me, catalogue=v2, item=item, name="最低生活保障申请")
    add(me, v2, "新农合缴费", ListKind.ASSIST)
    # The draft's edits never touch the version in force.
    assert v1.items.get().name == "低保申请"
    assert item.key == v1.items.get().key  # the same matter across versions
    assert selectors.in_force(a["shamei"]) == v1

    frozen.move_to("2026-05-20 09:00+08:00")
    v2 = services.publish(actor=me, catalogue=v2, effective_from=date(2026, 6, 1))
    v1.refresh_from_db()
    assert v1.effective_to == date(2026, 5, 31)
    assert selectors.in_force(a["shamei"]) == v1  # not yet
    assert v2.state_label(date(2026, 5, 20)) == "待生效"
    assert selectors.in_force(a["shamei"], day=date(2026, 6, 1)) == v2
    assert v1.state_label(date(2026, 6, 1)) == "历史版本"


def test_a_published_version_is_never_changed(place, frozen):
    a, u, users = place
    me = users["shamei"]
    v1 = services.draft_for(actor=me, area=a["shamei"])
    item = add(me, v1, "低保申请")
    services.publish(actor=me, catalogue=v1)
    for call in (
        lambda: add(me, v1, "另一项"),
        lambda: services.item_save(actor=me, catalogue=v1, item=item, name="改名"),
        lambda: services.item_delete(actor=me, item=item),
        lambda: services.item_move(actor=me, item=item, direction=1),
        lambda: services.publish(actor=me, catalogue=v1),
        lambda: services.draft_discard(actor=me, catalogue=v1),
    ):
        with pytest.raises(CatalogueError, match="已发布"):
            call()
    assert CatalogueItem.objects.get(pk=item.pk).name == "低保申请"


def test_scope_and_guards(place, frozen):
    a, u, users = place
    with pytest.raises(CatalogueError, match="您不负责龙湾村"):
        services.draft_for(actor=users["shamei"], area=a["longwan"])
    with pytest.raises(CatalogueError, match="您不负责"):
        services.draft_for(actor=users["operator"], area=a["shamei"])
    with pytest.raises(CatalogueError, match="只能为村"):
        services.draft_for(actor=users["admin"], area=a["town"])
    # The town's staff edit their villages, not another town's.
    draft = services.draft_for(actor=users["town"], area=a["longwan"])
    with pytest.raises(CatalogueError, match="没有任何事项"):
        services.publish(actor=users["town"], catalogue=draft)
    with pytest.raises(CatalogueError, match="您不负责"):
        services.draft_for(actor=users["town"], area=a["hill"])
    # One draft at a time: asking again returns it.
    assert services.draft_for(actor=users["longwan"], area=a["longwan"]) == draft


def test_copy_from_another_village_and_reorder(place, frozen):
    a, u, users = place
    src = services.draft_for(actor=users["admin"], area=a["shamei"])
    for name in ("甲", "乙", "丙"):
        add(users["admin"], src, f"事项{name}", fees="")
    src = services.publish(actor=users["admin"], catalogue=src)
    copy = services.draft_for(actor=users["longwan"], area=a["longwan"], copy_from=src)
    names = list(copy.items.order_by("order").values_list("name", flat=True))
    assert names == ["事项甲", "事项乙", "事项丙"]
    assert not set(copy.items.values_list("key", flat=True)) & set(src.items.values_list("key", flat=True))
    assert copy.items.first().fees == "免费"
    second = copy.items.get(name="事项乙")
    services.item_move(actor=users["longwan"], item=second, direction=-1)
    assert list(copy.items.order_by("order").values_list("name", flat=True)) == ["事项乙", "事项甲", "事项丙"]
    services.item_delete(actor=users["longwan"], item=second)
    assert copy.items.count() == 2
    with pytest.raises(CatalogueError, match="已有草稿"):
        services.draft_for(actor=users["longwan"], area=a["longwan"], copy_from=src)
    services.draft_discard(actor=users["longwan"], catalogue=copy)
    assert not Catalogue.objects.filter(pk=copy.pk).exists()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["draft", "add", "publish", "discard"]), max_size=12))
def test_at_most_one_version_in_force_whatever_the_order(place, steps):
    a, u, users = place
    me = users["admin"]
    Catalogue.objects.all().delete()
    day = date(2026, 1, 1)
    for step in steps:
        draft = Catalogue.objects.filter(area=a["shamei"], published=False).first()
        try:
            if step == "draft":
                services.draft_for(actor=me, area=a["shamei"])
            elif step == "add" and draft:
                add(me, draft, "事项")
            elif step == "publish" and draft:
                day = day.replace(day=day.day + 1)
                services.publish(actor=me, catalogue=draft, effective_from=day)
            elif step == "discard" and draft:
                services.draft_discard(actor=me, catalogue=draft)
        except CatalogueError:
            pass
        for probe in (date(2026, 1, d) for d in range(1, 20)):
            assert Catalogue.objects.in_force(probe).filter(area=a["shamei"]).count() <= 1
        assert Catalogue.objects.filter(area=a["shamei"], published=False).count() <= 1
