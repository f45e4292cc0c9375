"""Every console page and action refuses roles that may not use it, and anonymous users go to login."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from civicgrid.console import urls as console_urls
from civicgrid.knowledge.models import Entry
from civicgrid.knowledge.services import entry_create
from civicgrid.registry.models import Role
from civicgrid.tickets import services
from tests.tickets.conftest import _staff, local
from tests.tickets.helpers import lead_of, register

T0 = local(2026, 6, 1, 9, 0)
# One user per role in the test world.
USERS = {
    Role.OPERATOR: "operator",
    Role.DISPATCHER: "dispatcher",
    Role.CALLBACK_AGENT: "callback",
    Role.SUPERVISOR: "supervisor",
    Role.LEADER: "leader",
    Role.UNIT_HANDLER: "zjj",
    Role.GRID_WORKER: "worker1",
    Role.GRID_LEADER: "community",
    Role.ORGANISATION_STAFF: "orgstaff",
    Role.PARTY_SECRETARY: "partysec",
}


@pytest.fixture
def ticket(world):
    # The party roles (not in the tickets' test world): the 组织部 pages serve only organisation staff.
    for username, code in (("orgstaff", Role.ORGANISATION_STAFF), ("partysec", Role.PARTY_SECRETARY)):
        if username not in world.users:
            world.users[username], _ = _staff(username, [code], [world.units["town"]])
    t = register(world, T0, category="property")
    services.ticket_dispatch(ticket=t, actor=world.user("dispatcher"), at=T0)
    png = ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    services.attachment_add(ticket=t, actor=world.user("operator"), upload=png, name="a.png", at=T0)
    return t


def _pages(ticket):
    for pattern in console_urls.urlpatterns:
        allowed = getattr(pattern.callback, "allowed_roles", None)
        assert allowed is not None, f"console view {pattern.name} is not wrapped in staff_view"
        kwargs = {}
        if "<int:pk>" in str(pattern.pattern):
            if "assignment" in pattern.name:
                kwargs["pk"] = lead_of(ticket).pk
            elif pattern.name.startswith("attachment"):  # attachment, attachment_internal
                kwargs["pk"] = ticket.attachments.get().pk
            else:
                kwargs["pk"] = ticket.pk
        elif "<int:entry_id>" in str(pattern.pattern):
            entry = Entry.objects.first() or entry_create(actor=None, question="测试问题", answer="测试答案")
            kwargs["entry_id"] = entry.pk
        else:  # party pages (org_id, meeting_id, …): the role check comes before any lookup
            kwargs.update(dict.fromkeys(pattern.pattern.converters, 1))
        yield pattern.name, reverse(f"console:{pattern.name}", kwargs=kwargs), set(allowed), "pk" in kwargs


def test_every_console_page_refuses_the_roles_it_does_not_serve(client, world, ticket):
    checked = 0
    for name, url, allowed, _ in _pages(ticket):
        for role, username in USERS.items():
            user = world.user(username)
            codes = set(user.staff.roles.values_list("code", flat=True))
            if codes & allowed:
                continue
            client.force_login(user)
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                assert status in (403, 405), f"{name} {method.upper()} by {role}: {status}"
            checked += 1
    assert checked > 0


def test_every_console_page_sends_anonymous_users_to_login(client, world, ticket):
    for name, url, _, _ in _pages(ticket):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (302, 405), f"{name} {method.upper()}: {response.status_code}"
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), name


def test_ticket_pages_refuse_units_outside_their_scope(client, world, ticket):
    client.force_login(world.user("sc"))  # a unit handler, but not of the unit handling this ticket
    for name, url, allowed, takes_pk in _pages(ticket):
        if takes_pk and Role.UNIT_HANDLER in allowed:
            assert client.get(url).status_code == 403, name


# Ticket states the privacy rules turn on (docs/reviews/2026-12-red-team.md H1, M3): for each, what each role may
# open and whether the requester's name or phone appears anywhere on the ticket page.
CENTRE = {"operator", "dispatcher", "callback", "supervisor", "leader"}
UNITS = {"zjj", "zf", "sc", "community", "worker1", "town"}
# Pages that show personal data unmasked, by state: nobody outside the centre, ever, on a confidential ticket.
UNMASKED = {
    "returned": {"operator", "callback", "sc"},  # sc handles it now; zjj returned it
    "cancelled": {"operator", "callback", "sc"},  # zjj was a cancelled co-unit; zf returned as lead
    "merged": {"operator", "callback"},  # called back with its open master; nothing for units
    "confidential": {"operator", "callback"},
    "closed": {"callback"},  # masked for operators unless revealed with a purpose
}

# Units still (or formerly, to the end) handling the ticket open its photos; a unit that walked away does not.
HANDLERS = {
    "returned": {"sc"},
    "cancelled": {"sc"},
    "merged": set(),
    "confidential": {"zjj"},
    "closed": {"zjj"},
}


@pytest.mark.parametrize("state", sorted(UNMASKED))
def test_ticket_pages_show_personal_data_only_to_whom_the_state_allows(client, world, state):
    from civicgrid.core.models import AuditEvent
    from tests.tickets import states

    ticket = states.BUILDERS[state](world)
    png = ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    services.attachment_add(ticket=ticket, actor=world.user("operator"), upload=png, name="a.png", at=T0)
    photo = reverse("console:attachment", args=[ticket.attachments.get().pk])
    name, phone = ticket.requester_name, ticket.requester_phone
    for username in sorted(CENTRE | UNITS):
        client.force_login(world.user(username))
        before = AuditEvent.objects.filter(action="pii.view").count()
        response = client.get(reverse("console:ticket", args=[ticket.pk]))
        if username in UNITS and not ticket.assignments.filter(unit__in=_units(world, username)).exists():
            assert response.status_code == 403, (state, username)
            continue
        assert response.status_code == 200, (state, username)
        html = response.content.decode()
        shown = phone in html or name in html
        assert shown == (username in UNMASKED[state]), (state, username)
        if username in UNITS:
            assert phone[-4:] not in html or shown, (state, username)  # not even the tracker's last four
        if shown:
            assert AuditEvent.objects.filter(action="pii.view").count() == before + 1, (state, username)
        handling = username in CENTRE or username in HANDLERS[state]
        assert client.get(photo).status_code == (200 if handling else 403), (state, username)


def _units(world, username):
    from civicgrid.tickets.permissions import units_of

    return units_of(world.user(username))


def test_a_confidential_ticket_says_baomi_on_every_unit_page_in_every_state(client, world):
    from tests.tickets import states

    for state, build in states.BUILDERS.items():
        ticket = build(world, is_confidential=True) if state != "confidential" else build(world)
        for assignment in ticket.assignments.select_related("unit"):
            for user in world.users.values():
                if assignment.unit.pk not in _units(world, user.username) or user.username in CENTRE:
                    continue
                client.force_login(user)
                for url in (
                    reverse("console:ticket", args=[ticket.pk]),
                    reverse("console:assignment", args=[assignment.pk]),
                ):
                    response = client.get(url)
                    if response.status_code != 200:
                        continue
                    html = response.content.decode()
                    assert ticket.requester_phone[-4:] not in html, (state, user.username, url)
                    assert ticket.requester_name not in html, (state, user.username, url)


def test_the_organisation_department_pages_serve_only_organisation_staff_and_administrators(world, ticket):
    party = [(name, allowed) for name, _, allowed, _ in _pages(ticket) if name.startswith("org_")]
    assert len(party) >= 12
    for name, allowed in party:
        assert allowed == {Role.ORGANISATION_STAFF, Role.ADMINISTRATOR}, name


# Party pages (issue 11): the 党组织书记's pages open for secretaries (and administrators) only; 「我的组织」 for
# any staff account; a secretary opens no ticket-handling page.
PARTY_SECRETARY_PAGES = {
    "party_sec",
    "party_sec_org",
    "party_sec_meetings",
    "party_sec_meeting_new",
    "party_sec_activities",
    "party_sec_appraisal",
    "party_sec_proposals",
    "party_sec_meeting",
    "party_sec_attachment",
    "party_sec_pioneer_end",
    "party_sec_team_end",
    "party_sec_deployment_delete",
}


def test_party_secretary_pages_are_for_secretaries_and_a_secretary_opens_no_ticket_work(
    client, world, ticket
):
    from django.contrib.auth import get_user_model

    from civicgrid.registry.models import Staff

    pages = {name: (url, allowed) for name, url, allowed, _ in _pages(ticket)}
    for name in PARTY_SECRETARY_PAGES:
        assert pages[name][1] == {Role.PARTY_SECRETARY, Role.ADMINISTRATOR}, name
    assert pages["party_mine"][1] == {code for code, _ in Role.SEED}
    user = get_user_model().objects.create_user(username="secretary", password="x")
    record = Staff.objects.create(user=user, name="书记")
    record.roles.set(Role.objects.filter(code=Role.PARTY_SECRETARY))
    client.force_login(user)
    for name, (url, allowed) in pages.items():
        if Role.PARTY_SECRETARY in allowed:
            continue
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            assert status in (403, 405), f"{name} {method.upper()} by party_secretary: {status}"


# 社区共建 screens (issue 12): community workers (and 组织部 staff, administrators); nobody else.
ENGAGEMENT_WORKERS = {Role.GRID_WORKER, Role.GRID_LEADER, Role.ORGANISATION_STAFF, Role.ADMINISTRATOR}
ENGAGEMENT_PAGES = {
    name: ENGAGEMENT_WORKERS
    for name in (
        "eng_registration_new",
        "eng_registration_member",
        "eng_registration_org",
        "eng_registration",
        "eng_registration_commitment",
        "eng_needs",
        "eng_needs_export",
        "eng_need_new",
        "eng_need_wish",
        "eng_community",
        "eng_community_export",
        "eng_pairings",
        "eng_pairings_export",
        "eng_pairing_new",
        "eng_pairing",
        "eng_visit_new",
        "eng_visit",
        "eng_evaluations_send",
    )
}


def test_engagement_screens_serve_community_workers_and_organisation_staff_only(world, ticket):
    pages = {name: allowed for name, _, allowed, _ in _pages(ticket)}
    for name, roles in ENGAGEMENT_PAGES.items():
        assert pages[name] == roles, name


# Volunteers and teams (issue 12): the volunteering roles only; the list is scoped (see tests/console/test_volunteers.py).
VOLUNTEER_PAGES = {
    "vol_volunteers",
    "vol_volunteer_new",
    "vol_volunteers_export",
    "vol_volunteer",
    "vol_teams",
    "vol_team",
    "vol_team_member",
}


def test_volunteer_and_team_pages_serve_the_volunteering_roles(world, ticket):
    from civicgrid.console.views.volunteering import VOL_ROLES

    pages = {name: allowed for name, _, allowed, _ in _pages(ticket)}
    for name in VOLUNTEER_PAGES:
        assert pages[name] == set(VOL_ROLES), name


# 协商议事 (issue 13): community workers, party secretaries, town staff, 组织部 and leaders, each in their areas.
DELIBERATION_PAGES = {
    "delib_topics",
    "delib_topics_export",
    "delib_topic_new",
    "delib_stats",
    "delib_topic",
    "delib_topic_act",
    "delib_topic_reveal",
    "delib_participant_new",
    "delib_attendance",
    "delib_step_new",
    "delib_resolution_ticket",
    "delib_resolution_ledger",
    "delib_from_ticket",
    "delib_from_visit",
}


def test_deliberation_screens_serve_the_deliberation_roles(world, ticket):
    from civicgrid.deliberation.scope import WORKER_ROLES

    pages = {name: allowed for name, _, allowed, _ in _pages(ticket)}
    assert {name for name in pages if name.startswith("delib_")} == DELIBERATION_PAGES
    for name in DELIBERATION_PAGES:
        assert pages[name] == set(WORKER_ROLES), name


# 问题台账 (issue 13): the 组织部 and the centre (supervisors, dispatchers) manage; leaders read; units see their own items (the
# items' scope is checked on each page, see tests/ledgers/test_console.py); the centre sends tickets to a ledger.
LEDGER_MANAGERS = {Role.ORGANISATION_STAFF, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMINISTRATOR}
LEDGER_VIEWERS = LEDGER_MANAGERS | {Role.LEADER}
LEDGER_ITEMS = LEDGER_VIEWERS | {Role.UNIT_HANDLER, Role.GRID_LEADER, Role.GRID_WORKER, Role.PARTY_SECRETARY}
LEDGER_PAGES = {
    "ldg_campaigns": LEDGER_VIEWERS,
    "ldg_campaign_new": LEDGER_MANAGERS,
    "ldg_campaign": LEDGER_VIEWERS,
    "ldg_campaign_export": LEDGER_VIEWERS,
    "ldg_item_new": LEDGER_ITEMS,
    "ldg_item": LEDGER_ITEMS,
    "ldg_item_action": LEDGER_ITEMS,
    "ldg_item_report": LEDGER_ITEMS,
    "ldg_item_link_ticket": LEDGER_ITEMS,
    "ldg_item_raise_ticket": LEDGER_ITEMS,
    "ldg_report_evidence": LEDGER_ITEMS,
    "ldg_report_decide": LEDGER_MANAGERS,
    "ldg_approvals": LEDGER_MANAGERS,
    "ldg_ranking": LEDGER_VIEWERS,
    "ldg_ranking_export": LEDGER_VIEWERS,
    "ldg_mine": LEDGER_ITEMS,
    "ldg_from_ticket": {Role.ORGANISATION_STAFF, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMINISTRATOR},
}


def test_ledger_screens_serve_the_roles_they_are_for(world, ticket):
    pages = {name: allowed for name, _, allowed, _ in _pages(ticket)}
    assert {name for name in pages if name.startswith("ldg_")} == set(LEDGER_PAGES)
    for name, roles in LEDGER_PAGES.items():
        assert pages[name] == roles, name


# Village service catalogue (issue 13): the editor for community, town and county staff (scope is checked on each
# page, tests/catalogue/test_pages.py); the panel at intake for every staff member.
CATALOGUE_EDITORS = {
    Role.UNIT_HANDLER,
    Role.GRID_LEADER,
    Role.ORGANISATION_STAFF,
    Role.PARTY_SECRETARY,
    Role.LEADER,
    Role.ADMINISTRATOR,
}


def test_the_catalogue_pages_serve_their_editors_and_the_panel_every_staff_member(world, ticket):
    pages = {name: allowed for name, _, allowed, _ in _pages(ticket) if name.startswith("catalogue_")}
    assert len(pages) == 11
    for name, allowed in pages.items():
        if name == "catalogue_suggest":
            assert Role.OPERATOR in allowed and Role.DISPATCHER in allowed, name
        else:
            assert allowed == CATALOGUE_EDITORS, name


# 述职评议 (issue 14): set up by the 组织部; the reporter's page, 我的述职 and the ballot page for every staff member
# (the scope of each is checked on the page, tests/reviews/test_console.py).
REVIEW_MANAGERS = {Role.ORGANISATION_STAFF, Role.ADMINISTRATOR}
REVIEW_EVERYONE = {"rv_mine", "rv_ballot", "rv_reporter", "rv_reporter_docx", "rv_rectification_done"}


def test_review_screens_serve_the_roles_they_are_for(world, ticket):
    from civicgrid.console.access import ALL_STAFF

    pages = {name: allowed for name, _, allowed, _ in _pages(ticket) if name.startswith("rv_")}
    assert len(pages) == 23
    for name, allowed in pages.items():
        assert allowed == (set(ALL_STAFF) if name in REVIEW_EVERYONE else REVIEW_MANAGERS), name


# 工作简报 (issue 14): leaders, supervisors and administrators, who see the whole city.
BRIEFING_PAGES = dict.fromkeys(
    ("briefings", "briefing_generate", "briefing_file", "briefings_export"),
    {Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR},
)


def test_briefing_screens_serve_the_roles_they_are_for(world, ticket):
    pages = {name: allowed for name, _, allowed, _ in _pages(ticket)}
    assert {name for name in pages if name.startswith("briefing")} == set(BRIEFING_PAGES)
    for name, roles in BRIEFING_PAGES.items():
        assert pages[name] == roles, name


# 热点与预警 (issue 14): the centre's supervisors, leaders and dispatchers and the administrator read; supervisors,
# leaders and the administrator act on a hotspot (key list, ledger item, topic).
HOTSPOT_VIEWERS = {Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER, Role.ADMINISTRATOR}
HOTSPOT_PAGES = {
    "hotspots": HOTSPOT_VIEWERS,
    "hotspots_export": HOTSPOT_VIEWERS,
    "hotspot": HOTSPOT_VIEWERS,
    "hotspot_alerts": HOTSPOT_VIEWERS,
    "hotspot_alerts_export": HOTSPOT_VIEWERS,
    "hotspot_act": {Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR},
}


def test_hotspot_screens_serve_the_roles_they_are_for(world, ticket):
    pages = {name: allowed for name, _, allowed, _ in _pages(ticket)}
    assert {name for name in pages if name.startswith("hotspot")} == set(HOTSPOT_PAGES)
    for name, roles in HOTSPOT_PAGES.items():
        assert pages[name] == roles, name


# 软弱涣散 (issue 14): the board, scan, decisions and naming for the 组织部; plans also for party secretaries, whose
# scope (their own organisation only) is checked on each page, see tests/weakorgs/test_console.py.
WEAKORG_STAFF = {Role.ORGANISATION_STAFF, Role.ADMINISTRATOR}
WEAKORG_PLANS = WEAKORG_STAFF | {Role.PARTY_SECRETARY}
WEAKORG_PAGES = {
    "wo_board": WEAKORG_STAFF,
    "wo_board_export": WEAKORG_STAFF,
    "wo_scan": WEAKORG_STAFF,
    "wo_designate": WEAKORG_STAFF,
    "wo_candidate": WEAKORG_STAFF,
    "wo_plan": WEAKORG_PLANS,
    "wo_plan_action": WEAKORG_PLANS,
    "wo_plan_docx": WEAKORG_PLANS,
    "wo_mine": WEAKORG_PLANS,
}


def test_weakorg_screens_serve_the_roles_they_are_for(world, ticket):
    pages = {name: allowed for name, _, allowed, _ in _pages(ticket)}
    assert {name for name in pages if name.startswith("wo_")} == set(WEAKORG_PAGES)
    for name, roles in WEAKORG_PAGES.items():
        assert pages[name] == roles, name
