"""Projects (draft → published → recruiting → running → closed) and their activities.

A risky project leaves draft only with accident insurance recorded (志愿服务条例 第十五条/第十六条).
"""

from datetime import date, datetime

from django.db import transaction

from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import Activity, Project, Team
from civicgrid.volunteering.services._common import audit, local, require_area

S = Project.State
NEXT = {
    S.DRAFT: {S.PUBLISHED},
    S.PUBLISHED: {S.RECRUITING, S.CLOSED},
    S.RECRUITING: {S.RUNNING, S.CLOSED},
    S.RUNNING: {S.CLOSED},
    S.CLOSED: set(),
}
NEEDS_INSURANCE = "有风险的服务项目须先登记意外保险（承保单位和保单号），才能发布"


def create_team(*, actor, name: str, area, leader=None, members=(), founded_on: date | None = None) -> Team:
    if not (name or "").strip():
        raise VolunteerRefusal("请填写队伍名称")
    require_area(actor, area.pk, action="新建志愿服务队")
    with transaction.atomic():
        team = Team.objects.create(name=name.strip(), area=area, leader=leader, founded_on=founded_on)
        if members:
            team.members.set(members)
        audit(actor, "volunteer.team_save", team, f"新建志愿服务队「{team.name}」")
    return team


def create_project(
    *,
    actor,
    name: str,
    area,
    unit=None,
    team=None,
    description: str = "",
    is_risky: bool = False,
    insurer: str = "",
    insurance_policy: str = "",
    insured_until: date | None = None,
) -> Project:
    if not (name or "").strip():
        raise VolunteerRefusal("请填写项目名称")
    require_area(actor, area.pk, action="新建志愿服务项目")
    with transaction.atomic():
        project = Project.objects.create(
            name=name.strip(),
            area=area,
            unit=unit,
            team=team,
            description=description,
            is_risky=is_risky,
            insurer=insurer.strip(),
            insurance_policy=insurance_policy.strip(),
            insured_until=insured_until,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit(actor, "volunteer.project_create", project, f"新建志愿服务项目「{project.name}」", risky=is_risky)
    return project


def record_insurance(*, actor, project: Project, insurer: str, policy: str, insured_until: date | None = None):
    if not (insurer or "").strip() or not (policy or "").strip():
        raise VolunteerRefusal("请填写承保单位和保单号")
    require_area(actor, project.area_id, action="登记意外保险")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        project.insurer, project.insurance_policy, project.insured_until = insurer.strip(), policy.strip(), insured_until
        project.save(update_fields=["insurer", "insurance_policy", "insured_until"])
        audit(actor, "volunteer.project_insurance", project, f"登记项目「{project.name}」意外保险")
    return project


def move_project(*, actor, project: Project, to: str) -> Project:
    """One step of the project's life; leaving draft needs insurance when the work is risky."""
    require_area(actor, project.area_id, action="变更项目状态")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if to not in NEXT[project.state]:
            raise VolunteerRefusal(
                f"项目「{project.name}」{project.get_state_display()}，不能改为{S(to).label if to in S.values else '该状态'}"
            )
        if to != S.CLOSED and project.is_risky and not project.has_insurance:
            raise VolunteerRefusal(NEEDS_INSURANCE)
        before = project.state
        project.state = to
        project.save(update_fields=["state"])
        audit(
            actor,
            "volunteer.project_state",
            project,
            f"项目「{project.name}」{S(before).label} → {S(to).label}",
            before=before,
            after=to,
        )
    return project


def create_activity(
    *,
    actor,
    project: Project,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    organiser,
    content: str = "",
) -> Activity:
    if not (title or "").strip() or not (place or "").strip():
        raise VolunteerRefusal("请填写活动名称和地点")
    if ends_at <= starts_at:
        raise VolunteerRefusal("计划结束时间应晚于开始时间")
    if capacity < 1:
        raise VolunteerRefusal("招募人数至少为 1 人")
    if project.state == S.CLOSED:
        raise VolunteerRefusal(f"项目「{project.name}」已结项，不能再安排活动")
    require_area(actor, project.area_id, action="安排志愿服务活动")
    with transaction.atomic():
        activity = Activity.objects.create(
            project=project,
            title=title.strip(),
            place=place.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            organiser=organiser,
            content=content,
        )
        audit(actor, "volunteer.activity_save", activity, f"安排活动「{activity.title}」{local(starts_at)}")
    return activity


def cancel_activity(*, actor, activity: Activity, reason: str = "") -> Activity:
    require_area(actor, activity.project.area_id, action="取消活动")
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if activity.records.exists():
            raise VolunteerRefusal("该活动已有服务记录，不能取消")
        activity.cancelled = True
        activity.save(update_fields=["cancelled"])
        audit(actor, "volunteer.activity_cancel", activity, f"取消活动「{activity.title}」", reason=reason)
    return activity
