"""Service records: pending → confirmed | disputed → corrected (→ confirmed) | void.

A record is made from a checked-out sign-up (hours: hours.service_hours). Confirmed is final: only confirmed
records count (selectors.confirmed_records), and engagement posts points from them once.
"""

from datetime import datetime

from django.db import transaction

from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.hours import capped_span, service_hours
from civicgrid.volunteering.models import Activity, ServiceRecord, SignUp
from civicgrid.volunteering.services._common import audit, now_or, require_area

R = ServiceRecord.State


def record_signup(*, actor, signup: SignUp, now: datetime | None = None, content: str = "") -> ServiceRecord:
    """checked out → recorded: a pending record of the time served within the schedule, travel deducted."""
    now = now_or(now)
    require_area(actor, signup.activity.project.area_id, action="生成服务记录")
    with transaction.atomic():
        signup = SignUp.objects.select_for_update().select_related("activity", "volunteer").get(pk=signup.pk)
        if signup.state != SignUp.State.CHECKED_OUT:
            raise VolunteerRefusal(f"该报名{signup.get_state_display()}，只有已签退的才能生成服务记录")
        a = signup.activity
        start, end = capped_span(signup.checked_in_at, signup.checked_out_at, a.starts_at, a.ends_at)
        record = ServiceRecord.objects.create(
            volunteer=signup.volunteer,
            activity=a,
            signup=signup,
            started_at=start,
            ended_at=end,
            travel_minutes=signup.travel_minutes,
            hours=service_hours(signup.checked_in_at, signup.checked_out_at, a.starts_at, a.ends_at, signup.travel_minutes),
            content=(content or a.content or a.title)[:300],
            source=ServiceRecord.Source.CHECKIN,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            recorded_on=now.date(),
        )
        signup.state = SignUp.State.RECORDED
        signup.save(update_fields=["state"])
        audit(actor, "volunteer.record_create", record, f"{signup.volunteer.number} 服务 {record.hours} 小时（待确认）")
    return record


def record_activity(*, actor, activity: Activity, now: datetime | None = None) -> int:
    """Records for every checked-out sign-up of the activity; how many were made."""
    count = 0
    for signup in activity.signups.filter(state=SignUp.State.CHECKED_OUT):
        record_signup(actor=actor, signup=signup, now=now)
        count += 1
    return count


def _locked(record: ServiceRecord) -> ServiceRecord:
    return ServiceRecord.objects.select_for_update().select_related("volunteer", "activity__project").get(pk=record.pk)


def confirm(*, actor, record: ServiceRecord, now: datetime | None = None) -> ServiceRecord:
    require_area(actor, record.activity.project.area_id, action="确认服务记录")
    with transaction.atomic():
        record = _locked(record)
        if record.state not in (R.PENDING, R.CORRECTED):
            raise VolunteerRefusal(f"该记录{record.get_state_display()}，不能确认")
        record.state, record.confirmed_at = R.CONFIRMED, now_or(now)
        record.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
        record.save(update_fields=["state", "confirmed_at", "confirmed_by"])
        audit(actor, "volunteer.record_confirm", record, f"确认 {record.volunteer.number} 服务 {record.hours} 小时")
    return record


def dispute(*, record: ServiceRecord, reason: str, actor=None, volunteer=None) -> ServiceRecord:
    """The volunteer (portal: pass `volunteer`) or staff object to a record before it is confirmed."""
    reason = (reason or "").strip()
    if not reason:
        raise VolunteerRefusal("请填写异议理由")
    if volunteer is None:
        require_area(actor, record.activity.project.area_id, action="提出异议")
    with transaction.atomic():
        record = _locked(record)
        if volunteer is not None and record.volunteer_id != volunteer.pk:
            raise VolunteerRefusal("只能对本人的服务记录提出异议")
        if record.state not in (R.PENDING, R.CORRECTED):
            raise VolunteerRefusal(f"该记录{record.get_state_display()}，不能提出异议")
        record.state, record.dispute_reason = R.DISPUTED, reason[:300]
        record.save(update_fields=["state", "dispute_reason"])
        audit(actor, "volunteer.record_dispute", record, f"{record.volunteer.number} 服务记录有异议", reason=reason)
    return record


def correct(
    *,
    actor,
    record: ServiceRecord,
    started_at: datetime,
    ended_at: datetime,
    travel_minutes: int = 0,
    note: str = "",
) -> ServiceRecord:
    """disputed → corrected: new times (still capped at the schedule), to be confirmed again."""
    if not (note or "").strip():
        raise VolunteerRefusal("请填写更正说明")
    if ended_at <= started_at:
        raise VolunteerRefusal("服务结束时间应晚于开始时间")
    if travel_minutes < 0:
        raise VolunteerRefusal("路途时间不能为负数")
    require_area(actor, record.activity.project.area_id, action="更正服务记录")
    with transaction.atomic():
        record = _locked(record)
        if record.state != R.DISPUTED:
            raise VolunteerRefusal(f"该记录{record.get_state_display()}，只有有异议的记录才能更正")
        a = record.activity
        before = str(record.hours)
        record.started_at, record.ended_at = capped_span(started_at, ended_at, a.starts_at, a.ends_at)
        record.travel_minutes = travel_minutes
        record.hours = service_hours(started_at, ended_at, a.starts_at, a.ends_at, travel_minutes)
        record.state, record.note = R.CORRECTED, note.strip()[:300]
        record.save(update_fields=["started_at", "ended_at", "travel_minutes", "hours", "state", "note"])
        audit(
            actor,
            "volunteer.record_correct",
            record,
            f"更正 {record.volunteer.number} 服务时长 {before} → {record.hours} 小时",
            before=before,
            after=str(record.hours),
        )
    return record


def void(*, actor, record: ServiceRecord, note: str) -> ServiceRecord:
    if not (note or "").strip():
        raise VolunteerRefusal("请填写作废说明")
    require_area(actor, record.activity.project.area_id, action="作废服务记录")
    with transaction.atomic():
        record = _locked(record)
        if record.state not in (R.PENDING, R.DISPUTED, R.CORRECTED):
            raise VolunteerRefusal(f"该记录{record.get_state_display()}，不能作废")
        record.state, record.note = R.VOID, note.strip()[:300]
        record.save(update_fields=["state", "note"])
        audit(actor, "volunteer.record_void", record, f"作废 {record.volunteer.number} 服务记录", note=note)
    return record
