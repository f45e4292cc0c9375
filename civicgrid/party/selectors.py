"""Reads of the party register, scoped to the reader and masked.

Scope: administrators (and the command line) see everything; 组织部 staff the organisations sitting in the areas
of the units they act for, and below; a 党组织书记 the subtree of the organisations where his member record holds a
current 书记 or 副书记 post; a member his own organisation. Names are masked (张*三) except for those who manage
the member's organisation (and the member himself); ID numbers are always masked (reveal: services.members.id_reveal).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.masking import mask_phone
from civicgrid.party.models import CommitteeTerm, PartyMember, PartyOrg, Post
from civicgrid.registry.models import AdminArea, Grid, Role, Unit
from civicgrid.registry.selectors import role_codes, staff_of, units_acted_for

ALL_AREAS_ROLES = {Role.ADMINISTRATOR}


# ------------------------------------------------------------------------------------------------------- areas


def area_subtree_ids(areas) -> set[int]:
    """The areas (AdminArea rows or ids) and every area under them: one query per level below."""
    found = {getattr(a, "pk", a) for a in areas} if not isinstance(areas, AdminArea) else {areas.pk}
    frontier = set(found)
    while frontier:
        frontier = set(AdminArea.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def staff_area_ids(user) -> set[int]:
    """The areas (with everything under them) of the units a staff member acts for; kept on the user object for
    the request (a page asks several times: scope of organisations, of members, the masking decision)."""
    cached = getattr(user, "_civicgrid_party_areas", None)
    if cached is not None:
        return cached
    units = units_acted_for(user)
    if not units:
        return set()
    roots = set(Unit.objects.filter(pk__in=units, area__isnull=False).values_list("area_id", flat=True))
    found = area_subtree_ids(roots) if roots else set()
    if user is not None and user is not SYSTEM:
        user._civicgrid_party_areas = found
    return found


# ------------------------------------------------------------------------------------------------------- scope


def _is_everything(user) -> bool:
    return user is SYSTEM or getattr(user, "is_superuser", False) or bool(role_codes(user) & ALL_AREAS_ROLES)


def member_of(user) -> PartyMember | None:
    """The member record linked to this account, if any."""
    if user is None or user is SYSTEM or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_civicgrid_party_member", False)
    if cached is False:
        cached = PartyMember.objects.filter(user=user).first()
        user._civicgrid_party_member = cached
    return cached


def secretary_org_ids(user, day: date | None = None) -> set[int]:
    """Organisations where the user's member record holds a current 书记 or 副书记 post on `day`."""
    member = member_of(user)
    if member is None or member.status != PartyMember.Status.ACTIVE:
        return set()
    day = day or timezone.localdate()
    posts = Post.objects.filter(
        member=member, post__in=Post.LEADING, term__is_current=True, term__org__dissolved_on__isnull=True
    ).filter(Q(from_date__isnull=True) | Q(from_date__lte=day), Q(to_date__isnull=True) | Q(to_date__gte=day))
    return set(posts.values_list("term__org_id", flat=True))


def _managed_q(user) -> Q | None:
    """The organisations `user` manages as a filter; None for everything; Q(pk__in=[]) for nothing."""
    if _is_everything(user):
        return None
    q = Q(pk__in=[])
    if role_codes(user) & {Role.ORGANISATION_STAFF} and staff_of(user) is not None:
        areas = staff_area_ids(user)
        if areas:
            q |= Q(area_id__in=areas)
    led = secretary_org_ids(user)
    if led:
        for path in PartyOrg.objects.filter(pk__in=led).values_list("path", flat=True):
            q |= Q(path__startswith=path)
    return q


def orgs_in_scope(user) -> QuerySet[PartyOrg]:
    """The organisations `user` may see: those he manages, and a member his own organisation."""
    if user is None or (user is not SYSTEM and not getattr(user, "is_authenticated", False)):
        raise PermissionDenied("请先登录")
    managed = _managed_q(user)
    if managed is None:
        return PartyOrg.objects.all()
    member = member_of(user)
    if member is not None and member.org_id and member.status == PartyMember.Status.ACTIVE:
        managed |= Q(pk=member.org_id)
    return PartyOrg.objects.filter(managed)


def managed_orgs(user) -> QuerySet[PartyOrg]:
    """The organisations `user` may change (a member's own organisation is not among them)."""
    managed = _managed_q(user)
    return PartyOrg.objects.all() if managed is None else PartyOrg.objects.filter(managed)


def can_manage_org(user, org: PartyOrg) -> bool:
    if _is_everything(user):
        return True
    return managed_orgs(user).filter(pk=org.pk).exists()


def _managed_member_q(user) -> Q | None:
    """Members `user` manages: of the managed organisations; for 组织部 staff also members without an
    organisation living (residence grid) or working (employer) in their areas."""
    managed = _managed_q(user)
    if managed is None:
        return None
    q = Q(org__in=PartyOrg.objects.filter(managed))
    if role_codes(user) & {Role.ORGANISATION_STAFF} and staff_of(user) is not None:
        areas = staff_area_ids(user)
        if areas:
            # Subqueries rather than joins: a join to grids and units under an OR makes every register query
            # read the whole member table.
            q |= Q(org__isnull=True) & (
                Q(residence_grid__in=Grid.objects.filter(community_id__in=areas).values("pk"))
                | Q(employer__in=Unit.objects.filter(area_id__in=areas).values("pk"))
            )
    return q


def can_reveal_member(user, member: PartyMember) -> bool:
    """Who may see a member's full ID number (audited): those who manage him."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    managed = _managed_member_q(user)
    return managed is None or PartyMember.objects.filter(managed, pk=member.pk).exists()


# ----------------------------------------------------------------------------------------------------- members


@dataclass
class MemberFilters:
    org: PartyOrg | None = None
    subtree: bool = True  # with `org`: its whole subtree
    area: AdminArea | None = None  # organisations sitting in the area and below
    status: str | None = PartyMember.Status.ACTIVE  # None: every status
    category: str | None = None
    flowing: bool | None = None
    seasonal: bool | None = None
    lost_contact: bool | None = None
    in_service: bool | None = None
    retired: bool | None = None
    without_org: bool | None = None
    q: str = ""  # name contains


def members_in_scope(user, filters: MemberFilters | dict | None = None) -> QuerySet[PartyMember]:
    """The members `user` may see, filtered. Display them through `member_rows` (masking)."""
    if isinstance(filters, dict):
        filters = MemberFilters(**filters)
    filters = filters or MemberFilters()
    if user is None or (user is not SYSTEM and not getattr(user, "is_authenticated", False)):
        raise PermissionDenied("请先登录")
    managed = _managed_member_q(user)
    rows = PartyMember.objects.all()
    if managed is not None:
        member = member_of(user)
        if member is not None and member.org_id and member.status == PartyMember.Status.ACTIVE:
            managed |= Q(org_id=member.org_id)
        if member is not None:
            managed |= Q(pk=member.pk)
        rows = rows.filter(managed)
    if filters.org is not None:
        rows = (
            rows.filter(org__path__startswith=filters.org.path)
            if filters.subtree
            else rows.filter(org=filters.org)
        )
    if filters.area is not None:
        rows = rows.filter(org__area_id__in=area_subtree_ids(filters.area))
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category=filters.category)
    for flag in ("flowing", "seasonal", "lost_contact", "in_service", "retired"):
        value = getattr(filters, flag)
        if value is not None:
            rows = rows.filter(**{flag: value})
    if filters.without_org is not None:
        rows = rows.filter(org__isnull=filters.without_org)
    if filters.q.strip():
        rows = rows.filter(name__contains=filters.q.strip())
    return rows


# The register's order: by organisation code (members without one last, on every database), name, id.
REGISTER_ORDER = (F("org__code").asc(nulls_last=True), "name", "pk")


def register_rows(rows: QuerySet[PartyMember]) -> QuerySet[PartyMember]:
    """Members (from members_in_scope) in the register's order, with their organisation."""
    return rows.select_related("org").order_by(*REGISTER_ORDER)


class RegisterPaginator(Paginator):
    """Pages of `register_rows` without sorting the whole register for each page: organisations in code order make
    consecutive blocks of rows, so a page counts the rows of organisations (a batch at a time, by index) only up to
    the page, then reads the organisations its rows fall in. Same pages, same order as slicing the queryset."""

    BATCH = 500  # organisations counted per query

    def _blocks(self):
        """(organisation id or None, rows) in the register's order, lazily."""
        org_ids = list(PartyOrg.objects.order_by("code").values_list("pk", flat=True))
        rows = self.object_list.order_by()
        seen = 0
        for start in range(0, len(org_ids), self.BATCH):
            batch = org_ids[start : start + self.BATCH]
            counts = dict(rows.filter(org_id__in=batch).values_list("org_id").annotate(n=Count("pk")))
            for pk in batch:
                if counts.get(pk):
                    seen += counts[pk]
                    yield pk, counts[pk]
        if self.count > seen:
            yield None, self.count - seen

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        spanned, start, first = [], 0, None
        if top > bottom:
            for org_id, n in self._blocks():
                if start + n > bottom:
                    spanned.append(org_id)
                    first = start if first is None else first
                start += n
                if start >= top:
                    break
        if not spanned:
            return self._get_page([], number, self)
        ids = [pk for pk in spanned if pk is not None]
        where = Q(org_id__in=ids) | Q(org__isnull=True) if None in spanned else Q(org_id__in=ids)
        rows = list(self.object_list.filter(where)[bottom - first : top - first])
        return self._get_page(rows, number, self)


@dataclass(frozen=True)
class MemberView:
    """A member as this reader may see him: name masked unless the reader manages him; ID always masked."""

    pk: int
    name: str
    id_masked: str
    phone: str
    sex: str
    category: str
    status: str
    org_name: str
    flags: tuple[str, ...]
    masked: bool


def _viewable_names(user, members: list[PartyMember]) -> set[int]:
    managed = _managed_member_q(user)
    if managed is None:
        return {m.pk for m in members}
    visible = set(
        PartyMember.objects.filter(managed, pk__in=[m.pk for m in members]).values_list("pk", flat=True)
    )
    me = member_of(user)
    if me is not None:
        visible.add(me.pk)
    return visible


def member_rows(user, members) -> list[MemberView]:
    """The members (a queryset or list) as `user` may see them; two queries for the masking decision."""
    members = list(members)
    visible = _viewable_names(user, members)
    me = member_of(user)
    rows = []
    for m in members:
        full = m.pk in visible
        rows.append(
            MemberView(
                pk=m.pk,
                name=m.name if full else m.masked_name,
                id_masked=m.id_masked,
                phone=m.phone if (me is not None and me.pk == m.pk) else mask_phone(m.phone),
                sex=m.get_sex_display(),
                category=m.get_category_display(),
                status=m.get_status_display(),
                org_name=m.org.name if m.org_id else "（无组织）",
                flags=tuple(m.flag_labels()),
                masked=not full,
            )
        )
    return rows


def member_view(user, member: PartyMember) -> MemberView:
    if not members_in_scope(user, MemberFilters(status=None)).filter(pk=member.pk).exists():
        raise PermissionDenied("该党员不在您的查看范围内")
    return member_rows(user, [member])[0]


# -------------------------------------------------------------------------------------------------------- tree


@dataclass
class OrgNode:
    pk: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    depth: int
    is_temporary: bool
    members: int
    children: list["OrgNode"] = field(default_factory=list)


@dataclass
class OrgTree:
    at: date
    roots: list[OrgNode]
    nodes: list[OrgNode]  # depth-first, siblings by code
    counts_by_kind: dict[str, int]  # Chinese label → count, every kind present (0 when none)
    total: int
    temporary: int
    members: int


def org_tree(area: AdminArea | None = None, at: date | None = None, orgs: QuerySet | None = None) -> OrgTree:
    """The organisations sitting in `area` and below (all areas when None), active on `at`, as a tree with
    counts by kind and active members per organisation. `orgs` narrows to a reader's scope (orgs_in_scope)."""
    at = at or timezone.localdate()
    rows = (orgs if orgs is not None else PartyOrg.objects.all()).active_at(at)
    if area is not None:
        rows = rows.filter(area_id__in=area_subtree_ids(area))
    chosen = rows
    rows = list(rows.values_list("pk", "code", "name", "kind", "parent_id", "is_temporary").order_by("code"))
    members = dict(
        PartyMember.objects.active_at(at)
        .filter(
            org_id__in=chosen.values("pk")
        )  # a subquery: a province has more organisations than SQL parameters
        .values("org_id")
        .annotate(n=Count("pk"))
        .values_list("org_id", "n")
    )
    labels = {value: str(label) for value, label in PartyOrg.Kind.choices}
    nodes = {
        pk: OrgNode(pk, code, name, kind, labels[kind], parent, 0, temp, members.get(pk, 0))
        for pk, code, name, kind, parent, temp in rows
    }
    roots = []
    for node in nodes.values():  # insertion order is by code, so children come sorted
        parent = nodes.get(node.parent_id)
        (parent.children if parent else roots).append(node)
    ordered, stack = [], [(root, 0) for root in reversed(roots)]
    while stack:
        node, depth = stack.pop()
        node.depth = depth
        ordered.append(node)
        stack.extend((child, depth + 1) for child in reversed(node.children))
    kinds = Counter(node.kind for node in nodes.values())
    return OrgTree(
        at=at,
        roots=roots,
        nodes=ordered,
        counts_by_kind={str(label): kinds.get(value, 0) for value, label in PartyOrg.Kind.choices},
        total=len(nodes),
        temporary=sum(node.is_temporary for node in nodes.values()),
        members=sum(members.values()),
    )


def current_terms(orgs) -> dict[int, CommitteeTerm]:
    """Each organisation's current term (one query)."""
    return {term.org_id: term for term in CommitteeTerm.objects.filter(org__in=orgs, is_current=True)}
