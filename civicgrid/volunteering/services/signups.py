"""Sign-ups: applied → approved → checked in → checked out → recorded (records.record_signup); rejected, cancelled.

One volunteer cannot hold two sign-ups whose activities overlap in time (refused at application). A forgotten
check-out is closed at the scheduled end by the worker function `close_forgotten(now)`.
"""

from datetime import datetime, timedelta

from django.db import transaction

from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import Activity, Project, SignUp, Volunteer
from civicgrid.volunteering.services._common import audit, local, now_or, require_area
from civicgrid.volunteering.services.volunteers import MINOR_NEEDS_CONSENT

St = SignUp.State
CHECK_IN_EARLY = timedelta(hours=1)  # the desk opens an hour before the start


def apply(*, volunteer: Volunteer, activity: Activity, now: datetime | None = None, actor=None) -> SignUp:
    """The volunteer applies (on the portal, or staff for him)."""
    now = now_or(now)
    with transaction.atomic():
        # One application at a time per volunteer, so two overlapping applications cannot both pass the check.
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        activity = Activity.objects.select_related("project").get(pk=activity.pk)
        if volunteer.state != Volunteer.State.ACTIVE:
            raise VolunteerRefusal("志愿者不在册，不能报名")
        if activity.cancelled:
            raise VolunteerRefusal("活动已取消")
        if activity.project.state not in (Project.State.RECRUITING, Project.State.RUNNING):
            raise VolunteerRefusal(f"项目「{activity.project.name}」当前不在招募中")
        if activity.ends_at <= now:
            raise VolunteerRefusal("活动已结束，不能报名")
        if volunteer.is_minor_on(now.date()) and not volunteer.guardian_consent_on:
            raise VolunteerRefusal(MINOR_NEEDS_CONSENT)
        clash = (
            SignUp.objects.filter(
                volunteer=volunteer,
                state__in=SignUp.HOLDING,
                activity__cancelled=False,
                activity__starts_at__lt=activity.ends_at,
                activity__ends_at__gt=activity.starts_at,
            )
            .exclude(activity=activity)
            .select_related("activity")
            .first()
        )
        if clash is not None:
            raise VolunteerRefusal(
                f"与已报名的活动「{clash.activity.title}」（{local(clash.activity.starts_at)} 至 "
                f"{local(clash.activity.ends_at)}）时间重叠，不能同时报名"
            )
        signup = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
        if signup is not None and signup.state in SignUp.HOLDING:
            raise VolunteerRefusal("您已报名该活动")
        if signup is None:
            signup = SignUp(activity=activity, volunteer=volunteer)
        signup.state, signup.applied_at, signup.decided_at = St.APPLIED, now, None
        signup.save()
        audit(actor, "volunteer.signup_apply", signup, f"{volunteer.number} 报名「{activity.title}」")
    return signup


def _locked(signup: SignUp) -> SignUp:
    return SignUp.objects.select_for_update().select_related("activity__project", "volunteer").get(pk=signup.pk)


def approve(*, actor, signup: SignUp, now: datetime | None = None) -> SignUp:
    now = now_or(now)
    require_area(actor, signup.activity.project.area_id, action="审核报名")
    with transaction.atomic():
        Activity.objects.select_for_update().get(pk=signup.activity_id)  # capacity is counted one at a time
        signup = _locked(signup)
        if signup.state != St.APPLIED:
            raise VolunteerRefusal(f"该报名{signup.get_state_display()}，不能录用")
        taken = signup.activity.signups.filter(
            state__in=[St.APPROVED, St.CHECKED_IN, St.CHECKED_OUT, St.RECORDED]
        ).count()
        if taken >= signup.activity.capacity:
            raise VolunteerRefusal(f"活动已录用 {taken} 人，达到招募人数")
        signup.state, signup.decided_at = St.APPROVED, now
        signup.save(update_fields=["state", "decided_at"])
        audit(actor, "volunteer.signup_approve", signup, f"录用 {signup.volunteer.number}「{signup.activity.title}」")
    return signup


def reject(*, actor, signup: SignUp, reason: str = "", now: datetime | None = None) -> SignUp:
    require_area(actor, signup.activity.project.area_id, action="审核报名")
    with transaction.atomic():
        signup = _locked(signup)
        if signup.state not in (St.APPLIED, St.APPROVED):
            raise VolunteerRefusal(f"该报名{signup.get_state_display()}，不能改为未录用")
        signup.state, signup.decided_at = St.REJECTED, now_or(now)
        signup.save(update_fields=["state", "decided_at"])
        audit(actor, "volunteer.signup_reject", signup, f"未录用 {signup.volunteer.number}", reason=reason)
    return signup


def cancel(*, signup: SignUp, actor=None, now: datetime | None = None) -> SignUp:
    """The volunteer withdraws before checking in."""
    with transaction.atomic():
        signup = _locked(signup)
        if signup.state not in (St.APPLIED, St.APPROVED):
            raise VolunteerRefusal(f"该报名{signup.get_state_display()}，不能取消")
        signup.state = St.CANCELLED
        signup.save(update_fields=["state"])
        audit(actor, "volunteer.signup_cancel", signup, f"{signup.volunteer.number} 取消报名「{signup.activity.title}」")
    return signup


def check_in(*, signup: SignUp, now: datetime | None = None, actor=None) -> SignUp:
    now = now_or(now)
    with transaction.atomic():
        signup = _locked(signup)
        activity = signup.activity
        if signup.state == St.CHECKED_IN:
            return signup  # a second scan changes nothing
        if signup.state == St.APPLIED:
            raise VolunteerRefusal("您的报名尚未录用，请联系活动组织人")
        if signup.state != St.APPROVED:
            raise VolunteerRefusal(f"该报名{signup.get_state_display()}，不能签到")
        if activity.cancelled:
            raise VolunteerRefusal("活动已取消")
        if now < activity.starts_at - CHECK_IN_EARLY:
            raise VolunteerRefusal(f"活动 {local(activity.starts_at)} 开始，开始前 1 小时内才能签到")
        if now >= activity.ends_at:
            raise VolunteerRefusal("活动已结束，不能签到")
        signup.state, signup.checked_in_at = St.CHECKED_IN, now
        signup.save(update_fields=["state", "checked_in_at"])
        audit(actor, "volunteer.check_in", signup, f"{signup.volunteer.number} 签到「{activity.title}」")
    return signup


def check_out(*, signup: SignUp, now: datetime | None = None, travel_minutes: int = 0, actor=None) -> SignUp:
    """The volunteer checks out; hours count only within the schedule (hours.service_hours)."""
    now = now_or(now)
    if travel_minutes < 0 or travel_minutes > 24 * 60:
        raise VolunteerRefusal("路途时间应在 0 至 1440 分钟之间")
    with transaction.atomic():
        signup = _locked(signup)
        if signup.state == St.CHECKED_OUT:
            return signup
        if signup.state != St.CHECKED_IN:
            raise VolunteerRefusal("尚未签到，不能签退")
        signup.state, signup.checked_out_at, signup.travel_minutes = St.CHECKED_OUT, now, travel_minutes
        signup.save(update_fields=["state", "checked_out_at", "travel_minutes"])
        audit(actor, "volunteer.check_out", signup, f"{signup.volunteer.number} 签退「{signup.activity.title}」")
    return signup


def close_forgotten(now: datetime | None = None) -> int:
    """Worker: every sign-up still checked in after its activity's scheduled end is checked out at that end.
    Returns how many were closed."""
    now = now_or(now)
    closed = 0
    ids = list(
        SignUp.objects.filter(state=St.CHECKED_IN, activity__ends_at__lte=now).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            signup = SignUp.objects.select_for_update().select_related("activity", "volunteer").get(pk=pk)
            if signup.state != St.CHECKED_IN:
                continue
            signup.state = St.CHECKED_OUT
            signup.checked_out_at = signup.activity.ends_at
            signup.checkout_capped = True
            signup.save(update_fields=["state", "checked_out_at", "checkout_capped"])
            audit(
                None,
                "volunteer.checkout_capped",
                signup,
                f"{signup.volunteer.number} 未签退，按计划结束时间 {local(signup.activity.ends_at)} 签退",
            )
            closed += 1
    return closed


def signup_for_scan(volunteer: Volunteer, activity_id: int) -> SignUp:
    """The volunteer's sign-up for the activity whose QR code he scanned."""
    signup = SignUp.objects.filter(volunteer=volunteer, activity_id=activity_id).select_related("activity").first()
    if signup is None or signup.state in (St.CANCELLED, St.REJECTED):
        raise VolunteerRefusal("您没有报名该活动，或报名未被录用，请联系活动组织人")
    return signup


def staff_check(*, actor, signup: SignUp, now: datetime | None = None, out: bool = False) -> SignUp:
    """The organiser checks a volunteer in or out at the desk (a volunteer without a phone)."""
    require_area(actor, signup.activity.project.area_id, action="办理签到")
    return check_out(signup=signup, now=now, actor=actor) if out else check_in(signup=signup, now=now, actor=actor)
