"""The full-text index follows the table whatever writes to it: services, the admin, update(), delete()."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from civicgrid.knowledge import fts, selectors
from civicgrid.knowledge.models import Entry
from tests.knowledge.conftest import TODAY

pytestmark = pytest.mark.django_db


def found(query: str) -> list[str]:
    return [hit.entry.question for hit in selectors.search(query, at=TODAY, include_retired=True)]


def assert_index_matches_table():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # raises when the FTS5 index differs from the table
            cursor.execute(
                f"INSERT INTO {fts.FTS_TABLE}({fts.FTS_TABLE}, rank) VALUES ('integrity-check', 1)"
            )


def test_admin_add_and_change_keep_the_index_in_step(client, world):
    client.force_login(world.user("admin"))
    response = client.post(
        "/admin/knowledge/entry/add/",
        {"question": "路面积水怎么报修", "answer": "拨打12345。", "keywords": "", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = Entry.objects.get()
    assert found("积水") == ["路面积水怎么报修"]

    response = client.post(
        f"/admin/knowledge/entry/{entry.pk}/change/",
        {
            "question": "道路内涝怎么报修",
            "answer": "拨打12345。",
            "valid_from": "2026-01-01",
            "change_note": "改名",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    current = Entry.objects.current().get()
    assert (current.version, current.key, current.change_note) == (2, entry.key, "改名")
    assert found("内涝") == ["道路内涝怎么报修"]
    assert [hit.entry.pk for hit in selectors.search("积水", at=TODAY)] == []
    assert_index_matches_table()


def test_admin_refuses_a_change_that_changes_nothing(client, world, make_entry):
    entry = make_entry("路面积水怎么报修", "拨打12345。")
    client.force_login(world.user("admin"))

    response = client.post(
        f"/admin/knowledge/entry/{entry.pk}/change/",
        {"question": entry.question, "answer": entry.answer, "valid_from": "2026-01-01"},
    )

    assert response.status_code == 200
    assert "内容没有变化" in response.content.decode()
    assert Entry.objects.count() == 1


def test_admin_shows_old_versions_read_only_and_retires_in_bulk(client, world, make_entry):
    entry = make_entry("路面积水怎么报修", "拨打12345。")
    client.force_login(world.user("admin"))

    response = client.post(
        "/admin/knowledge/entry/", {"action": "retire_selected", "_selected_action": [entry.pk]}
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Entry.Status.RETIRED
    assert client.get(f"/admin/knowledge/entry/{entry.pk}/change/").status_code == 200
    assert client.post(f"/admin/knowledge/entry/{entry.pk}/change/", {}).status_code == 403


def test_update_and_delete_reach_the_index(make_entry):
    kept = make_entry("路面积水怎么报修")
    gone = make_entry("楼下KTV噪音扰民")

    Entry.objects.filter(pk=kept.pk).update(search_text="内涝 排水")
    assert found("积水") == [] and found("内涝") == ["路面积水怎么报修"]
    Entry.objects.filter(pk=gone.pk).delete()
    assert found("噪音") == []
    assert_index_matches_table()


def test_admin_delete_reaches_the_index(client, world, make_entry):
    entry = make_entry("楼下KTV噪音扰民")
    client.force_login(world.user("admin"))

    response = client.post(f"/admin/knowledge/entry/{entry.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert found("噪音") == []
    assert_index_matches_table()


def test_reindex_recomputes_every_search_text(make_entry):
    make_entry("路面积水怎么报修")
    Entry.objects.update(search_text="")
    assert found("积水") == []

    out = StringIO()
    call_command("kb", "reindex", stdout=out)

    assert found("积水") == ["路面积水怎么报修"]
    assert "1 条" in out.getvalue()
    assert_index_matches_table()


def test_triggers_dropped_by_a_table_rebuild_are_put_back(make_entry):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL keeps its vector in a generated column")
    make_entry("路面积水怎么报修")
    with connection.cursor() as cursor:
        for name in fts.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    make_entry("楼下KTV噪音扰民")  # written while the triggers are missing
    assert found("噪音") == []

    assert fts.ensure_sqlite_triggers(connection) is True
    assert fts.ensure_sqlite_triggers(connection) is False

    assert found("噪音") == ["楼下KTV噪音扰民"]
    make_entry("社保怎么补缴", valid_from=date(2026, 1, 1))
    assert found("社保") == ["社保怎么补缴"]
    assert_index_matches_table()
