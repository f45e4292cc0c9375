"""State changes of the knowledge base: one function per change, atomic, validated, audited.

`actor=None` is the system (management commands); a person must be allowed to maintain the entry's
unit (civicgrid.knowledge.selectors.can_maintain): "诉求办理单位要及时更新知识库信息".
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.knowledge.models import Entry, content_fingerprint
from civicgrid.knowledge.selectors import can_maintain

QUESTION_MAX = Entry._meta.get_field("question").max_length
KEYWORDS_MAX = Entry._meta.get_field("keywords").max_length
NOTE_MAX = Entry._meta.get_field("change_note").max_length
IMPORT_BATCH = 500

KEEP = object()  # entry_revise: leave this field as it is


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _require_maintainer(actor, unit, *, action: str) -> None:
    if actor is None or can_maintain(actor, unit):
        return
    if unit is None:
        raise PermissionDenied(f"无权{action}：未指定维护单位的知识条目仅限系统管理员维护")
    raise PermissionDenied(f"无权{action}：此条知识由「{unit.name}」维护")


def _validate(entry: Entry) -> None:
    errors: dict[str, str] = {}
    entry.question = " ".join(entry.question.split())
    entry.answer = entry.answer.strip()
    entry.keywords = entry.keywords.strip()
    if not entry.question:
        errors["question"] = "请填写问题"
    elif len(entry.question) > QUESTION_MAX:
        errors["question"] = f"问题不能超过 {QUESTION_MAX} 个字"
    if not entry.answer:
        errors["answer"] = "请填写答案"
    if len(entry.keywords) > KEYWORDS_MAX:
        errors["keywords"] = f"关键词不能超过 {KEYWORDS_MAX} 个字"
    if len(entry.change_note) > NOTE_MAX:
        errors["change_note"] = f"修订说明不能超过 {NOTE_MAX} 个字"
    if entry.valid_from is None:
        errors["valid_from"] = "请填写生效日期"
    elif entry.valid_to is not None and entry.valid_to < entry.valid_from:
        errors["valid_to"] = "失效日期不能早于生效日期"
    if entry.category is not None and not entry.category.is_active:
        errors["category"] = f"业务分类「{entry.category.name}」已停用"
    if entry.unit is not None and not entry.unit.is_active:
        errors["unit"] = f"维护单位「{entry.unit.name}」已停用"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def entry_create(
    *,
    actor,
    question: str,
    answer: str,
    keywords: str = "",
    category=None,
    unit=None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    source: str = Entry.Source.MANUAL,
    source_ref: str = "",
    at: datetime | None = None,
) -> Entry:
    """新增知识: version 1 of a new entry."""
    _require_maintainer(actor, unit, action="新增知识")
    at = _now(at)
    entry = Entry(
        question=question or "",
        answer=answer or "",
        keywords=keywords or "",
        category=category,
        unit=unit,
        valid_from=valid_from or timezone.localdate(at),
        valid_to=valid_to,
        source=source,
        source_ref=source_ref,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _validate(entry)
    entry.refresh_index()
    entry.save()
    record_event(actor=actor, action="kb.create", target=entry, summary=f"新增知识：{entry.question}")
    return entry


@transaction.atomic
def entry_revise(
    *,
    entry: Entry,
    actor,
    question=KEEP,
    answer=KEEP,
    keywords=KEEP,
    category=KEEP,
    unit=KEEP,
    valid_from=KEEP,
    valid_to=KEEP,
    change_note: str = "",
    at: datetime | None = None,
) -> Entry:
    """修订知识: a new version replaces the current one, which is kept as `superseded`.

    The new version is valid from `valid_from`, by default the day of the revision.
    """
    at = _now(at)
    current = (
        Entry.objects.select_for_update(of=("self",)).select_related("category", "unit").get(pk=entry.pk)
    )
    _require_maintainer(actor, current.unit, action="修订知识")
    if current.status != Entry.Status.ACTIVE:
        raise ValidationError(f"此条知识{current.get_status_display()}，只能修订现行版本")
    changes = {
        "question": question,
        "answer": answer,
        "keywords": keywords,
        "category": category,
        "unit": unit,
        "valid_from": timezone.localdate(at) if valid_from is KEEP else valid_from,
        "valid_to": valid_to,
    }
    revised = Entry(
        key=current.key,
        version=current.version + 1,
        source=current.source,
        source_ref=current.source_ref,
        change_note=(change_note or "").strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for name, value in changes.items():
        setattr(revised, name, getattr(current, name) if value is KEEP else value)
    revised.question, revised.answer, revised.keywords = (
        revised.question or "",
        revised.answer or "",
        revised.keywords or "",
    )
    if revised.unit_id != current.unit_id:
        _require_maintainer(actor, revised.unit, action="将知识移交给该单位")
    _validate(revised)
    compared = ["question", "answer", "keywords", "category_id", "unit_id", "valid_to"]
    if valid_from is not KEEP:
        compared.append("valid_from")
    unchanged = all(getattr(revised, name) == getattr(current, name) for name in compared)
    if unchanged:
        raise ValidationError("内容没有变化，未产生新版本")
    current.status, current.retired_at = Entry.Status.SUPERSEDED, at
    current.save(update_fields=["status", "retired_at", "updated_at"])
    revised.refresh_index()
    revised.save()
    record_event(
        actor=actor,
        action="kb.revise",
        target=revised,
        summary=f"修订知识：{revised.question}（第{current.version}版 → 第{revised.version}版）",
        previous=current.pk,
        note=revised.change_note,
    )
    return revised


@transaction.atomic
def entry_retire(*, entry: Entry, actor, reason: str, at: datetime | None = None) -> Entry:
    """停用知识: the current version stops being suggested or found; it stays readable by id."""
    at = _now(at)
    current = Entry.objects.select_for_update(of=("self",)).select_related("unit").get(pk=entry.pk)
    _require_maintainer(actor, current.unit, action="停用知识")
    if current.status != Entry.Status.ACTIVE:
        raise ValidationError(f"此条知识{current.get_status_display()}，不能再停用")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "请填写停用原因"})
    current.status, current.retired_at = Entry.Status.RETIRED, at
    current.save(update_fields=["status", "retired_at", "updated_at"])
    record_event(
        actor=actor,
        action="kb.retire",
        target=current,
        summary=f"停用知识：{current.question}",
        reason=reason,
    )
    return current


# --- import ------------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One valid row of an import file (civicgrid.knowledge.importing reads and checks them)."""

    line: int
    question: str
    answer: str
    keywords: str = ""
    category: object = None
    unit: object = None
    valid_from: date | None = None
    valid_to: date | None = None
    source: str = Entry.Source.IMPORT
    source_ref: str = ""


@dataclass
class ImportResult:
    created: int = 0
    unchanged: int = 0
    skipped: int = 0
    created_ids: list[int] = field(default_factory=list)


def entries_import(
    *,
    rows: list[ImportRow],
    actor=None,
    skipped: int = 0,
    dry_run: bool = False,
    label: str = "",
    batch_size: int = IMPORT_BATCH,
    progress: Callable[[int, int], None] | None = None,
    at: datetime | None = None,
) -> ImportResult:
    """导入知识: rows whose question and answer are already in the base (any version) are left alone.

    All rows are written in one transaction, or none (`dry_run` counts without writing).
    `progress(done, total)` is called after each batch of `batch_size` new entries.
    """
    at = _now(at)
    result = ImportResult(skipped=skipped)
    known = set(Entry.objects.values_list("fingerprint", flat=True))
    fresh: list[Entry] = []
    for row in rows:
        _require_maintainer(actor, row.unit, action="导入知识")
        fingerprint = content_fingerprint(row.question, row.answer)
        if fingerprint in known:
            result.unchanged += 1
            continue
        known.add(fingerprint)
        entry = Entry(
            question=row.question,
            answer=row.answer,
            keywords=row.keywords,
            category=row.category,
            unit=row.unit,
            valid_from=row.valid_from or timezone.localdate(at),
            valid_to=row.valid_to,
            source=row.source,
            source_ref=row.source_ref,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        try:
            _validate(entry)
        except ValidationError as exc:
            raise ValidationError(f"第 {row.line} 行：{';'.join(exc.messages)}") from None
        fresh.append(entry)
    result.created = len(fresh)
    if dry_run or not fresh:
        return result
    with transaction.atomic():
        for start in range(0, len(fresh), batch_size):
            batch = fresh[start : start + batch_size]
            for entry in batch:
                entry.refresh_index()
            # bulk_create fires the SQLite index triggers row by row; ids come back on both databases.
            result.created_ids.extend(e.pk for e in Entry.objects.bulk_create(batch))
            if progress:
                progress(min(start + batch_size, len(fresh)), len(fresh))
        record_event(
            actor=actor,
            action="kb.import",
            summary=f"导入知识 {result.created} 条{f'({label})' if label else ''}",
            created=result.created,
            unchanged=result.unchanged,
            skipped=result.skipped,
            source=label,
        )
    return result


def entries_reindex(*, actor=None, batch_size: int = IMPORT_BATCH, progress=None) -> int:
    """Recompute every entry's search text (after the tokenizer or its user words changed) and the index.

    Batch by batch, each in its own transaction, so that a long run does not hold the database.
    """
    from civicgrid.knowledge import fts

    ids = list(Entry.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            batch = list(Entry.objects.filter(pk__in=ids[start : start + batch_size]))
            for entry in batch:
                entry.refresh_index()
            Entry.objects.bulk_update(batch, ["search_text", "fingerprint"])
        if progress:
            progress(min(start + batch_size, len(ids)), len(ids))
    with transaction.atomic():
        fts.rebuild()
        record_event(actor=actor, action="kb.reindex", summary=f"重建知识库索引，共 {len(ids)} 条")
    return len(ids)
