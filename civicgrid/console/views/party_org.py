"""组织部 pages of the party register: the organisation tree (counts by kind at any date) and each organisation,
grid-branch coverage (table and map), the 换届 board, approvals (temporary organisations, probation decisions,
transfers) and the member register with its Excel export and the audited reveal of an ID number.

Every read goes through party.selectors (scope and masking); every change through a party service, whose
refusal (a Refusal) the console's RefusalMiddleware turns into a message on the page the form came from.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx, yes
from civicgrid.console.forms.party_org import (
    DissolveForm,
    MemberFilterForm,
    ProbationForm,
    ProposalDecisionForm,
    RevealForm,
    TransferForm,
    TreeFilterForm,
)
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, INTEGER, PERCENT, Column, Sheet, workbook, xlsx_response
from civicgrid.core.inputs import date_in_range
from civicgrid.party import selectors
from civicgrid.party.compliance import LIGHT_LABELS, org_compliance
from civicgrid.party.models import (
    CommitteeTerm,
    MemberRule,
    OrgProposal,
    PartyMember,
    PartyOrg,
    RelationTransfer,
    TermRule,
    add_months,
)
from civicgrid.party.services import members as member_services
from civicgrid.party.services import orgs as org_services
from civicgrid.party.services import proposals as proposal_services
from civicgrid.party.services import transfers as transfer_services
from civicgrid.party.warnings import org_warnings, warnings_for_orgs
from civicgrid.registry.models import AdminArea, Grid, Role
from civicgrid.tickets.permissions import has_role

ORG_ROLES = (Role.ORGANISATION_STAFF, Role.ADMINISTRATOR)
PAGE_SIZE = 25
MEMBER_EXPORT_MAX = 50_000
NEW_ORG_DAYS = 90  # "new organisations" on the approvals page: registered in the last 90 days


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if date_in_range(day) else None


def _areas_in_scope(user):
    """The towns and communities where organisations in scope sit (for the area filter)."""
    area_ids = selectors.orgs_in_scope(user).values_list("area_id", flat=True).distinct()
    areas = AdminArea.objects.filter(pk__in=area_ids)
    parents = AdminArea.objects.filter(pk__in=areas.values("parent_id"), level=AdminArea.Level.TOWN)
    return AdminArea.objects.filter(Q(pk__in=areas) | Q(pk__in=parents)).order_by("code")


def _area_choice(user, code: str):
    if not code:
        return None
    return _areas_in_scope(user).filter(code=code).first()


def _sees_everything(user) -> bool:
    return user.is_superuser or has_role(user, Role.ADMINISTRATOR)


def _scope_text(user) -> str:
    if _sees_everything(user):
        return "全部党组织"
    names = list(
        AdminArea.objects.filter(pk__in=selectors.staff_area_ids(user), parent__isnull=False)
        .exclude(parent_id__in=selectors.staff_area_ids(user))
        .order_by("code")
        .values_list("name", flat=True)[:6]
    )
    return f"{'、'.join(names) or '（未关联区划）'}的党组织"


# ---------------------------------------------------------------------------------------------------- tree


@staff_view(*ORG_ROLES)
def org_tree(request):
    user = request.user
    areas = list(_areas_in_scope(user))
    form = TreeFilterForm(request.GET or None, areas=areas)
    at = _day(request.GET.get("at")) or timezone.localdate()
    area = _area_choice(user, request.GET.get("area", ""))
    tree = selectors.org_tree(area=area, at=at, orgs=selectors.orgs_in_scope(user))
    if wants_xlsx(request):
        return export_list(
            request,
            title="党组织架构",
            columns=[
                Column("党组织", lambda n: "　" * n.depth + n.name, width=40),
                Column("类别", "kind_label", width=14),
                Column("临时", lambda n: yes(n.is_temporary), width=8),
                Column("党员数", "members", number_format=INTEGER),
                Column("组织编码", "code", width=18),
            ],
            rows=tree.nodes,
            scope=_scope_text(user),
            period=f"截至 {at:%Y-%m-%d}",
            filters=[f"区划：{area.name}" if area else ""],
            action="export.party_orgs",
        )
    page = Paginator(tree.nodes, 200).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/party/org_tree.html",
        {"form": form, "tree": tree, "area": area, "page": page, "query": query.urlencode()},
    )


@dataclass
class TermInfo:
    term: CommitteeTerm
    due: date
    days_left: int
    overdue: bool

    @property
    def days_over(self) -> int:
        return -self.days_left


def _term_info(term: CommitteeTerm | None, day: date) -> TermInfo | None:
    if term is None:
        return None
    due = term.effective_due_on
    return TermInfo(term, due, (due - day).days, term.is_overdue(day))


@staff_view(*ORG_ROLES)
def org_detail(request, pk):
    user = request.user
    org = get_object_or_404(selectors.orgs_in_scope(user).select_related("parent", "area", "unit"), pk=pk)
    day = timezone.localdate()
    term = org.terms.filter(is_current=True).first()
    manages = selectors.can_manage_org(user, org)
    posts = []
    if term is not None:
        for post in term.posts.select_related("member").order_by("post", "id"):
            name = post.holder_name
            if post.member_id and not manages:
                name = post.member.masked_name
            posts.append((post, name))
    compliance = org_compliance(org, day)
    if wants_xlsx(request):
        return _detail_export(request, org, day, term, posts, compliance)
    return render(
        request,
        "console/party/org_detail.html",
        {
            "org": org,
            "members": org.members.filter(status=PartyMember.Status.ACTIVE).count(),
            "children": org.children.active_at(day).order_by("code"),
            "term": _term_info(term, day),
            "posts": posts,
            "warnings": org_warnings(org, day),
            "compliance": compliance,
            "light_label": LIGHT_LABELS[compliance.light],
            "grids": org.grids.order_by("code"),
            "party_grids": org.party_grids.prefetch_related("grids", "orgs").order_by("name"),
        },
    )


def _detail_export(request, org, day, term, posts, compliance):
    """The organisation page's lists as sheets: the committee (the first; members named as the page names
    them), organisational life, sub-organisations, grids and party grids."""
    scope, stamp = f"组织代码 {org.code}；{org.area.name}", f"截至 {day:%Y-%m-%d}"

    def sheet(title, columns, rows):
        return Sheet(title, columns, rows, scope=scope, period=stamp)

    more = [
        sheet(
            "组织生活",
            [
                Column("会议", "meeting_label", width=16),
                Column("周期", "period_label", width=10),
                Column("已完成", "done", number_format=INTEGER),
                Column("应完成", "required", number_format=INTEGER),
                Column("状态", "light_label", width=12),
            ],
            compliance.items,
        ),
        sheet(
            "下级党组织",
            [
                Column("党组织", "name", width=30),
                Column("类别", lambda o: o.get_kind_display(), width=14),
                Column("组织代码", "code", width=18),
            ],
            org.children.active_at(day).order_by("code"),
        ),
        sheet(
            "关联网格",
            [Column("网格编码", "code", width=20), Column("网格", "name", width=24)],
            org.grids.order_by("code"),
        ),
        sheet(
            "党建网格",
            [
                Column("党建网格", "name", width=24),
                Column("所含网格", lambda g: "、".join(x.name for x in g.grids.all()), width=48),
            ],
            org.party_grids.prefetch_related("grids").order_by("name"),
        ),
    ]
    return export_list(
        request,
        title=f"{org.name}基本情况",
        sheet_name="委员会",
        columns=[
            Column("职务", lambda r: r[0].get_post_display(), width=16),
            Column("姓名", 1, width=12),
            Column("产生方式", lambda r: r[0].get_source_display() if r[0].source else "", width=12),
        ],
        rows=posts,
        scope=scope,
        period=stamp,
        note=f"第{term.number}届委员会，{term.elected_on:%Y-%m-%d} 选举。" if term else "未登记现任委员会。",
        action="export.party_org_detail",
        target=org,
        more_sheets=more,
    )


# ------------------------------------------------------------------------------------------------ coverage


def _grids_in_scope(user, area=None):
    grids = Grid.objects.filter(kind=Grid.Kind.BASIC, is_active=True)
    if not _sees_everything(user):
        grids = grids.filter(community_id__in=selectors.staff_area_ids(user))
    if area is not None:
        grids = grids.filter(community_id__in=selectors.area_subtree_ids(area))
    return grids


def covered_grid_ids(grid_ids, day: date) -> set[int]:
    """Basic grids with a 网格党支部: linked to an active 党支部, or in a party grid one serves."""
    branches = PartyOrg.objects.active_at(day).filter(kind=PartyOrg.Kind.BRANCH)
    linked = Grid.objects.filter(pk__in=grid_ids, party_orgs__in=branches)
    served = Grid.objects.filter(pk__in=grid_ids, party_grids__orgs__in=branches)
    return set(linked.values_list("pk", flat=True)) | set(served.values_list("pk", flat=True))


@staff_view(*ORG_ROLES)
def org_coverage(request):
    user = request.user
    day = timezone.localdate()
    areas = list(_areas_in_scope(user))
    area = _area_choice(user, request.GET.get("area", ""))
    grids = list(
        _grids_in_scope(user, area)
        .select_related("community__parent")
        .order_by("code")
        .only(
            "pk", "code", "name", "geometry", "community__name", "community__code", "community__parent__name"
        )
    )
    covered = covered_grid_ids([g.pk for g in grids], day)
    by_community = defaultdict(list)
    for grid in grids:
        by_community[grid.community].append(grid)
    rows = []
    for community, items in sorted(by_community.items(), key=lambda kv: kv[0].code):
        done = [g for g in items if g.pk in covered]
        rows.append(
            {
                "town": community.parent.name if community.parent_id else "",
                "community": community.name,
                "total": len(items),
                "covered": len(done),
                "rate": f"{len(done) / len(items) * 100:.0f}%",
                "missing": [g for g in items if g.pk not in covered],
            }
        )
    if wants_xlsx(request):
        return export_list(
            request,
            title="网格党支部覆盖",
            columns=[
                Column("乡镇/街道", "town", width=16),
                Column("村/社区", "community", width=20),
                Column("网格数", "total", number_format=INTEGER),
                Column("已覆盖", "covered", number_format=INTEGER),
                Column(
                    "覆盖率",
                    lambda r: r["covered"] / r["total"] if r["total"] else None,
                    number_format=PERCENT,
                ),
                Column("未覆盖网格", lambda r: "、".join(g.name for g in r["missing"]), width=48),
            ],
            rows=rows,
            scope=_scope_text(user),
            period=f"截至 {day:%Y-%m-%d}",
            filters=[f"区划：{area.name}" if area else ""],
            action="export.party_coverage",
        )
    features = [
        {
            "type": "Feature",
            "geometry": g.geometry,
            "properties": {"name": g.name, "covered": g.pk in covered},
        }
        for g in grids
        if g.geometry
    ]
    return render(
        request,
        "console/party/org_coverage.html",
        {
            "form": TreeFilterForm(request.GET or None, areas=areas),
            "rows": rows,
            "total": len(grids),
            "covered": len(covered),
            "rate": f"{len(covered) / len(grids) * 100:.1f}%" if grids else "—",
            "geojson": {"type": "FeatureCollection", "features": features} if features else None,
        },
    )


# ------------------------------------------------------------------------------------------------- 换届


BOARD_SECTIONS = [("overdue", "逾期未换届"), ("due", "即将到期"), ("extended", "已延期")]


def term_board(user, day: date) -> dict[str, list]:
    """Current terms of organisations in scope: overdue, due within the reminder window (6 months, from the
    term rule), and extended (not overdue); each with the warning text from party.warnings."""
    terms = list(
        CommitteeTerm.objects.filter(is_current=True, org__in=selectors.orgs_in_scope(user).active_at(day))
        .select_related("org", "org__area")
        .order_by("due_on", "org__code")
    )
    longest = max((r.reminder_months for r in TermRule.objects.effective_at(day)), default=6)
    candidates = [t for t in terms if t.effective_due_on <= add_months(day, longest) or t.extended_to]
    texts = {}
    found = warnings_for_orgs([t.org for t in candidates], day, with_members=False)
    for items in found.values():
        for w in items:
            if w.term_id:
                texts[w.term_id] = w.text
    board = {key: [] for key, _ in BOARD_SECTIONS}
    for term in candidates:
        row = {"term": term, "info": _term_info(term, day), "text": texts.get(term.pk, "")}
        if term.is_overdue(day):
            board["overdue"].append(row)
        elif term.pk in texts:
            board["due"].append(row)
        if term.extended_to and not term.is_overdue(day):
            board["extended"].append(row)
    return board


@staff_view(*ORG_ROLES)
def org_terms(request):
    day = timezone.localdate()
    board = term_board(request.user, day)
    sections = [(key, label, board[key]) for key, label in BOARD_SECTIONS]
    return render(request, "console/party/org_terms.html", {"sections": sections, "day": day})


TERM_COLUMNS = [
    Column("情况", "section", width=12),
    Column("组织代码", "term.org.code", width=16),
    Column("党组织", "term.org.name", width=30),
    Column("届次", "term.number", number_format=INTEGER, width=8),
    Column("选举日期", "term.elected_on", number_format=DATE),
    Column("应换届日期", "term.due_on", number_format=DATE),
    Column("延期至", "term.extended_to", number_format=DATE),
    Column("延期批准文号", "term.extension_doc", width=18),
    Column("提示", "text", width=48),
]


@staff_view(*ORG_ROLES)
def org_terms_export(request):
    day = timezone.localdate()
    board = term_board(request.user, day)
    rows = [{**row, "section": label} for key, label in BOARD_SECTIONS for row in board[key]]
    scope = _scope_text(request.user)
    record_event(
        actor=request.user, action="export.party_terms", summary=f"导出换届提醒 {len(rows)} 条（{scope}）"
    )
    data = workbook("换届提醒", scope, f"截至 {day:%Y-%m-%d}", TERM_COLUMNS, rows, sheet_name="换届提醒")
    return xlsx_response(f"换届提醒_{day:%Y%m%d}", data)


# ---------------------------------------------------------------------------------------------- approvals


def _approvals_export(request, day, proposals, temporary, new_orgs, probation, transfers):
    """The page's five lists as five sheets; members' names as the page shows them (masked where it masks)."""
    scope, stamp = _scope_text(request.user), f"截至 {day:%Y-%m-%d}"

    def sheet(title, columns, rows):
        return Sheet(title, columns, rows, scope=scope, period=stamp)

    more = [
        sheet(
            "临时党组织",
            [
                Column("党组织", "name", width=30),
                Column("临时任务", "temp_task", width=30),
                Column("批准组织", "approved_by.name", width=24),
                Column("结束日期", "end_date", number_format=DATE),
            ],
            temporary,
        ),
        sheet(
            f"近{NEW_ORG_DAYS}天新建的党组织",
            [
                Column("党组织", "name", width=30),
                Column("类别", lambda o: o.get_kind_display(), width=14),
                Column("登记日期", lambda o: timezone.localtime(o.created_at).date(), number_format=DATE),
                Column("批准文号", "approval_doc", width=20),
            ],
            list(new_orgs),
        ),
        sheet(
            "预备期期满待讨论",
            [
                Column("姓名", lambda r: r[0].name, width=12),
                Column("所在党组织", lambda r: r[0].org_name, width=30),
                Column("入党日期", lambda r: r[1].joined_on, number_format=DATE),
                Column("预备期满", 2, number_format=DATE),
                Column("已延长", lambda r: yes(r[1].probation_extended_to), width=8),
            ],
            probation,
        ),
        sheet(
            "组织关系转接待办",
            [
                Column("党员", 1, width=12),
                Column("方向", lambda r: r[0].get_direction_display()),
                Column("转出", lambda r: r[0].from_display, width=28),
                Column("转入", lambda r: r[0].to_display, width=28),
                Column("开具日期", lambda r: r[0].sent_on, number_format=DATE),
                Column("应接收日期", lambda r: r[0].due_on, number_format=DATE),
            ],
            transfers,
        ),
    ]
    return export_list(
        request,
        title="新建党组织申请",
        columns=[
            Column("拟建组织", "name", width=30),
            Column("上级组织", "parent.name", width=28),
            Column("类别", lambda p: "临时党组织" if p.is_temporary else p.get_kind_display(), width=14),
            Column("申请日期", lambda p: timezone.localtime(p.created_at).date(), number_format=DATE),
        ],
        rows=list(proposals),
        scope=scope,
        period=stamp,
        action="export.party_approvals",
        more_sheets=more,
    )


@staff_view(*ORG_ROLES)
def org_approvals(request):
    user, day = request.user, timezone.localdate()
    managed = selectors.managed_orgs(user)
    temporary = list(
        managed.filter(is_temporary=True, dissolved_on__isnull=True)
        .select_related("approved_by", "area")
        .order_by("end_date", "code")
    )
    since = timezone.now() - timedelta(days=NEW_ORG_DAYS)
    new_orgs = managed.filter(created_at__gte=since, dissolved_on__isnull=True).order_by("-created_at")[:50]
    rule = MemberRule.at(day)
    horizon = day + timedelta(days=rule.probation_notice_days)
    probationary = (
        selectors.members_in_scope(user, selectors.MemberFilters(category=PartyMember.Category.PROBATIONARY))
        .select_related("org")
        .order_by("joined_on")
    )
    due = [(m, m.probation_due_on(rule)) for m in probationary[:2000]]
    due = [(m, d) for m, d in due if d is not None and d <= horizon][:100]
    views = {v.pk: v for v in selectors.member_rows(user, [m for m, _ in due])}
    transfers = (
        RelationTransfer.objects.filter(state=RelationTransfer.State.SENT)
        .filter(Q(from_org__in=managed) | Q(to_org__in=managed))
        .select_related("member", "from_org", "to_org")
        .order_by("due_on")[:100]
    )
    transfer_names = {v.pk: v.name for v in selectors.member_rows(user, [t.member for t in transfers])}
    proposals = _pending_proposals(user).order_by("created_at")[:100]
    probation = [(views[m.pk], m, d) for m, d in due]
    named_transfers = [(t, transfer_names.get(t.member_id, t.member.masked_name)) for t in transfers]
    if wants_xlsx(request):
        return _approvals_export(request, day, proposals, temporary, new_orgs, probation, named_transfers)
    return render(
        request,
        "console/party/org_approvals.html",
        {
            "day": day,
            "proposals": proposals,
            "temporary": temporary,
            "new_orgs": new_orgs,
            "new_days": NEW_ORG_DAYS,
            "probation": probation,
            "transfers": named_transfers,
        },
    )


def _pending_proposals(user):
    """Pending 新建党组织申请 whose parent organisation is in the user's scope."""
    return OrgProposal.objects.filter(
        state=OrgProposal.State.PENDING, parent__in=selectors.orgs_in_scope(user)
    ).select_related("parent", "area")


def _back_to_approvals():
    return redirect(reverse("console:org_approvals"))


@staff_view(*ORG_ROLES)
def org_dissolve(request, pk):
    org = get_object_or_404(selectors.managed_orgs(request.user), pk=pk, dissolved_on__isnull=True)
    form = DissolveForm(request.POST or None, initial={"dissolved_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org_services.org_dissolve(
            actor=request.user,
            org=org,
            dissolved_on=data["dissolved_on"],
            approval_doc=data["approval_doc"],
            note=data["note"],
        )
        messages.success(request, f"已撤销「{org.name}」")
        return _back_to_approvals()
    return render(request, "console/party/org_dissolve.html", {"org": org, "form": form})


@staff_view(*ORG_ROLES)
def org_probation(request, pk):
    user = request.user
    scope = selectors.members_in_scope(
        user, selectors.MemberFilters(category=PartyMember.Category.PROBATIONARY)
    )
    member = get_object_or_404(scope.select_related("org"), pk=pk)
    view = selectors.member_rows(user, [member])[0]
    day = timezone.localdate()
    rule = MemberRule.at(day)
    form = ProbationForm(request.POST or None, initial={"decided_on": day})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision, on, text = data["decision"], data["decided_on"], data["text"]
        if decision == "full":
            member_services.member_make_full(actor=user, member=member, full_on=on, approval_doc=text)
            done = f"{view.name}已转为正式党员"
        elif decision == "extend":
            member_services.probation_extend(
                actor=user, member=member, months=data["months"], decided_on=on, reason=text
            )
            done = f"{view.name}的预备期已延长 {data['months']} 个月"
        else:
            member_services.probation_cancel(actor=user, member=member, decided_on=on, reason=text)
            done = f"已取消{view.name}的预备党员资格"
        messages.success(request, done)
        return _back_to_approvals()
    return render(
        request,
        "console/party/org_probation.html",
        {"member": member, "view": view, "due": member.probation_due_on(rule), "rule": rule, "form": form},
    )


@staff_view(*ORG_ROLES)
def org_transfer(request, pk):
    user = request.user
    managed = selectors.managed_orgs(user)
    transfer = get_object_or_404(
        RelationTransfer.objects.filter(Q(from_org__in=managed) | Q(to_org__in=managed)).select_related(
            "member", "from_org", "to_org"
        ),
        pk=pk,
        state=RelationTransfer.State.SENT,
    )
    name = selectors.member_rows(user, [transfer.member])[0].name
    form = TransferForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["decision"] == "receive":
            transfer_services.transfer_receive(actor=user, transfer=transfer, received_on=data["on"])
            done = f"{name}的组织关系已登记接收"
        else:
            transfer_services.transfer_return(
                actor=user, transfer=transfer, returned_on=data["on"], reason=data["reason"]
            )
            done = f"{name}的组织关系介绍信已登记退回"
        messages.success(request, done)
        return _back_to_approvals()
    return render(
        request, "console/party/org_transfer.html", {"transfer": transfer, "name": name, "form": form}
    )


@staff_view(*ORG_ROLES)
def org_proposal(request, pk):
    """Approve a 新建党组织申请 with its 组织代码 and 成立日期 (the organisation is created), or reject it with a note."""
    proposal = get_object_or_404(_pending_proposals(request.user), pk=pk)
    form = ProposalDecisionForm(request.POST or None, initial={"founded_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["decision"] == "approve":
            done = proposal_services.proposal_approve(
                request.user,
                proposal,
                code=data["code"],
                founded_on=data["founded_on"],
                approval_doc=data["approval_doc"],
                note=data["note"],
            )
            messages.success(
                request, f"已批准，新建「{done.created_org.name}」（组织代码 {done.created_org.code}）"
            )
        else:
            proposal_services.proposal_reject(request.user, proposal, note=data["note"])
            messages.success(request, f"已不予批准「{proposal.name}」的新建申请")
        return _back_to_approvals()
    return render(request, "console/party/org_proposal.html", {"proposal": proposal, "form": form})


# ------------------------------------------------------------------------------------------ member register


def filtered_members(request):
    """The register's rows for this user and query (page and export share it), and the filter form."""
    user = request.user
    form = MemberFilterForm(request.GET or None)
    filters = form.filters()
    code = form.cleaned_data.get("org", "").strip() if form.is_bound and form.is_valid() else ""
    org = selectors.orgs_in_scope(user).filter(code=code).first() if code else None
    rows = selectors.members_in_scope(user, selectors.MemberFilters(org=org, **filters))
    if code and org is None:
        rows = rows.none()
    return selectors.register_rows(rows), form


def _filters_text(form: MemberFilterForm) -> str:
    if not (form.is_bound and form.is_valid()):
        return ""
    data, parts = form.cleaned_data, []
    if data["q"]:
        parts.append(f"姓名含「{data['q']}」")
    if data["org"]:
        parts.append(f"组织代码 {data['org']}")
    if data["category"]:
        parts.append(PartyMember.Category(data["category"]).label)
    for name in form.FLAGS:
        if data[name]:
            parts.append(f"{form.fields[name].label}：{'是' if data[name] == '1' else '否'}")
    return "；".join(parts)


@staff_view(*ORG_ROLES)
def org_members(request):
    rows, form = filtered_members(request)
    page = selectors.RegisterPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/party/org_members.html",
        {
            "form": form,
            "page": page,
            "views": selectors.member_rows(request.user, page.object_list),
            "query": query.urlencode(),
        },
    )


MEMBER_COLUMNS = [
    Column("姓名", "name", width=12),
    Column("身份证号", "id_masked", width=22),
    Column("性别", "sex", width=8),
    Column("类别", "category", width=12),
    Column("党籍状态", "status", width=12),
    Column("所在党组织", "org_name", width=30),
    Column("标记", lambda v: "；".join(v.flags), width=20),
    Column("手机号", "phone", width=14),
]


def _member_views(user, rows):
    """MemberViews in chunks (masking decided per chunk) for a streamed export."""
    chunk = []
    for member in rows.iterator(chunk_size=2000):
        chunk.append(member)
        if len(chunk) == 2000:
            yield from selectors.member_rows(user, chunk)
            chunk = []
    if chunk:
        yield from selectors.member_rows(user, chunk)


@staff_view(*ORG_ROLES)
def org_members_export(request):
    user = request.user
    rows, form = filtered_members(request)
    total = rows.count()
    scope, shown = _scope_text(user), _filters_text(form)
    note = f"共 {total} 条。身份证号、手机号已脱敏。"
    if total > MEMBER_EXPORT_MAX:
        note = f"共 {total} 条，仅导出前 {MEMBER_EXPORT_MAX} 条；请缩小查询条件后分批导出。身份证号、手机号已脱敏。"
    record_event(
        actor=user,
        action="export.party_members",
        summary=f"导出党员名册 {min(total, MEMBER_EXPORT_MAX)} 条（{scope}{'；' + shown if shown else ''}）",
        rows=min(total, MEMBER_EXPORT_MAX),
    )
    data = workbook(
        "党员名册",
        f"{scope}{'；' + shown if shown else ''}",
        f"截至 {timezone.localdate():%Y-%m-%d}",
        MEMBER_COLUMNS,
        _member_views(user, rows[:MEMBER_EXPORT_MAX]),
        sheet_name="党员名册",
        note=note,
    )
    return xlsx_response(f"党员名册_{timezone.localdate():%Y%m%d}", data)


@staff_view(*ORG_ROLES)
def org_member_reveal(request, pk):
    """The full ID number, for a stated purpose (services.members.id_reveal audits it); shown in this response
    only, never kept in a message."""
    user = request.user
    member = get_object_or_404(
        selectors.members_in_scope(user, selectors.MemberFilters(status=None)).select_related("org"), pk=pk
    )
    view = selectors.member_rows(user, [member])[0]
    form = RevealForm(request.POST or None)
    number = None
    if request.method == "POST" and form.is_valid():
        number = member_services.id_reveal(actor=user, member=member, purpose=form.cleaned_data["purpose"])
    response = render(
        request,
        "console/party/org_reveal.html",
        {"member": member, "view": view, "form": form, "number": number},
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("party/orgs/", org_tree, name="org_tree"),
    path("party/orgs/<int:pk>/", org_detail, name="org_detail"),
    path("party/orgs/<int:pk>/dissolve/", org_dissolve, name="org_dissolve"),
    path("party/coverage/", org_coverage, name="org_coverage"),
    path("party/terms/", org_terms, name="org_terms"),
    path("party/terms/export/", org_terms_export, name="org_terms_export"),
    path("party/approvals/", org_approvals, name="org_approvals"),
    path("party/approvals/probation/<int:pk>/", org_probation, name="org_probation"),
    path("party/approvals/transfers/<int:pk>/", org_transfer, name="org_transfer"),
    path("party/approvals/proposals/<int:pk>/", org_proposal, name="org_proposal"),
    path("party/members/", org_members, name="org_members"),
    path("party/members/export/", org_members_export, name="org_members_export"),
    path("party/members/<int:pk>/reveal/", org_member_reveal, name="org_member_reveal"),
]
