"""Organisations and party groups: create, update, dissolve."""

from datetime import date

from django.db import transaction

from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import MemberRule, PartyGroup, PartyMember, PartyOrg
from civicgrid.party.services._common import audit, changed, require_org, today_or

ORG_FIELDS = (
    "name",
    "kind",
    "parent",
    "unit",
    "area",
    "setup",
    "is_joint",
    "is_temporary",
    "temp_task",
    "approved_by",
    "end_date",
    "founded_on",
    "is_big_community",
    "is_big_party_committee",
    "approval_doc",
    "note",
)


def _check(org: PartyOrg, *, joint_units, day: date) -> None:
    if org.kind not in PartyOrg.Kind.values:
        raise PartyRefusal(f"组织类别「{org.kind}」无效，应为党委、党总支、党支部或党工委")
    if org.setup not in PartyOrg.Setup.values:
        raise PartyRefusal(f"设置方式「{org.setup}」无效")
    if not org.name.strip():
        raise PartyRefusal("组织名称不能为空")
    if org.parent_id:
        parent = org.parent
        if parent.kind == PartyOrg.Kind.BRANCH:
            raise PartyRefusal(f"党支部「{parent.name}」下不能设立下级党组织（可设党小组）")
        if parent.dissolved_on and parent.dissolved_on <= day:
            raise PartyRefusal(f"上级组织「{parent.name}」已撤销")
        if org.pk and org.pk in parent.ancestor_ids():
            raise PartyRefusal("上级组织不能是本组织或其下级组织")
    if org.dissolved_on and org.founded_on and org.dissolved_on < org.founded_on:
        raise PartyRefusal("撤销日期不能早于成立日期")
    if org.end_date and org.founded_on and org.end_date < org.founded_on:
        raise PartyRefusal("临时党组织的结束日期不能早于成立日期")
    if joint_units is not None:
        limit = MemberRule.at(day).joint_max_units
        if len(joint_units) > limit:
            raise PartyRefusal(f"联合党支部覆盖的单位不能超过 {limit} 个（现为 {len(joint_units)} 个）")
        if joint_units and not org.is_joint:
            raise PartyRefusal("只有联合党支部才能登记联合单位")


@transaction.atomic
def org_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    area,
    setup: str,
    parent: PartyOrg | None = None,
    unit=None,
    is_joint: bool = False,
    joint_units=(),
    is_temporary: bool = False,
    temp_task: str = "",
    approved_by: PartyOrg | None = None,
    end_date: date | None = None,
    founded_on: date | None = None,
    is_big_community: bool = False,
    is_big_party_committee: bool = False,
    grids=(),
    approval_doc: str = "",
    note: str = "",
) -> PartyOrg:
    """A new organisation; a temporary one without task, approver or end date is accepted (a warning)."""
    code = (code or "").strip()
    if not code:
        raise PartyRefusal("组织代码不能为空")
    if PartyOrg.objects.filter(code=code).exists():
        raise PartyRefusal(f"组织代码「{code}」已存在")
    if parent is not None:
        require_org(actor, parent, action="在其下设立党组织")
    org = PartyOrg(
        code=code,
        name=name.strip(),
        kind=kind,
        parent=parent,
        unit=unit,
        area=area,
        setup=setup,
        is_joint=is_joint,
        is_temporary=is_temporary,
        temp_task=temp_task.strip(),
        approved_by=approved_by,
        end_date=end_date,
        founded_on=founded_on,
        is_big_community=is_big_community,
        is_big_party_committee=is_big_party_committee,
        approval_doc=approval_doc.strip(),
        note=note.strip(),
    )
    joint_units = list(joint_units)
    _check(org, joint_units=joint_units, day=today_or(founded_on))
    org.save()
    if joint_units:
        org.joint_units.set(joint_units)
    if grids:
        org.grids.set(list(grids))
    audit(
        actor,
        "party.org_create",
        org,
        f"新建{org.get_kind_display()}「{org.name}」",
        code=org.code,
        temporary=is_temporary,
    )
    return org


@transaction.atomic
def org_update(*, actor, org: PartyOrg, joint_units=None, grids=None, **fields) -> PartyOrg:
    """Change the named fields (see ORG_FIELDS), the joint units or the linked grids; no-op when nothing changed."""
    unknown = set(fields) - set(ORG_FIELDS)
    if unknown:
        raise TypeError(f"org_update: unknown fields {sorted(unknown)}")
    org = PartyOrg.objects.select_for_update().get(pk=org.pk)
    require_org(actor, org, action="修改党组织")
    if "parent" in fields and fields["parent"] is not None and fields["parent"].pk != org.parent_id:
        require_org(actor, fields["parent"], action="将党组织移至其下")
    names = changed(org, fields)
    joint = list(joint_units) if joint_units is not None else list(org.joint_units.all()) if names else None
    _check(org, joint_units=joint, day=today_or(None))
    if names:
        org.save()
    if joint_units is not None and {u.pk for u in joint_units} != set(
        org.joint_units.values_list("pk", flat=True)
    ):
        org.joint_units.set(list(joint_units))
        names.append("joint_units")
    if grids is not None and {g.pk for g in grids} != set(org.grids.values_list("pk", flat=True)):
        org.grids.set(list(grids))
        names.append("grids")
    if names:
        audit(actor, "party.org_update", org, f"修改党组织「{org.name}」", fields=sorted(names))
    return org


@transaction.atomic
def org_dissolve(
    *, actor, org: PartyOrg, dissolved_on: date, approval_doc: str = "", note: str = ""
) -> PartyOrg:
    """撤销: only with no members left in it and no active organisation under it; the current term ends."""
    org = PartyOrg.objects.select_for_update().get(pk=org.pk)
    require_org(actor, org, action="撤销党组织")
    if org.dissolved_on:
        raise PartyRefusal(f"「{org.name}」已于 {org.dissolved_on:%Y-%m-%d} 撤销")
    if org.founded_on and dissolved_on < org.founded_on:
        raise PartyRefusal("撤销日期不能早于成立日期")
    members = org.members.filter(status=PartyMember.Status.ACTIVE).count()
    if members:
        raise PartyRefusal(f"「{org.name}」还有 {members} 名党员，请先转移组织关系后再撤销")
    children = org.children.filter(dissolved_on__isnull=True).count()
    if children:
        raise PartyRefusal(f"「{org.name}」下还有 {children} 个未撤销的党组织")
    org.dissolved_on = dissolved_on
    if approval_doc:
        org.approval_doc = approval_doc.strip()
    if note:
        org.note = note.strip()
    org.save()
    org.terms.filter(is_current=True).update(is_current=False, changed_on=dissolved_on)
    audit(
        actor, "party.org_dissolve", org, f"撤销党组织「{org.name}」", dissolved_on=dissolved_on.isoformat()
    )
    return org


@transaction.atomic
def group_save(
    *, actor, org: PartyOrg, name: str, leader: PartyMember | None = None, group=None
) -> PartyGroup:
    """Create a party group (党小组) or rename it / change its leader; the leader must be in the organisation."""
    require_org(actor, org, action="设置党小组")
    name = name.strip()
    if not name:
        raise PartyRefusal("党小组名称不能为空")
    if leader is not None and leader.org_id != org.pk:
        raise PartyRefusal("党小组长应是本组织的党员")
    duplicate = PartyGroup.objects.filter(org=org, name=name).exclude(pk=getattr(group, "pk", None))
    if duplicate.exists():
        raise PartyRefusal(f"本组织已有党小组「{name}」")
    created = group is None
    group = group or PartyGroup(org=org)
    group.name, group.leader = name, leader
    group.save()
    audit(actor, "party.group_save", group, f"{'新建' if created else '修改'}党小组「{name}」", org=org.code)
    return group
