"""Creating, revising and retiring entries: rules, permissions, history, audit rows."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.core.models import AuditEvent
from civicgrid.knowledge import services
from civicgrid.knowledge.models import Entry

pytestmark = pytest.mark.django_db

AT = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_it_creates_version_one_with_its_search_text_and_an_audit_row(world):
    entry = services.entry_create(
        actor=world.user("zjj"),
        question="  路面积水 怎么报修? ",
        answer="  拨打12345。\n",
        keywords="积水,内涝",
        category=world.categories["property"],
        unit=world.units["zjj"],
        at=AT,
    )

    assert (entry.version, entry.status, entry.valid_from) == (1, Entry.Status.ACTIVE, date(2026, 6, 1))
    assert (entry.question, entry.answer) == ("路面积水 怎么报修?", "拨打12345。")
    assert entry.created_by == world.user("zjj")
    assert {"积水", "路面", "内涝", "12345"} <= set(entry.search_text.split())
    event = AuditEvent.objects.get(action="kb.create")
    assert (event.actor, event.target_id) == (world.user("zjj"), str(entry.pk))


def test_it_refuses_incomplete_or_inconsistent_entries(world):
    with pytest.raises(ValidationError) as caught:
        services.entry_create(
            actor=None,
            question=" ",
            answer="",
            keywords="词" * 301,
            valid_from=date(2026, 6, 1),
            valid_to=date(2026, 5, 1),
        )

    assert caught.value.message_dict == {
        "question": ["请填写问题"],
        "answer": ["请填写答案"],
        "keywords": ["关键词不能超过 300 个字"],
        "valid_to": ["失效日期不能早于生效日期"],
    }
    world.categories["noise"].is_active = False
    world.categories["noise"].save()
    with pytest.raises(ValidationError, match="已停用"):
        services.entry_create(actor=None, question="问", answer="答", category=world.categories["noise"])
    assert not Entry.objects.exists()


def test_a_unit_handler_maintains_only_the_entries_of_their_unit(world):
    with pytest.raises(PermissionDenied, match="住建局"):
        services.entry_create(actor=world.user("zf"), question="问", answer="答", unit=world.units["zjj"])
    with pytest.raises(PermissionDenied, match="系统管理员"):
        services.entry_create(actor=world.user("zjj"), question="问", answer="答")
    with pytest.raises(PermissionDenied):
        services.entry_create(
            actor=world.user("operator"), question="问", answer="答", unit=world.units["zjj"]
        )
    entry = services.entry_create(
        actor=world.user("zjj"), question="问", answer="答", unit=world.units["zjj"]
    )

    with pytest.raises(PermissionDenied):
        services.entry_revise(entry=entry, actor=world.user("zf"), answer="新答")
    with pytest.raises(PermissionDenied):
        services.entry_retire(entry=entry, actor=world.user("zf"), reason="过时")
    with pytest.raises(PermissionDenied, match="移交"):
        services.entry_revise(entry=entry, actor=world.user("zjj"), unit=world.units["zf"])
    services.entry_revise(entry=entry, actor=world.user("admin"), unit=world.units["zf"])
    assert Entry.objects.current().get().unit == world.units["zf"]


def test_a_revision_is_a_new_version_and_keeps_the_old_one(world):
    first = services.entry_create(
        actor=None, question="噪音投诉受理时间", answer="工作日受理。", unit=world.units["zjj"], at=AT
    )
    later = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    second = services.entry_revise(
        entry=first, actor=world.user("zjj"), answer="全天24小时受理。", change_note="延长受理时间", at=later
    )

    first.refresh_from_db()
    assert (first.status, first.retired_at, first.answer) == (Entry.Status.SUPERSEDED, later, "工作日受理。")
    assert (second.key, second.version, second.status) == (first.key, 2, Entry.Status.ACTIVE)
    assert (second.question, second.unit, second.valid_from) == (
        "噪音投诉受理时间",
        world.units["zjj"],
        date(2026, 7, 1),
    )
    assert second.change_note == "延长受理时间"
    assert [e.version for e in second.history()] == [2, 1]
    assert "全天" in second.search_text.split() and "工作日" not in second.search_text.split()
    assert AuditEvent.objects.get(action="kb.revise").payload["previous"] == first.pk

    with pytest.raises(ValidationError, match="只能修订现行版本"):
        services.entry_revise(entry=first, actor=None, answer="另一个答案")
    with pytest.raises(ValidationError, match="内容没有变化"):
        services.entry_revise(entry=second, actor=None, answer="全天24小时受理。")


def test_retiring_needs_a_reason_and_happens_once(world):
    entry = services.entry_create(actor=None, question="旧政策", answer="已废止。", unit=world.units["zjj"])

    with pytest.raises(ValidationError):
        services.entry_retire(entry=entry, actor=world.user("zjj"), reason=" ")
    services.entry_retire(entry=entry, actor=world.user("zjj"), reason="政策废止", at=AT)

    entry.refresh_from_db()
    assert (entry.status, entry.retired_at) == (Entry.Status.RETIRED, AT)
    assert AuditEvent.objects.get(action="kb.retire").payload == {"reason": "政策废止"}
    with pytest.raises(ValidationError):
        services.entry_retire(entry=entry, actor=None, reason="再次")
    with pytest.raises(ValidationError):
        services.entry_revise(entry=entry, actor=None, answer="恢复")


def test_only_one_current_version_per_entry_is_possible(world):
    from django.db import IntegrityError, transaction

    entry = services.entry_create(actor=None, question="问", answer="答")
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            key=entry.key, version=2, question="问", answer="答2", valid_from=date(2026, 1, 1)
        )


def test_the_fingerprint_ignores_spacing_case_and_full_width_characters():
    from civicgrid.knowledge.models import content_fingerprint

    assert content_fingerprint("ＫＴＶ 噪音", "拨打 12345") == content_fingerprint(
        "ktv  噪音", " 拨打 12345\n"
    )
    assert content_fingerprint("KTV", "答") != content_fingerprint("KTV", "答。")
