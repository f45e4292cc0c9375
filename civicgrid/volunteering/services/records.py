"""Service records: pending → confirmed | disputed → corrected (→ confirmed) | void.

A record is made from a checked-out sign-up (hours: hours.service_hours), entered by staff for service outside a
signed-up activity (record_manual), or made for a fulfilled micro-wish a volunteer claimed (record_for_source).
Every one starts pending; hours exclude travel; a volunteer's records never overlap in time. Confirmed is final:
only confirmed records count (selectors.confirmed_records), and engagement posts points from them once.
"""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.hours import TWO_PLACES, capped_span, service_hours
from civicgrid.volunteering.models import Activity, Project, ServiceRecord, SignUp, Volunteer
from civicgrid.volunteering.services._common import audit, local, now_or, require_area
from civicgrid.volunteering.services.volunteers import MINOR_NEEDS_CONSENT

R = ServiceRecord.State
MAX_SPAN = timedelta(hours=24)


def _clash(
    volunteer_id: int,
    start: datetime,
    end: datetime,
    *,
    exclude: int | None = None,
    signup_id: int | None = None,
) -> None:
    """Refuse a span overlapping the volunteer's other records (void ones aside) or a sign-up he is serving."""
    other = (
        ServiceRecord.objects.filter(volunteer_id=volunteer_id, started_at__lt=end, ended_at__gt=start)
        .exclude(state=R.VOID)
        .exclude(pk=exclude)
        .order_by("started_at")
        .first()
    )
    if other is not None:
        raise VolunteerRefusal(
            f"与该志愿者已有的服务记录「{other.title}」（{local(other.started_at)} 至 {local(other.ended_at)}）"
            "时间重叠"
        )
    held = (
        SignUp.objects.filter(
            volunteer_id=volunteer_id,
            state__in=[SignUp.State.CHECKED_IN, SignUp.State.CHECKED_OUT],
            activity__starts_at__lt=end,
            activity__ends_at__gt=start,
        )
        .exclude(pk=signup_id)
        .select_related("activity")
        .first()
    )
    if held is not None:
        raise VolunteerRefusal(f"与该志愿者已签到的活动「{held.activity.title}」时间重叠")


def record_signup(*, actor, signup: SignUp, now: datetime | None = None, content: str = "") -> ServiceRecord:
    """checked out → recorded: a pending record of the time served within the schedule, travel deducted."""
    now = now_or(now)
    require_area(actor, signup.activity.project.area_id, action="生成服务记录")
    with transaction.atomic():
        signup = (
            SignUp.objects.select_for_update()
            .select_related("activity__project", "volunteer")
            .get(pk=signup.pk)
        )
        if signup.state != SignUp.State.CHECKED_OUT:
            raise VolunteerRefusal(f"该报名{signup.get_state_display()}，只有已签退的才能生成服务记录")
        a = signup.activity
        start, end = capped_span(signup.checked_in_at, signup.checked_out_at, a.starts_at, a.ends_at)
        if end > start:
            _clash(signup.volunteer_id, start, end, signup_id=signup.pk)
        record = ServiceRecord.objects.create(
            volunteer=signup.volunteer,
            activity=a,
            project_id=a.project_id,
            area_id=a.project.area_id,
            signup=signup,
            started_at=start,
            ended_at=end,
            travel_minutes=signup.travel_minutes,
            hours=service_hours(
                signup.checked_in_at, signup.checked_out_at, a.starts_at, a.ends_at, signup.travel_minutes
            ),
            content=(content or a.content or a.title)[:300],
            source=ServiceRecord.Source.CHECKIN,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            recorded_on=now.date(),
        )
        signup.state = SignUp.State.RECORDED
        signup.save(update_fields=["state"])
        audit(
            actor,
            "volunteer.record_create",
            record,
            f"{signup.volunteer.number} 服务 {record.hours} 小时（待确认）",
        )
    return record


def record_activity(*, actor, activity: Activity, now: datetime | None = None) -> int:
    """Records for every checked-out sign-up of the activity; how many were made."""
    count = 0
    for signup in activity.signups.filter(state=SignUp.State.CHECKED_OUT):
        record_signup(actor=actor, signup=signup, now=now)
        count += 1
    return count


def _locked(record: ServiceRecord) -> ServiceRecord:
    return (
        # Only the record's row: its activity and project may be absent (an outer join cannot be locked).
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("volunteer", "activity", "project")
        .get(pk=record.pk)
    )


def confirm(*, actor, record: ServiceRecord, now: datetime | None = None) -> ServiceRecord:
    require_area(actor, record.area_id, action="确认服务记录")
    with transaction.atomic():
        record = _locked(record)
        if record.state not in (R.PENDING, R.CORRECTED):
            raise VolunteerRefusal(f"该记录{record.get_state_display()}，不能确认")
        record.state, record.confirmed_at = R.CONFIRMED, now_or(now)
        record.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
        record.save(update_fields=["state", "confirmed_at", "confirmed_by"])
        audit(
            actor,
            "volunteer.record_confirm",
            record,
            f"确认 {record.volunteer.number} 服务 {record.hours} 小时",
        )
    return record


def dispute(*, record: ServiceRecord, reason: str, actor=None, volunteer=None) -> ServiceRecord:
    """The volunteer (portal: pass `volunteer`) or staff object to a record before it is confirmed."""
    reason = (reason or "").strip()
    if not reason:
        raise VolunteerRefusal("请填写异议理由")
    if volunteer is None:
        require_area(actor, record.area_id, action="提出异议")
    with transaction.atomic():
        record = _locked(record)
        if volunteer is not None and record.volunteer_id != volunteer.pk:
            raise VolunteerRefusal("只能对本人的服务记录提出异议")
        if record.state not in (R.PENDING, R.CORRECTED):
            raise VolunteerRefusal(f"该记录{record.get_state_display()}，不能提出异议")
        record.state, record.dispute_reason = R.DISPUTED, reason[:300]
        record.save(update_fields=["state", "dispute_reason"])
        audit(
            actor,
            "volunteer.record_dispute",
            record,
            f"{record.volunteer.number} 服务记录有异议",
            reason=reason,
        )
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
    require_area(actor, record.area_id, action="更正服务记录")
    with transaction.atomic():
        record = _locked(record)
        if record.state != R.DISPUTED:
            raise VolunteerRefusal(f"该记录{record.get_state_display()}，只有有异议的记录才能更正")
        a = record.activity
        before = str(record.hours)
        # An activity's record stays within its schedule; one outside an activity has no schedule to cap at.
        plan = (a.starts_at, a.ends_at) if a is not None else (started_at, ended_at)
        if a is None:
            _check_span(started_at, ended_at, travel_minutes, now_or(None))
        record.started_at, record.ended_at = capped_span(started_at, ended_at, *plan)
        if record.ended_at > record.started_at:
            _clash(
                record.volunteer_id,
                record.started_at,
                record.ended_at,
                exclude=record.pk,
                signup_id=record.signup_id,
            )
        record.travel_minutes = travel_minutes
        record.hours = service_hours(started_at, ended_at, *plan, travel_minutes)
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
    require_area(actor, record.area_id, action="作废服务记录")
    with transaction.atomic():
        record = _locked(record)
        if record.state not in (R.PENDING, R.DISPUTED, R.CORRECTED):
            raise VolunteerRefusal(f"该记录{record.get_state_display()}，不能作废")
        record.state, record.note = R.VOID, note.strip()[:300]
        record.save(update_fields=["state", "note"])
        audit(actor, "volunteer.record_void", record, f"作废 {record.volunteer.number} 服务记录", note=note)
    return record


# ------------------------------------------------------------------------------------- outside an activity


def _check_span(started_at: datetime, ended_at: datetime, travel_minutes: int, now: datetime) -> Decimal:
    if ended_at <= started_at:
        raise VolunteerRefusal("服务结束时间应晚于开始时间")
    if ended_at > now:
        raise VolunteerRefusal("只能补录已经结束的服务")
    if ended_at - started_at > MAX_SPAN:
        raise VolunteerRefusal("一条服务记录不能超过 24 小时，请分次补录")
    if travel_minutes < 0:
        raise VolunteerRefusal("路途时间不能为负数")
    hours = service_hours(started_at, ended_at, started_at, ended_at, travel_minutes)
    if hours <= 0:
        raise VolunteerRefusal("扣除路途时间后服务时长为零，请核对时间")
    return hours


def _check_volunteer(volunteer: Volunteer, day) -> None:
    if volunteer.state == Volunteer.State.WITHDRAWN:
        raise VolunteerRefusal("该志愿者已注销，不能记录服务时长")
    if volunteer.is_minor_on(day) and not volunteer.guardian_consent_on:
        raise VolunteerRefusal(MINOR_NEEDS_CONSENT)


def _create(
    *, actor, volunteer, area_id, project, started_at, ended_at, travel_minutes, hours, content, source, now
) -> ServiceRecord:
    record = ServiceRecord.objects.create(
        volunteer=volunteer,
        project=project,
        area_id=area_id,
        started_at=started_at,
        ended_at=ended_at,
        travel_minutes=travel_minutes,
        hours=hours,
        content=content[:300],
        source=source,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        recorded_on=now.date(),
    )
    audit(
        actor,
        "volunteer.record_create",
        record,
        f"{volunteer.number} {record.get_source_display()} 服务 {hours} 小时（待确认）",
        source=source,
    )
    return record


def record_manual(
    *,
    actor,
    volunteer: Volunteer,
    started_at: datetime,
    ended_at: datetime,
    content: str,
    project: Project | None = None,
    area=None,
    travel_minutes: int = 0,
    now: datetime | None = None,
) -> ServiceRecord:
    """Staff record service done outside a signed-up activity (a project's ad-hoc work, or community service
    outside any project: then `area`). Pending like every record; hours are the span less travel."""
    now = now_or(now)
    content = (content or "").strip()
    if not content:
        raise VolunteerRefusal("请填写服务内容")
    if project is None and area is None:
        raise VolunteerRefusal("请选择项目或服务社区（村）")
    if project is not None and project.state == Project.State.DRAFT:
        raise VolunteerRefusal(f"项目「{project.name}」尚未发布，不能补录服务记录")
    area_id = project.area_id if project is not None else area.pk
    hours = _check_span(started_at, ended_at, travel_minutes, now)
    require_area(actor, area_id, action="补录服务记录")
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        _check_volunteer(volunteer, timezone.localtime(started_at).date())
        _clash(volunteer.pk, started_at, ended_at)
        return _create(
            actor=actor,
            volunteer=volunteer,
            area_id=area_id,
            project=project,
            started_at=started_at,
            ended_at=ended_at,
            travel_minutes=travel_minutes,
            hours=hours,
            content=content,
            source=ServiceRecord.Source.MANUAL,
            now=now,
        )


def clean_hours(value) -> Decimal:
    """Hours as entered (e.g. "1.5"): more than 0, at most 24, two decimals."""
    try:
        hours = Decimal(str(value).strip()).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise VolunteerRefusal("服务时长请填写数字（小时）") from None
    if not hours.is_finite() or hours <= 0 or hours > 24:
        raise VolunteerRefusal("服务时长应大于 0 且不超过 24 小时")
    return hours


def record_for_source(
    *, actor, volunteer: Volunteer, area, hours, ended_at: datetime, content: str, now: datetime | None = None
) -> ServiceRecord:
    """A pending record of `hours` ending at `ended_at` for service another app saw done (a fulfilled micro-wish):
    the hours are what was entered, travel already left out."""
    now = now_or(now)
    hours = clean_hours(hours)
    started_at = ended_at - timedelta(seconds=int(hours * 3600))
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        _check_volunteer(volunteer, timezone.localtime(started_at).date())
        _clash(volunteer.pk, started_at, ended_at)
        return _create(
            actor=actor,
            volunteer=volunteer,
            area_id=area.pk,
            project=None,
            started_at=started_at,
            ended_at=ended_at,
            travel_minutes=0,
            hours=hours,
            content=(content or "").strip() or "微心愿",
            source=ServiceRecord.Source.WISH,
            now=now,
        )
