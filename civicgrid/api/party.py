"""The party register 「党组织、党员」 as the console's 组织部 pages show it: scoped by party.selectors, names and ID
numbers masked by member_rows exactly as on the register page."""

from datetime import date

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from civicgrid.api.paging import ROW_ID, Page, PageIn, paged
from civicgrid.api.roles import require_staff
from civicgrid.party import selectors
from civicgrid.party.models import PartyMember
from civicgrid.registry.models import AdminArea
from civicgrid.registry.models import Role as R

router = Router(tags=["党建"])

# The console's 党组织 and 党员名册 pages.
ORG_ROLES = (R.ORGANISATION_STAFF, R.ADMINISTRATOR)


class OrgsIn(Schema):
    at: date | None = Field(None, description="截至日期，默认今天")
    area: str = Field("", max_length=12, description="区划代码：只看该区域及以下")


class OrgNodeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    depth: int
    is_temporary: bool
    members: int = Field(..., description="在册党员数")


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent: str | None = Field(None, description="上级组织代码")
    area: str | None = Field(None, description="区划代码")
    unit: str | None = Field(None, description="所在单位编码")
    is_temporary: bool
    founded_on: date | None
    dissolved_on: date | None
    members: int
    children: list[str] = Field(..., description="下级组织代码")
    manages: bool = Field(..., description="调用者能否管理该组织")


class MembersIn(Schema):
    q: str = Field("", max_length=50, description="姓名包含")
    org: str = Field("", max_length=40, description="组织代码（含下级）")
    category: str = Field(
        "", description="党员类别：" + "、".join(f"{v} {label}" for v, label in PartyMember.Category.choices)
    )
    status: str = Field(PartyMember.Status.ACTIVE, description="状态，默认在册；all 为全部")


class MemberOut(Schema):
    id: int
    name: str = Field(..., description="不管理该党员时为掩码姓名（张*三）")
    id_masked: str
    phone: str
    sex: str
    category: str
    status: str
    org_name: str
    flags: list[str]
    masked: bool


def _area(code: str) -> AdminArea | None:
    code = code.strip()
    if not code:
        return None
    area = AdminArea.objects.filter(code=code).first()
    if area is None:
        raise HttpError(422, f"没有区划代码为「{code}」的区域")
    return area


@router.get("/orgs", response=Page[OrgNodeOut], summary="党组织（树的先序列表，按页）")
def org_list(request, filters: Query[OrgsIn], paging: Query[PageIn]):
    user = request.user
    require_staff(user, *ORG_ROLES)
    area = _area(filters.area)
    tree = selectors.org_tree(
        area=area, at=filters.at or timezone.localdate(), orgs=selectors.orgs_in_scope(user)
    )
    return paged(tree.nodes, paging, lambda nodes: [_node(n) for n in nodes])


def _node(n: selectors.OrgNode) -> dict:
    return {
        "id": n.pk,
        "code": n.code,
        "name": n.name,
        "kind": n.kind,
        "kind_label": n.kind_label,
        "parent_id": n.parent_id,
        "depth": n.depth,
        "is_temporary": n.is_temporary,
        "members": n.members,
    }


@router.get("/orgs/{org_id}", response=OrgOut, summary="一个党组织")
def org_detail(request, org_id: int = ROW_ID):
    user = request.user
    require_staff(user, *ORG_ROLES)
    org = selectors.orgs_in_scope(user).select_related("parent", "area", "unit").filter(pk=org_id).first()
    if org is None:
        raise Http404("党组织不存在或不在您的查看范围内")
    day = timezone.localdate()
    return {
        "id": org.pk,
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "parent": org.parent.code if org.parent_id else None,
        "area": org.area.code if org.area_id else None,
        "unit": org.unit.code if org.unit_id else None,
        "is_temporary": org.is_temporary,
        "founded_on": org.founded_on,
        "dissolved_on": org.dissolved_on,
        "members": org.members.filter(status=PartyMember.Status.ACTIVE).count(),
        "children": list(org.children.active_at(day).order_by("code").values_list("code", flat=True)),
        "manages": selectors.can_manage_org(user, org),
    }


def _member_out(view: selectors.MemberView) -> dict:
    return {
        "id": view.pk,
        "name": view.name,
        "id_masked": view.id_masked,
        "phone": view.phone,
        "sex": view.sex,
        "category": view.category,
        "status": view.status,
        "org_name": view.org_name,
        "flags": list(view.flags),
        "masked": view.masked,
    }


@router.get("/members", response=Page[MemberOut], summary="党员名册（姓名、身份证号、手机号按权限掩码）")
def member_list(request, filters: Query[MembersIn], paging: Query[PageIn]):
    user = request.user
    require_staff(user, *ORG_ROLES)
    category = filters.category.strip() or None
    if category and category not in PartyMember.Category.values:
        category = "none"  # an unknown category matches no one, as the console's form would show none
    status = filters.status.strip()
    status = None if status == "all" else (status or PartyMember.Status.ACTIVE)
    code = filters.org.strip()
    org = selectors.orgs_in_scope(user).filter(code=code).first() if code else None
    rows = selectors.members_in_scope(
        user, selectors.MemberFilters(org=org, q=filters.q, category=category, status=status)
    )
    if code and org is None:
        rows = rows.none()
    rows = selectors.register_rows(rows)
    return paged(rows, paging, lambda page: [_member_out(v) for v in selectors.member_rows(user, page)])


@router.get("/members/{member_id}", response=MemberOut, summary="一名党员（按权限掩码）")
def member_detail(request, member_id: int = ROW_ID):
    user = request.user
    require_staff(user, *ORG_ROLES)
    member = (
        selectors.members_in_scope(user, selectors.MemberFilters(status=None))
        .select_related("org")
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise Http404("该党员不存在或不在您的查看范围内")
    return _member_out(selectors.member_rows(user, [member])[0])
