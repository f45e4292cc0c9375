"""Search finds words in Chinese text without spaces, only among versions in force, scoped to an area and above."""

from datetime import date

import pytest

from civicgrid.catalogue import selectors, services
from civicgrid.catalogue.models import ListKind

pytestmark = pytest.mark.django_db(transaction=False)


def build(place):
    a, u, users = place
    me = users["admin"]
    out = {}
    for key, names in {
        "shamei": ["最低生活保障申请", "新型农村合作医疗参保缴费", "宅基地建房申请"],
        "longwan": ["残疾人证办理", "最低生活保障申请"],
    }.items():
        draft = services.draft_for(actor=me, area=a[key])
        for name in names:
            services.item_save(
                actor=me,
                catalogue=draft,
                list_kind=ListKind.ASSIST,
                name=name,
                keywords="低保" if "保障" in name else "",
            )
        services.publish(actor=me, catalogue=draft, effective_from=date(2026, 5, 1))
        out[key] = draft
    return out


def names(hits):
    return [(h.item.catalogue.area.name, h.item.name) for h in hits]


def test_words_are_found_inside_unspaced_text(place, frozen):
    build(place)
    hits = selectors.search_items("我想办低保需要带什么")
    assert {n for _, n in names(hits)} == {"最低生活保障申请"}
    assert len(hits) == 2
    assert names(selectors.search_items("农村合作医疗"))[0] == ("沙美村", "新型农村合作医疗参保缴费")
    assert names(selectors.search_items("盖房子宅基地")) == [("沙美村", "宅基地建房申请")]
    assert selectors.search_items("") == [] and selectors.search_items("？？") == []


def test_scope_to_an_area_and_above(place, frozen):
    a, u, users = place
    build(place)
    assert names(selectors.search_items("低保", area=a["longwan"])) == [("龙湾村", "最低生活保障申请")]
    assert selectors.search_items("低保", area=a["hill"]) == []
    assert selectors.search_items("残疾人证", list_kind=ListKind.DUTY) == []


def test_only_versions_in_force(place, frozen):
    a, u, users = place
    cats = build(place)
    draft = services.draft_for(actor=users["admin"], area=a["shamei"])
    services.item_save(actor=users["admin"], catalogue=draft, list_kind=ListKind.DUTY, name="渔船登记证明")
    assert selectors.search_items("渔船") == []
    services.publish(actor=users["admin"], catalogue=draft, effective_from=date(2026, 6, 1))
    assert selectors.search_items("渔船") == []  # not yet
    assert names(selectors.search_items("渔船", day=date(2026, 6, 1))) == [("沙美村", "渔船登记证明")]
    # The old version's items are no longer found from then on, its copies in the new one are.
    hits = selectors.search_items("宅基地", day=date(2026, 6, 1))
    assert [h.item.catalogue for h in hits] == [draft]
    assert cats["shamei"].items.filter(name="宅基地建房申请").exists()


def test_lost_triggers_are_put_back(place, frozen):
    from django.db import connection

    from civicgrid.catalogue.search import ensure_sqlite_triggers

    if connection.vendor != "sqlite":
        assert ensure_sqlite_triggers(connection) is False
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER catalogue_item_fts_ai")
    assert ensure_sqlite_triggers(connection) is True
    build(place)
    assert selectors.search_items("宅基地")
    assert ensure_sqlite_triggers(connection) is False
