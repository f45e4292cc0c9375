"""The console's navigation: each entry is shown only to the roles that may open it."""

from dataclasses import dataclass

from django.urls import reverse

from civicgrid.party.selectors import member_of
from civicgrid.registry.models import Role as R
from civicgrid.tickets.permissions import has_role

MENU = [
    ("console:home", "工作台", ()),
    ("console:intake", "受理登记", (R.OPERATOR, R.DISPATCHER, R.ADMINISTRATOR)),
    ("console:dispatch", "派单", (R.DISPATCHER, R.ADMINISTRATOR)),
    ("console:inbox", "承办工作", (R.UNIT_HANDLER, R.GRID_WORKER, R.GRID_LEADER, R.ADMINISTRATOR)),
    ("console:patrol", "巡查上报", (R.GRID_WORKER, R.GRID_LEADER)),
    ("console:my_grid", "我的网格", (R.GRID_WORKER, R.GRID_LEADER)),
    ("console:callbacks", "回访", (R.CALLBACK_AGENT, R.ADMINISTRATOR)),
    ("console:supervision", "督办", (R.SUPERVISOR, R.LEADER, R.ADMINISTRATOR)),
    ("console:dashboard", "领导看板", (R.LEADER, R.SUPERVISOR, R.ADMINISTRATOR)),
    ("console:briefings", "工作简报", (R.LEADER, R.SUPERVISOR, R.ADMINISTRATOR)),
    ("console:hotspots", "热点预警", (R.SUPERVISOR, R.LEADER, R.DISPATCHER, R.ADMINISTRATOR)),
    ("console:tickets", "工单查询", ()),
    ("console:kb", "知识库", ()),
    ("console:intake_accuracy", "智能分类", (R.DISPATCHER, R.LEADER, R.ADMINISTRATOR)),
    ("console:org_tree", "党组织", (R.ORGANISATION_STAFF, R.ADMINISTRATOR)),
    ("console:org_members", "党员名册", (R.ORGANISATION_STAFF, R.ADMINISTRATOR)),
    ("console:org_approvals", "党务审批", (R.ORGANISATION_STAFF, R.ADMINISTRATOR)),
    ("console:party_sec", "党组织工作", (R.PARTY_SECRETARY, R.ADMINISTRATOR)),
    (
        "console:vol_home",
        "志愿服务",
        (R.GRID_WORKER, R.GRID_LEADER, R.ORGANISATION_STAFF, R.PARTY_SECRETARY, R.ADMINISTRATOR),
    ),
    ("console:eng_wishes", "微心愿", (R.GRID_WORKER, R.GRID_LEADER, R.ADMINISTRATOR)),
    ("console:eng_registrations", "双报到", (R.GRID_WORKER, R.GRID_LEADER, R.ADMINISTRATOR)),
    ("console:eng_board", "社区共建", (R.ORGANISATION_STAFF, R.ADMINISTRATOR)),
    ("console:points_queue", "信用积分", (R.UNIT_HANDLER, R.ORGANISATION_STAFF, R.ADMINISTRATOR)),
    ("console:eng_community", "社区看板", (R.GRID_WORKER, R.GRID_LEADER, R.ADMINISTRATOR)),
    ("console:eng_needs", "需求清单", (R.GRID_WORKER, R.GRID_LEADER, R.ADMINISTRATOR)),
    (
        "console:eng_pairings",
        "结对走访",
        (R.GRID_WORKER, R.GRID_LEADER, R.ORGANISATION_STAFF, R.ADMINISTRATOR),
    ),
    (
        "console:delib_topics",
        "协商议事",
        (
            R.GRID_WORKER,
            R.GRID_LEADER,
            R.PARTY_SECRETARY,
            R.UNIT_HANDLER,
            R.ORGANISATION_STAFF,
            R.LEADER,
            R.ADMINISTRATOR,
        ),
    ),
    (
        "console:ldg_campaigns",
        "问题台账",
        (R.ORGANISATION_STAFF, R.SUPERVISOR, R.DISPATCHER, R.LEADER, R.ADMINISTRATOR),
    ),
    ("console:ldg_mine", "我的台账", (R.UNIT_HANDLER, R.GRID_LEADER)),
    ("console:rv_campaigns", "述职评议", (R.ORGANISATION_STAFF, R.ADMINISTRATOR)),
    ("console:wo_board", "软弱涣散整顿", (R.ORGANISATION_STAFF, R.ADMINISTRATOR)),
    ("console:wo_mine", "整顿方案", (R.PARTY_SECRETARY,)),
    (
        "console:catalogue_list",
        "服务清单",
        (R.UNIT_HANDLER, R.GRID_LEADER, R.ORGANISATION_STAFF, R.PARTY_SECRETARY, R.LEADER, R.ADMINISTRATOR),
    ),
    (
        "console:med_cases",
        "人民调解",
        (
            R.GRID_WORKER,
            R.GRID_LEADER,
            R.UNIT_HANDLER,
            R.ORGANISATION_STAFF,
            R.PARTY_SECRETARY,
            R.LEADER,
            R.ADMINISTRATOR,
        ),
    ),
]
# Shown to whoever's account is linked to a party member record, whatever the role.
MEMBER_MENU = [
    ("console:party_mine", "我的组织"),
    ("console:eng_mine", "双报到任务"),
    ("console:rv_mine", "我的述职"),
]


@dataclass
class Entry:
    url: str
    label: str
    active: bool


def menu_for(request) -> list[Entry]:
    entries = []
    for name, label, roles in MENU:
        if roles and not has_role(request.user, *roles):
            continue
        url = reverse(name)
        active = request.path == url or (url != reverse("console:home") and request.path.startswith(url))
        entries.append(Entry(url, label, active))
    if member_of(request.user) is not None:
        for name, label in MEMBER_MENU:
            url = reverse(name)
            entries.append(Entry(url, label, request.path.startswith(url)))
    return entries


def console_context(request):
    if not request.path.startswith("/console/") or not request.user.is_authenticated:
        return {}
    from civicgrid.notify.models import Notification

    return {
        "menu": menu_for(request),
        "unread": Notification.objects.filter(recipient=request.user, read_at__isnull=True).count(),
        # Administrators confirm the calendar; the dashboard is where the centre looks every day.
        # Grid staff work from a phone: their console is an installable app that works without signal.
        "installable": has_role(request.user, R.GRID_WORKER, R.GRID_LEADER),
        "show_calendar_reminder": has_role(request.user, R.ADMINISTRATOR)
        or request.path == reverse("console:dashboard"),
    }
