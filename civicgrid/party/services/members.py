"""Members: add (ID parsed, encrypted, hashed; duplicates refused), update, move, flags, status, 转正 /
延长预备期 / 取消预备党员资格, the sign-in link, and the audited reveal of an ID number."""

from datetime import date

from django.db import transaction

from civicgrid.core import idnumbers
from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import MemberRule, PartyGroup, PartyMember, PartyOrg, add_months
from civicgrid.party.services._common import audit, changed, require_org, today_or

FLAG_FIELDS = (
    "in_service",
    "retired",
    "seasonal",
    "lost_contact",
    "lost_since",
    "flowing",
    "flow_direction",
    "flow_host_org",
    "flow_host_name",
    "flow_from",
    "flow_to",
    "flow_certificate_no",
)
DETAIL_FIELDS = ("name", "phone", "employer", "employer_name", "residence_grid", "note")


def identity(id_number: str, *, sex: str | None = None, birth_date: date | None = None) -> idnumbers.IdNumber:
    """The parsed ID number, checked against the sex and birth date given with it (if any)."""
    parsed = idnumbers.parse(id_number)
    if sex and sex != parsed.sex:
        raise PartyRefusal(f"性别与身份证号不符（身份证号显示为{parsed.sex_label}）")
    if birth_date and birth_date != parsed.birth_date:
        raise PartyRefusal(f"出生日期与身份证号不符（身份证号显示为 {parsed.birth_date:%Y-%m-%d}）")
    return parsed


def find_by_id_number(id_number: str) -> PartyMember | None:
    """The member registered with this ID number (matched by its keyed hash), or None."""
    return PartyMember.objects.filter(id_hash=idnumbers.lookup_hash(id_number)).first()


def check_dates(*, category: str, joined_on: date, full_on: date | None, rule: MemberRule) -> None:
    """转正日期: at least the probation (1 year) after 入党日期 for a full member, empty for a probationary one."""
    if category not in PartyMember.Category.values:
        raise PartyRefusal("类别应为正式党员或预备党员")
    if category == PartyMember.Category.PROBATIONARY:
        if full_on:
            raise PartyRefusal("预备党员不应填写转正日期")
        return
    if full_on is None:
        raise PartyRefusal("正式党员须填写转正日期")
    earliest = add_months(joined_on, rule.probation_months)
    if full_on < earliest:
        raise PartyRefusal(
            f"转正日期应在入党日期满 {rule.probation_months} 个月之后（不早于 {earliest:%Y-%m-%d}）"
        )


def _check_org_admits(org: PartyOrg | None, category: str, day: date) -> None:
    if org is None:
        return
    if org.dissolved_on and org.dissolved_on <= day:
        raise PartyRefusal(f"「{org.name}」已撤销，不能接收党员")
    if org.is_temporary and category == PartyMember.Category.PROBATIONARY:
        raise PartyRefusal(f"「{org.name}」是临时党组织，不能发展党员或接收预备党员")


def _check_flags(member: PartyMember) -> None:
    if member.flowing and member.flow_direction not in (
        PartyMember.FlowDirection.IN,
        PartyMember.FlowDirection.OUT,
    ):
        raise PartyRefusal("流动党员须注明流入或流出")
    if not member.flowing and member.flow_direction:
        member.flow_direction = PartyMember.FlowDirection.NONE
    if member.flow_from and member.flow_to and member.flow_to < member.flow_from:
        raise PartyRefusal("流动结束日期不能早于开始日期")
    if member.lost_since and not member.lost_contact:
        member.lost_since = None
    if member.group_id and member.group.org_id != member.org_id:
        raise PartyRefusal("党小组应属于党员所在的党组织")


@transaction.atomic
def member_add(
    *,
    actor,
    name: str,
    id_number: str,
    category: str,
    joined_on: date,
    full_on: date | None = None,
    org: PartyOrg | None = None,
    sex: str | None = None,
    birth_date: date | None = None,
    group: PartyGroup | None = None,
    employer=None,
    employer_name: str = "",
    residence_grid=None,
    phone: str = "",
    note: str = "",
    at: date | None = None,
    **flags,
) -> PartyMember:
    """Register a member; the ID number is checked (GB 11643) and stored only encrypted and hashed."""
    unknown = set(flags) - set(FLAG_FIELDS)
    if unknown:
        raise TypeError(f"member_add: unknown fields {sorted(unknown)}")
    day = today_or(at)
    name = (name or "").strip()
    if not name:
        raise PartyRefusal("姓名不能为空")
    parsed = identity(id_number, sex=sex, birth_date=birth_date)
    digest = idnumbers.lookup_hash(parsed.number)
    existing = PartyMember.objects.filter(id_hash=digest).select_related("org").first()
    if existing is not None:
        where = f"（{existing.org.name}）" if existing.org_id else ""
        raise PartyRefusal(
            f"身份证号 {idnumbers.mask(parsed.number)} 的党员已登记：{existing.masked_name}{where}"
        )
    if joined_on > day:
        raise PartyRefusal("入党日期不能晚于今天")
    check_dates(category=category, joined_on=joined_on, full_on=full_on, rule=MemberRule.at(joined_on))
    if org is not None:
        require_org(actor, org, action="登记党员")
    _check_org_admits(org, category, day)
    member = PartyMember(
        name=name,
        id_encrypted=idnumbers.encrypt(parsed.number),
        id_hash=digest,
        id_masked=idnumbers.mask(parsed.number),
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        category=category,
        joined_on=joined_on,
        full_on=full_on,
        org=org,
        group=group,
        employer=employer,
        employer_name=(employer_name or (employer.name if employer else "")).strip(),
        residence_grid=residence_grid,
        phone=(phone or "").strip(),
        note=note.strip(),
        **flags,
    )
    if member.lost_contact and member.lost_since is None:
        member.lost_since = day
    _check_flags(member)
    member.save()
    audit(
        actor,
        "party.member_add",
        member,
        f"登记党员 {member.masked_name}",
        org=org.code if org else "",
        category=category,
    )
    return member


@transaction.atomic
def member_update(*, actor, member: PartyMember, id_number: str | None = None, **fields) -> PartyMember:
    """Change details (name, phone, employer, residence grid, note) or correct the ID number; no-op if unchanged."""
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"member_update: unknown fields {sorted(unknown)}")
    member = PartyMember.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    if member.org_id:
        require_org(actor, member.org, action="修改党员信息")
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise PartyRefusal("姓名不能为空")
    names = changed(member, fields)
    if id_number is not None:
        parsed = idnumbers.parse(id_number)
        digest = idnumbers.lookup_hash(parsed.number)
        if digest != member.id_hash:
            if PartyMember.objects.filter(id_hash=digest).exclude(pk=member.pk).exists():
                raise PartyRefusal(f"身份证号 {idnumbers.mask(parsed.number)} 已登记给其他党员")
            member.id_encrypted = idnumbers.encrypt(parsed.number)
            member.id_hash = digest
            member.id_masked = idnumbers.mask(parsed.number)
            member.sex, member.birth_date = parsed.sex, parsed.birth_date
            names.append("id_number")
    if names:
        member.save()
        audit(
            actor,
            "party.member_update",
            member,
            f"修改党员 {member.masked_name} 的信息",
            fields=sorted(names),
        )
    return member


@transaction.atomic
def member_move(
    *,
    actor,
    member: PartyMember,
    org: PartyOrg | None,
    group: PartyGroup | None = None,
    at: date | None = None,
) -> PartyMember:
    """Move a member between organisations inside the register (no letter; transfers go through transfer_send)."""
    member = PartyMember.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    if member.status != PartyMember.Status.ACTIVE:
        raise PartyRefusal(f"{member.masked_name}不是在册党员")
    if member.org_id:
        require_org(actor, member.org, action="调整党员所在组织")
    if org is not None:
        require_org(actor, org, action="调整党员所在组织")
    _check_org_admits(org, member.category, today_or(at))
    before = member.org
    if group is not None and (org is None or group.org_id != org.pk):
        raise PartyRefusal("党小组应属于新的党组织")
    if before == org and member.group_id == getattr(group, "pk", None):
        return member
    member.org, member.group = org, group
    member.save(update_fields=["org", "group", "updated_at"])
    audit(
        actor,
        "party.member_move",
        member,
        f"{member.masked_name} 从「{before.name if before else '无组织'}」调整到「{org.name if org else '无组织'}」",
        from_org=before.code if before else "",
        to_org=org.code if org else "",
    )
    return member


@transaction.atomic
def member_set_flags(*, actor, member: PartyMember, at: date | None = None, **flags) -> PartyMember:
    """在职, 离退休, 流动 (direction, host organisation, period, certificate), 候鸟, 失联 (since when)."""
    unknown = set(flags) - set(FLAG_FIELDS) - {"group"}
    if unknown:
        raise TypeError(f"member_set_flags: unknown fields {sorted(unknown)}")
    member = PartyMember.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    if member.org_id:
        require_org(actor, member.org, action="修改党员标记")
    names = changed(member, flags)
    if member.lost_contact and member.lost_since is None:
        member.lost_since = today_or(at)
        names.append("lost_since")
    _check_flags(member)
    if names:
        member.save()
        audit(
            actor,
            "party.member_flags",
            member,
            f"修改党员 {member.masked_name} 的标记：{'、'.join(member.flag_labels()) or '无'}",
            fields=sorted(names),
        )
    return member


# Status changes other than transfers (transfer_receive) and 取消预备党员资格 (probation_cancel).
STATUS_ACTIONS = {
    PartyMember.Status.ACTIVE: "恢复党籍",
    PartyMember.Status.SUSPENDED: "停止党籍",
    PartyMember.Status.REMOVED: "出党/除名",
    PartyMember.Status.DECEASED: "去世",
}


@transaction.atomic
def member_set_status(*, actor, member: PartyMember, status: str, on: date, reason: str = "") -> PartyMember:
    """停止党籍, 除名/出党, 去世, or back to 在册 from 停止党籍; a reason is required except for 去世."""
    member = PartyMember.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    if member.org_id:
        require_org(actor, member.org, action="变更党籍状态")
    if status not in STATUS_ACTIONS:
        raise PartyRefusal("该状态须通过组织关系转接办理")
    if status == member.status:
        return member
    if status == PartyMember.Status.ACTIVE and member.status != PartyMember.Status.SUSPENDED:
        raise PartyRefusal("只有停止党籍的党员可以恢复党籍")
    if member.status in (PartyMember.Status.REMOVED, PartyMember.Status.DECEASED):
        raise PartyRefusal(f"{member.masked_name}已{member.get_status_display()}，不能再变更")
    if status != PartyMember.Status.DECEASED and not reason.strip():
        raise PartyRefusal(f"{STATUS_ACTIONS[status]}须说明原因")
    before = member.status
    member.status, member.status_changed_on = status, on
    if status == PartyMember.Status.ACTIVE:
        member.lost_contact, member.lost_since = False, None
    member.save()
    audit(
        actor,
        "party.member_status",
        member,
        f"{member.masked_name}：{STATUS_ACTIONS[status]}",
        before=before,
        after=status,
        on=on.isoformat(),
        reason=reason.strip(),
    )
    return member


def _probationary(member_pk: int, actor, action: str) -> PartyMember:
    member = PartyMember.objects.select_for_update(of=("self",)).select_related("org").get(pk=member_pk)
    if member.org_id:
        require_org(actor, member.org, action=action)
    if member.category != PartyMember.Category.PROBATIONARY or member.status != PartyMember.Status.ACTIVE:
        raise PartyRefusal(f"{member.masked_name}不是在册的预备党员")
    return member


@transaction.atomic
def member_make_full(*, actor, member: PartyMember, full_on: date, approval_doc: str = "") -> PartyMember:
    """转正: on or after the probation's end (12 months from joining, or the extension's date)."""
    member = _probationary(member.pk, actor, "办理转正")
    due = member.probation_due_on()
    if full_on < due:
        raise PartyRefusal(f"预备期到 {due:%Y-%m-%d} 才满，不能提前转正")
    member.category, member.full_on = PartyMember.Category.FULL, full_on
    member.save(update_fields=["category", "full_on", "updated_at"])
    audit(
        actor,
        "party.member_full",
        member,
        f"{member.masked_name} 转为正式党员（{full_on:%Y-%m-%d}）",
        approval_doc=approval_doc.strip(),
    )
    return member


@transaction.atomic
def probation_extend(
    *, actor, member: PartyMember, months: int, decided_on: date, reason: str = ""
) -> PartyMember:
    """延长预备期: once, by 6 to 12 months (config) from the probation's end."""
    member = _probationary(member.pk, actor, "延长预备期")
    rule = MemberRule.at(decided_on)
    if member.probation_extended_to:
        raise PartyRefusal(f"{member.masked_name}的预备期已延长过一次，不能再延长")
    if not rule.extension_min_months <= months <= rule.extension_max_months:
        raise PartyRefusal(f"预备期延长 {rule.extension_min_months} 至 {rule.extension_max_months} 个月")
    member.probation_extended_to = add_months(member.probation_due_on(), months)
    member.save(update_fields=["probation_extended_to", "updated_at"])
    audit(
        actor,
        "party.probation_extend",
        member,
        f"{member.masked_name} 延长预备期 {months} 个月至 {member.probation_extended_to:%Y-%m-%d}",
        months=months,
        decided_on=decided_on.isoformat(),
        reason=reason.strip(),
    )
    return member


@transaction.atomic
def probation_cancel(*, actor, member: PartyMember, decided_on: date, reason: str) -> PartyMember:
    """取消预备党员资格: the member leaves the register (status 出党/除名)."""
    member = _probationary(member.pk, actor, "取消预备党员资格")
    if not reason.strip():
        raise PartyRefusal("取消预备党员资格须说明原因")
    member.status, member.status_changed_on = PartyMember.Status.REMOVED, decided_on
    member.save(update_fields=["status", "status_changed_on", "updated_at"])
    audit(
        actor,
        "party.probation_cancel",
        member,
        f"取消 {member.masked_name} 的预备党员资格",
        decided_on=decided_on.isoformat(),
        reason=reason.strip(),
    )
    return member


@transaction.atomic
def member_link_user(*, actor, member: PartyMember, user) -> PartyMember:
    """Link (or with None unlink) the account a member signs in with: a member's own or a secretary's staff one."""
    member = PartyMember.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    if member.org_id:
        require_org(actor, member.org, action="设置党员登录账号")
    if user is not None and PartyMember.objects.filter(user=user).exclude(pk=member.pk).exists():
        raise PartyRefusal("该账号已关联其他党员")
    if member.user_id == getattr(user, "pk", None):
        return member
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    audit(
        actor,
        "party.member_link_user",
        member,
        f"设置党员 {member.masked_name} 的登录账号",
        linked=user is not None,
    )
    return member


@transaction.atomic
def id_reveal(*, actor, member: PartyMember, purpose: str) -> str:
    """The full ID number for a stated purpose, to those who manage the member's organisation (or 组织部 staff
    over a member without one); every reveal leaves an audit row."""
    from civicgrid.party.selectors import can_reveal_member

    if not (purpose or "").strip():
        raise PartyRefusal("查看完整身份证号须说明用途")
    if not can_reveal_member(actor, member):
        raise PartyRefusal("无权查看该党员的完整身份证号")
    number = idnumbers.decrypt(member.id_encrypted)
    audit(
        actor,
        "party.id_reveal",
        member,
        f"查看党员 {member.masked_name} 的完整身份证号",
        purpose=purpose.strip(),
    )
    return number
