"""State changes of smart intake: registering and activating models, recording suggestions and their
outcome, dispatching confident tickets automatically, and the intake use cases that do all of it around
the ticket services (ticket_intake, ticket_accept, ticket_answer_directly, ticket_dispatch).

The ticket services know nothing of suggestions: interfaces call these use cases, which call the ticket
services and settle the suggestion in the same transaction.
"""

import logging
import re
import shutil
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.core.refusal import Refusal
from civicgrid.intake import classifier, monitor, runtime
from civicgrid.intake.models import IntakeModel, LabelMapping, Suggestion
from civicgrid.intake.selectors import propose
from civicgrid.knowledge.models import Entry
from civicgrid.routing.models import Category
from civicgrid.tickets import services as tickets
from civicgrid.tickets.models import Attachment, Status, Ticket
from civicgrid.tickets.services.attachments import check_upload

log = logging.getLogger(__name__)
Outcome = Suggestion.Outcome
_NAME = re.compile(r"^[\w.\-]{1,80}$")


def _joined(service):
    """`service` without its own `transaction.atomic`, for a use case that already holds the transaction.

    Nested, the service's atomic would open a savepoint: two statements per call that protect nothing
    here, since any failure undoes the whole use case. A durable block, one on another database or a
    function not wrapped in an atomic block is returned as it is.
    """
    for cell in getattr(service, "__closure__", None) or ():
        atomic = cell.cell_contents
        if (
            isinstance(atomic, transaction.Atomic)
            and not atomic.durable
            and atomic.using in (None, "default")
        ):
            return service.__wrapped__
    return service


def _category_for_label(label: str, version: str) -> Category | None:
    """A label names a category by code ("0101") or by name ("城乡建设"); else an admin maps it."""
    rows = Category.objects.filter(version=version, is_active=True)
    return rows.filter(code=label).first() or rows.filter(name=label).order_by("level", "code").first()


@transaction.atomic
def model_register(
    *,
    source: Path,
    name: str,
    actor=None,
    activate: bool = False,
    auto_dispatch: bool | None = None,
    mapping: dict[str, str] | None = None,
    category_version: str | None = None,
) -> IntakeModel:
    """Check a trained model directory, copy it into the data directory and record it.

    Labels are mapped onto categories by code or name; `mapping` ({label: code or name}) overrides.
    """
    if not _NAME.match(name or ""):
        raise ValidationError({"name": "模型名称只能包含字母、数字、下划线、点和连字符，最长 80 个字符"})
    if IntakeModel.objects.filter(name=name).exists():
        raise ValidationError({"name": f"已有名为 {name} 的模型"})
    model = classifier.load(
        Path(source)
    )  # refuses a damaged or tampered directory before anything is written
    version = category_version or settings.CIVICGRID_CATEGORY_VERSION
    mapping = mapping or {}
    unknown = sorted(set(mapping) - set(model.labels))
    if unknown:
        raise ValidationError({"mapping": f"模型中没有这些类别：{'、'.join(unknown)}"})
    resolved = {}
    for label in model.labels:
        wanted = mapping.get(label)
        category = _category_for_label(wanted, version) if wanted else _category_for_label(label, version)
        if wanted and category is None:
            raise ValidationError({"mapping": f"找不到分类「{wanted}」（分类版本 {version}）"})
        resolved[label] = category
    target = runtime.models_dir() / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for filename in runtime.FILES:
        shutil.copy2(Path(source) / filename, target / filename)
        # Shared with the other machines through the media storage (runtime.model_path copies it to each).
        stored = runtime.stored_name(name, filename)
        default_storage.delete(stored)  # left by a registration that was rolled back
        with open(target / filename, "rb") as handle:
            default_storage.save(stored, File(handle))
    meta = model.info.get("meta", {})
    row = IntakeModel.objects.create(
        name=name,
        directory=name,
        labels=model.labels,
        threshold=None if model.threshold == float("inf") else model.threshold,
        metrics=meta,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    LabelMapping.objects.bulk_create(
        LabelMapping(model=row, label=label, category=category) for label, category in resolved.items()
    )
    unmapped = [label for label, category in resolved.items() if category is None]
    record_event(
        actor=actor,
        action="intake.model_register",
        target=row,
        summary=f"登记分类模型 {name}",
        labels=model.labels,
        unmapped=unmapped,
    )
    if activate:
        model_activate(model=row, actor=actor, auto_dispatch=auto_dispatch)
    elif auto_dispatch is not None:
        model_set_auto_dispatch(model=row, actor=actor, enabled=auto_dispatch)
    row.refresh_from_db()
    return row


@transaction.atomic
def model_activate(*, model: IntakeModel, actor=None, auto_dispatch: bool | None = None) -> IntakeModel:
    """Make this the model used at intake (the previous one is switched off)."""
    runtime.classifier_for(model)  # the files must still load
    IntakeModel.objects.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    model.is_active = True
    if auto_dispatch is not None:
        model.auto_dispatch = auto_dispatch
    model.save(update_fields=["is_active", "auto_dispatch"])
    record_event(
        actor=actor,
        action="intake.model_activate",
        target=model,
        summary=f"启用分类模型 {model.name}" + ("，允许自动派单" if model.auto_dispatch else ""),
    )
    return model


@transaction.atomic
def model_set_auto_dispatch(*, model: IntakeModel, actor=None, enabled: bool, threshold: float | None = None):
    if threshold is not None and not 0 < threshold <= 1:
        raise ValidationError({"threshold": "阈值须在 0 到 1 之间"})
    model.auto_dispatch = enabled
    if threshold is not None:
        model.threshold = threshold
    if enabled:
        model.auto_dispatch_off_reason = ""
    model.save(update_fields=["auto_dispatch", "threshold", "auto_dispatch_off_reason"])
    record_event(
        actor=actor,
        action="intake.auto_dispatch",
        target=model,
        summary=f"{'开启' if enabled else '关闭'}自动派单（模型 {model.name}，阈值 {model.threshold}）",
    )
    return model


# --- suggestions on tickets ------------------------------------------------------------------------


def suggestion_record(ticket, *, at: datetime | None = None) -> Suggestion | None:
    """Classify a newly registered ticket with the active model and keep what was proposed.

    Called inside the registration transaction. A model that fails to load must not stop intake: the
    failure is logged and the ticket simply has no suggestion.
    """
    try:
        proposal = propose(f"{ticket.title}\n{ticket.content}", grid=ticket.grid, at=at, routed=1)
    except classifier.ModelFileError:
        log.exception("智能分类模型无法加载，本工单不作分类建议")
        return None
    if proposal is None:
        return None
    best = proposal.best
    return Suggestion.objects.create(
        ticket=ticket,
        model=proposal.model,
        created_at=at or timezone.now(),
        candidates=[c.as_json() for c in proposal.candidates],
        category=best.category,
        confidence=best.confidence,
        confident=proposal.confident,
        unit=best.unit,
    )


def _lineage(category) -> set[int]:
    """The category and everything above it: a model that names 城乡建设 is right about 城乡建设/物业管理."""
    return {c.pk for c in category.ancestors()} if category is not None else set()


def _rank(suggestion: Suggestion, lineage: set[int]) -> int | None:
    for i, candidate in enumerate(suggestion.candidates, start=1):
        if candidate.get("category") in lineage:
            return i
    return None


def _suggestion_of(ticket) -> Suggestion | None:
    """The ticket's suggestion with its model, the suggestion's row locked (one query)."""
    return (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("model")
        .filter(ticket=ticket)
        .first()
    )


def suggestion_settle_category(ticket, *, at: datetime | None = None, suggestion=None) -> Suggestion | None:
    """The category is fixed (accept or answer at intake): was it the one suggested?

    `suggestion`, when the caller has already read it (`_suggestion_of`), saves reading it again.
    """
    if suggestion is None:
        suggestion = (
            Suggestion.objects.select_for_update().filter(ticket=ticket, outcome=Outcome.PENDING).first()
        )
    if suggestion is None or suggestion.outcome != Outcome.PENDING:
        return None
    lineage = _lineage(ticket.category) if ticket.category_id else set()
    if ticket.category_id is None:
        suggestion.outcome = Outcome.NONE
    else:
        kept = suggestion.category_id is not None and suggestion.category_id in lineage
        suggestion.outcome = Outcome.ACCEPTED if kept else Outcome.CHANGED
    suggestion.final_category_id = ticket.category_id
    suggestion.in_top = _rank(suggestion, lineage) if lineage else None
    suggestion.decided_at = at or timezone.now()
    suggestion.save(update_fields=["outcome", "final_category", "in_top", "decided_at"])
    monitor.suggestion_settled(suggestion, at=at)
    return suggestion


def suggestion_settle_unit(ticket, *, lead, at: datetime | None = None) -> None:
    """A person's first dispatch names the lead unit: was it the one suggested? (Automatic dispatches are
    settled by `auto_dispatch`.)"""
    suggestion = (
        Suggestion.objects.select_for_update().filter(ticket=ticket, unit_outcome=Outcome.PENDING).first()
    )
    if suggestion is None:
        return
    suggestion.unit_outcome = Outcome.ACCEPTED if lead.pk == suggestion.unit_id else Outcome.CHANGED
    suggestion.final_unit = lead
    suggestion.save(update_fields=["unit_outcome", "final_unit"])


def auto_dispatch(ticket, *, at: datetime | None = None, suggestion=None) -> bool:
    """智能派单: dispatch an accepted ticket by the routing tables without a dispatcher, when the active
    model allows it, was confident, and the operator kept its category. Returns whether it did.

    Runs inside the caller's transaction but in a savepoint: if dispatch is refused (no routing rule,
    unit inactive, no time limit, a calendar not confirmed…) the ticket stays waiting for a person and
    the reason is noted on the suggestion. `suggestion` (with its model), when the caller has read it.
    """
    if suggestion is None:
        suggestion = Suggestion.objects.select_related("model").filter(ticket=ticket).first()
    if suggestion is None or not suggestion.confident or not suggestion.model.auto_dispatch:
        return False
    if not suggestion.model.is_active or ticket.status != Status.PENDING_DISPATCH:
        return False
    if suggestion.model.threshold is None or suggestion.confidence < suggestion.model.threshold:
        return False
    if ticket.category_id != suggestion.category_id:
        return False  # the operator changed the category: a person dispatches
    try:
        with transaction.atomic():  # the one savepoint needed: a refusal is caught and intake goes on
            ticket = _joined(tickets.ticket_dispatch)(ticket=ticket, actor=None, at=at)
    except Refusal as refusal:
        Suggestion.objects.filter(pk=suggestion.pk).update(note=f"未能自动派单：{refusal.message}"[:200])
        return False
    Suggestion.objects.filter(pk=suggestion.pk).update(
        outcome=Outcome.AUTO,
        unit_outcome=Outcome.AUTO,
        final_unit=ticket.lead_unit_id,
        note="置信度达标，已按派单规则自动派出",
    )
    record_event(
        actor=None,
        action="intake.auto_dispatched",
        target=ticket,
        summary=f"工单 {ticket.number} 智能派单（置信度 {suggestion.confidence:.2f}） → {ticket.lead_unit}",
    )
    return True


# --- the intake use cases: ticket services plus the suggestion's bookkeeping -------------------------


@transaction.atomic
def ticket_accept(*, ticket: Ticket, actor, category: Category | None = None, at: datetime | None = None):
    """受理 a registered ticket: settle the suggested category, then dispatch it automatically if allowed."""
    at = at or timezone.now()
    ticket = _joined(tickets.ticket_accept)(ticket=ticket, actor=actor, category=category, at=at)
    suggestion = _suggestion_of(ticket)
    if suggestion is None:
        return ticket  # no model suggested anything: nothing to settle, nothing dispatches itself
    suggestion_settle_category(ticket, at=at, suggestion=suggestion)
    if auto_dispatch(ticket, at=at, suggestion=suggestion):
        ticket.refresh_from_db()
    return ticket


def preselected_category(suggestion: Suggestion | None) -> int | None:
    """The category the acceptance form starts with: the model's only when it is sure enough to dispatch on
    its own (at or above its threshold). Below it the operator chooses: a preset 61 % guess gets sent."""
    if suggestion is None or not suggestion.confident or suggestion.category_id is None:
        return None
    threshold = suggestion.model.threshold
    if threshold is None or suggestion.confidence < threshold:
        return None
    return suggestion.category_id


def _answer_category(ticket: Ticket, kb_refs) -> Category | None:
    """A direct answer left unclassified takes the category of the knowledge entry it quotes, else the
    model's confident one, so that consultations still count by category."""
    if ticket.category_id is not None:
        return None
    entries = {e.pk: e for e in Entry.objects.filter(pk__in=kb_refs or []).select_related("category")}
    for pk in kb_refs or []:
        if pk in entries and entries[pk].category is not None:
            return entries[pk].category
    suggestion = Suggestion.objects.select_related("model", "category").filter(ticket=ticket).first()
    return suggestion.category if preselected_category(suggestion) else None


@transaction.atomic
def ticket_answer_directly(*, ticket: Ticket, actor, answer: str, kb_refs=None, at: datetime | None = None):
    """即时办结 at intake; the category the ticket carries (or takes from its answer) settles the suggestion."""
    at = at or timezone.now()
    ticket = _joined(tickets.ticket_answer_directly)(
        ticket=ticket,
        actor=actor,
        answer=answer,
        kb_refs=kb_refs,
        category=_answer_category(ticket, kb_refs),
        at=at,
    )
    suggestion_settle_category(ticket, at=at)
    return ticket


@transaction.atomic
def ticket_dispatch(*, ticket: Ticket, actor, lead=None, co_units=(), reason: str = "", at=None) -> Ticket:
    """派单 by a dispatcher; the first dispatch tells whether the suggested unit was kept."""
    at = at or timezone.now()
    ticket = _joined(tickets.ticket_dispatch)(
        ticket=ticket, actor=actor, lead=lead, co_units=co_units, reason=reason, at=at
    )
    suggestion_settle_unit(ticket, lead=ticket.lead_unit, at=at)
    return ticket


# The operator's conclusion at registration （受理结论）， each with the arguments of its service.
TRIAGE = {
    "accept": ticket_accept,
    "answer": ticket_answer_directly,
    "decline": tickets.ticket_decline,
    "transfer": tickets.ticket_transfer_emergency,
    "merge": tickets.ticket_merge,
}


def ticket_intake(
    *,
    actor,
    triage: str = "",
    triage_args: dict | None = None,
    uploads=(),
    at: datetime | None = None,
    **fields,
) -> Ticket:
    """受理 in one go, all or nothing: register the ticket (`fields` as tickets.ticket_register takes
    them), record the model's suggestion, apply the `triage` conclusion (one of TRIAGE, with
    `triage_args`; accepting may dispatch automatically) and attach the `uploads`.

    Every upload is checked before anything is written, and files already stored are deleted when a
    later step fails, since rolling back the rows does not remove them. `actor` is None for residents.
    """
    if triage and triage not in TRIAGE:
        raise ValueError(f"unknown triage {triage!r}")
    uploads = list(uploads)
    for upload in uploads:
        check_upload(upload.name, upload)
    at = at or timezone.now()
    stored = []
    try:
        with transaction.atomic():
            ticket = _joined(tickets.ticket_register)(actor=actor, at=at, **fields)
            suggestion_record(ticket, at=at)
            if triage:
                ticket = _joined(TRIAGE[triage])(ticket=ticket, actor=actor, at=at, **(triage_args or {}))
            for upload in uploads:
                attachment = _joined(tickets.attachment_add)(
                    ticket=ticket,
                    actor=actor,
                    upload=upload,
                    name=upload.name,
                    kind=Attachment.Kind.INTAKE,
                    at=at,
                )
                stored.append(attachment.file)
    except BaseException:
        for file in stored:
            file.storage.delete(file.name)
        raise
    return ticket
