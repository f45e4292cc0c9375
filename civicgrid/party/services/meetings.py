"""Organisational life: meetings with attendance (quorum derived), attachments, 民主评议 grades (优秀 ≤ 1/3)."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from django.core.files.base import File
from django.db import transaction

from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import (
    Appraisal,
    Attendance,
    Meeting,
    MeetingAttachment,
    MemberRule,
    PartyGroup,
    PartyMember,
    PartyOrg,
)
from civicgrid.party.services._common import audit, now_or, require_org, today_or
from civicgrid.party.uploads import check_upload


def voting_members(org: PartyOrg):
    """Those who vote at a 党员大会 or an election: the organisation's full members in good standing."""
    return org.members.filter(status=PartyMember.Status.ACTIVE, category=PartyMember.Category.FULL)


def committee_size(org: PartyOrg, day: date) -> int:
    """The members of the current committee on `day` (posts held then, each person once)."""
    term = org.terms.filter(is_current=True).first()
    if term is None:
        return 0
    holders = set()
    for post in term.posts.all():
        if post.is_held_at(day):
            holders.add(("m", post.member_id) if post.member_id else ("p", post.person_name))
    return len(holders)


def expected_for(org: PartyOrg, kind: str, day: date, group: PartyGroup | None = None) -> int:
    """应到人数 when not given: voting members (大会, 选举), the committee (支委会), the group, else all members."""
    if kind in (Meeting.Kind.GENERAL_ASSEMBLY, Meeting.Kind.ELECTION):
        return voting_members(org).count()
    if kind == Meeting.Kind.COMMITTEE:
        return committee_size(org, day)
    members = org.members.filter(status=PartyMember.Status.ACTIVE)
    if kind == Meeting.Kind.GROUP and group is not None:
        members = members.filter(group=group)
    return members.count()


@transaction.atomic
def meeting_record(
    *,
    actor,
    org: PartyOrg,
    kind: str,
    held_on: date,
    topic: str,
    host: str = "",
    place: str = "",
    group: PartyGroup | None = None,
    expected: int | None = None,
    present: int | None = None,
    attendance=None,
    minutes: str = "",
    resolutions: str = "",
    meeting: Meeting | None = None,
    at: datetime | None = None,
) -> Meeting:
    """Record (or correct) a meeting. `attendance`: (member, Attendance.Status) pairs; with it, 实到 counts the
    members present. 应到 defaults to the voting members, the committee or the members (see expected_for)."""
    require_org(actor, org, action="录入组织生活")
    if kind not in Meeting.Kind.values:
        raise PartyRefusal(f"会议类型「{kind}」无效")
    if not topic.strip():
        raise PartyRefusal("会议主题不能为空")
    if held_on > today_or(at):
        raise PartyRefusal("会议日期不能晚于今天")
    if not org.is_active_at(held_on):
        raise PartyRefusal(f"「{org.name}」在 {held_on:%Y-%m-%d} 不在存续期内")
    if org.is_temporary and kind == Meeting.Kind.ELECTION:
        raise PartyRefusal(f"「{org.name}」是临时党组织，不进行选举")
    if group is not None and group.org_id != org.pk:
        raise PartyRefusal("党小组不属于该党组织")
    if kind == Meeting.Kind.GROUP and group is None and org.groups.exists():
        raise PartyRefusal("党小组会须选择党小组")
    pairs = []
    if attendance is not None:
        seen = set()
        for member, status in attendance:
            if status not in Attendance.Status.values:
                raise PartyRefusal(f"出勤情况「{status}」无效")
            if member.pk in seen:
                raise PartyRefusal(f"{member.masked_name}重复登记出勤")
            if member.org_id != org.pk and member.flow_host_org_id != org.pk:
                raise PartyRefusal(f"{member.masked_name}不是本组织党员（也不是在本组织活动的流动党员）")
            seen.add(member.pk)
            pairs.append((member, status))
        if present is None:
            present = sum(status == Attendance.Status.PRESENT for _, status in pairs)
    if expected is None:
        expected = expected_for(org, kind, held_on, group)
    present = present or 0
    if present > expected and kind in Meeting.QUORUM_KINDS:
        raise PartyRefusal(f"实到人数（{present}）不能多于应到人数（{expected}）")
    created = meeting is None
    if meeting is not None and meeting.org_id != org.pk:
        raise PartyRefusal("会议不属于该党组织")
    meeting = meeting or Meeting(
        org=org, recorded_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    meeting.kind, meeting.held_on, meeting.topic = kind, held_on, topic.strip()
    meeting.host, meeting.place, meeting.group = host.strip(), place.strip(), group
    meeting.expected, meeting.present = expected, present
    meeting.minutes, meeting.resolutions = minutes.strip(), resolutions.strip()
    meeting.compute_quorum()
    meeting.save()
    if attendance is not None:
        meeting.attendances.all().delete()
        Attendance.objects.bulk_create(Attendance(meeting=meeting, member=m, status=s) for m, s in pairs)
    audit(
        actor,
        "party.meeting_record",
        meeting,
        f"{'录入' if created else '修改'}「{org.name}」{meeting.get_kind_display()}（{held_on:%Y-%m-%d}）",
        expected=expected,
        present=present,
        quorum_ok=meeting.quorum_ok,
    )
    return meeting


@transaction.atomic
def meeting_attachment_add(
    *, actor, meeting: Meeting, upload: File, name: str, at: datetime | None = None
) -> MeetingAttachment:
    """Store a checked file (通知、纪要、签到表、照片) under a generated name, never the uploader's."""
    require_org(actor, meeting.org, action="上传会议附件")
    content_type = check_upload(name, upload)
    extension = PurePath(name).suffix.lower()
    attachment = MeetingAttachment(
        meeting=meeting,
        name=PurePath(name).name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=now_or(at),
    )
    attachment.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    attachment.save()
    audit(
        actor,
        "party.meeting_attachment",
        attachment,
        f"上传会议附件「{attachment.name}」",
        meeting=meeting.pk,
    )
    return attachment


@dataclass
class AppraisalResult:
    rows: list[Appraisal]
    excellent: int
    appraised: int
    limit: int
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def appraisal_record(
    *, actor, org: PartyOrg, year: int, grades, at: datetime | None = None
) -> AppraisalResult:
    """民主评议党员: record (or correct) each member's grade for the year; 优秀 over ⌊n × 1/3⌋ of the organisation's
    appraised members is refused or warned about, as the member rule says."""
    require_org(actor, org, action="录入民主评议结果")
    day = today_or(at)
    if year > day.year:
        raise PartyRefusal("不能录入未来年度的评议结果")
    pairs = list(grades.items()) if isinstance(grades, dict) else list(grades)
    recorder = actor if getattr(actor, "is_authenticated", False) else None
    rows = []
    for member, grade in pairs:
        if grade not in Appraisal.Grade.values:
            raise PartyRefusal(f"评议等次「{grade}」无效")
        if member.org_id != org.pk:
            raise PartyRefusal(f"{member.masked_name}不是本组织党员")
        row, _ = Appraisal.objects.update_or_create(
            year=year, member=member, defaults={"org": org, "grade": grade, "recorded_by": recorder}
        )
        rows.append(row)
    rule = MemberRule.at(day)
    appraised = Appraisal.objects.filter(org=org, year=year).count()
    excellent = Appraisal.objects.filter(org=org, year=year, grade=Appraisal.Grade.EXCELLENT).count()
    limit = rule.excellent_limit(appraised)
    result = AppraisalResult(rows=rows, excellent=excellent, appraised=appraised, limit=limit)
    if excellent > limit:
        text = (
            f"评为优秀的党员（{excellent} 名）超过参评党员（{appraised} 名）的 "
            f"{rule.excellent_numerator}/{rule.excellent_denominator}（最多 {limit} 名）"
        )
        if rule.excellent_over_limit == MemberRule.OverLimit.REFUSE:
            raise PartyRefusal(text)
        result.warnings.append(text)
    audit(
        actor,
        "party.appraisal_record",
        org,
        f"录入「{org.name}」{year} 年度民主评议结果（{len(rows)} 名）",
        year=year,
        excellent=excellent,
        appraised=appraised,
    )
    return result
