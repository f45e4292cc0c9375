"""Every ticket endpoint × every role of the test world: 403 for a role the console refuses the same action,
404 for a ticket outside the caller's scope (the same answer as for no ticket at all), else past both gates."""

from datetime import timedelta

import pytest

from civicgrid.api import ticket_access as access
from civicgrid.console.views import dispatching, handling
from civicgrid.integrations.models import IntegrationClient
from civicgrid.registry.models import Role
from civicgrid.tickets import services
from civicgrid.tickets.services.intake import INTAKE_ROLES
from tests.api.test_tickets_support import (  # noqa: F401  (fixtures)
    NOW,
    T0,
    Api,
    api,
    clock,
    dispatched,
    lead_of,
    register_body,
    world,
)
from tests.tickets.conftest import _staff

pytestmark = pytest.mark.django_db

# Who is who in the world, and what each sees of the ticket dispatched to 住建局 (zjj).
CENTRE = {"operator", "dispatcher", "callback", "supervisor", "leader", "admin"}
HANDLES = {"zjj", "admin"}  # acts for the unit holding the ticket's assignment
PEOPLE = sorted(CENTRE | {"zjj", "sc", "worker1", "community", "town", "outsider", "orgstaff", "partysec"})


def test_the_api_serves_each_action_to_the_roles_the_console_page_serves():
    assert set(access.HANDLERS) == set(handling.HANDLERS)
    assert set(access.CALLBACK_DESK) == set(handling.CALLBACK_DESK)
    assert set(access.SUPERVISORS) == set(handling.SUPERVISORS)
    assert set(access.DISPATCH) == set(dispatching.DISPATCH_ROLES)
    assert set(access.INTAKE) == set(INTAKE_ROLES)


@pytest.fixture
def case(world, clock):  # noqa: F811
    for username, code in (("orgstaff", Role.ORGANISATION_STAFF), ("partysec", Role.PARTY_SECRETARY)):
        world.users[username], _ = _staff(username, [code], [world.units["town"]])
    ticket = dispatched(world)
    lead = lead_of(ticket)
    services.assignment_sign(assignment=lead, actor=world.user("zjj"), at=T0)
    extension = services.extension_request(
        assignment=lead, actor=world.user("zjj"), days=2, reason="需第三方鉴定", at=T0 + timedelta(hours=1)
    )
    other = dispatched(world)
    returned = services.return_request(
        assignment=lead_of(other), actor=world.user("zjj"), reason="不属本局", legal_basis="三定方案", at=T0
    )
    return {
        "T": ticket.pk,
        "L": lead.pk,
        "A": ticket.attachments.get().pk,
        "E": extension.pk,
        "R": returned.pk,
    }


ALL = access.ALL_STAFF
# (method, path, body, roles, scope): scope "ticket" needs the ticket visible, "assignment" the task one's own.
ENDPOINTS = [
    ("get", "/tickets", None, ALL, None),
    ("get", "/tickets/{T}", None, ALL, "ticket"),
    ("post", "/tickets", register_body(), access.INTAKE, None),
    ("post", "/tickets/{T}/accept", {}, access.INTAKE, "ticket"),
    ("post", "/tickets/{T}/dispatch", {}, access.DISPATCH, "ticket"),
    (
        "post",
        "/tickets/{T}/merge",
        {"master": "20990101-000001", "reason": "同一事"},
        access.INTAKE,
        "ticket",
    ),
    ("post", "/tickets/{T}/review", {"passed": True}, access.DISPATCH, "ticket"),
    ("post", "/tickets/{T}/callback", {"reached": False}, access.CALLBACK_DESK, "ticket"),
    ("post", "/tickets/{T}/supervise", {"note": "请加快办理"}, access.SUPERVISORS, "ticket"),
    (
        "post",
        "/tickets/{T}/escalate",
        {"note": "协调", "whistle_units": [999999]},
        access.SUPERVISORS,
        "ticket",
    ),
    ("get", "/assignments", None, access.HANDLERS, None),
    ("get", "/assignments/{L}", None, access.HANDLERS, "assignment"),
    ("post", "/assignments/{L}/sign", {}, access.HANDLERS, "assignment"),
    ("post", "/assignments/{L}/contact", {"method": "nope"}, access.HANDLERS, "assignment"),
    (
        "post",
        "/assignments/{L}/reply",
        {"result_code": "solved", "text": "已办"},
        access.HANDLERS,
        "assignment",
    ),
    ("post", "/assignments/{L}/co-reply", {"text": "已办"}, access.HANDLERS, "assignment"),
    ("post", "/assignments/{L}/extension", {"days": 1, "reason": "再等"}, access.HANDLERS, "assignment"),
    (
        "post",
        "/assignments/{L}/return",
        {"reason": "x", "legal_basis": "y", "suggested_unit": 999999},
        access.HANDLERS,
        "assignment",
    ),
    ("post", "/assignments/{L}/escalate", {"note": ""}, access.HANDLERS, "assignment"),
    ("get", "/extension-requests", None, access.DISPATCH, None),
    ("get", "/return-requests", None, access.DISPATCH, None),
    ("post", "/extension-requests/{E}/decision", {"approve": False}, access.DISPATCH, "ticket"),
    ("post", "/return-requests/{R}/decision", {"approve": False}, access.DISPATCH, "ticket"),
    ("get", "/tickets/{T}/attachments", None, ALL, "ticket"),
    ("upload", "/tickets/{T}/attachments", None, access.UPLOADERS, "ticket"),
    ("get", "/attachments/{A}", None, ALL, "ticket"),
]


def _expected(world, username, roles, scope) -> int | None:  # noqa: F811
    user = world.user(username)
    codes = set(user.staff.roles.values_list("code", flat=True))
    if not user.is_superuser and not codes & set(roles):
        return 403
    if scope == "ticket" and username not in CENTRE | HANDLES:
        return 404
    if scope == "assignment" and username not in HANDLES:
        return 404
    return None  # past the gates: whatever the service says (200, 201, 409, 422)


def _call(caller: Api, method, path, body):
    if method == "upload":
        return caller.upload(path)
    return caller.post(path, body) if method == "post" else caller.get(path)


@pytest.mark.parametrize("username", PEOPLE)
def test_every_endpoint_answers_each_role_as_the_console_would(client, world, case, username):  # noqa: F811
    caller = Api(client, world.user(username))
    for method, path, body, roles, scope in ENDPOINTS:
        url = path.format(**case)
        answer = _call(caller, method, url, body)
        expected = _expected(world, username, roles, scope)
        where = f"{method.upper()} {url} by {username}"
        if expected is None:
            assert answer.status_code not in (401, 403, 404, 500), (
                f"{where}: {answer.status_code} {answer.content[:200]}"
            )
        else:
            assert answer.status_code == expected, f"{where}: {answer.status_code} {answer.content[:200]}"
        if answer.status_code >= 400:
            payload = answer.json()
            assert payload["code"] and payload["message"] and not payload["message"].isascii(), where


def test_out_of_scope_and_missing_tickets_get_the_same_404(api, world, case):  # noqa: F811
    sc = api("sc")
    for path in ("/tickets/{}", "/tickets/{}/attachments"):
        hidden, missing = sc.get(path.format(case["T"])), sc.get(path.format(999999))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()
    assert sc.get(f"/attachments/{case['A']}").json() == sc.get("/attachments/999999").json()
    listed = sc.get("/tickets").json()["items"]
    assert case["T"] not in {row["id"] for row in listed}


def test_an_account_without_staff_or_a_key_gets_403_or_401(client, world, case):  # noqa: F811
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user(username="nobody", password="x-long-password-1")
    answer = Api(client, nobody).get("/tickets")
    assert answer.status_code == 403 and "工作人员" in answer.json()["message"]
    assert client.get("/api/v1/tickets").status_code == 401


def test_an_integration_client_needs_read_scope_to_read_and_write_scope_to_write(client, world, case, clock):  # noqa: F811
    user, _ = _staff("grid-app", [Role.OPERATOR], [world.units["centre"]])
    app = IntegrationClient.objects.create(name="网格 App", code="grid-app", account=user, scopes=[])
    caller = Api(client, user)
    assert caller.get("/tickets").status_code == 403
    app.scopes = ["tickets:read"]
    app.save()
    assert caller.get("/tickets").status_code == 200
    refused = caller.post("/tickets", register_body())
    assert refused.status_code == 403 and "登记和办理工单" in refused.json()["message"]
    app.scopes = ["tickets:read", "tickets:write"]
    app.save()
    assert caller.post("/tickets", register_body()).status_code == 201
    assert NOW  # the clock fixture holds the moment the services stamp
