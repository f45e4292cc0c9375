"""The ticket API: personal data masked as on the console, cursor pages that neither repeat nor skip, filters,
registration idempotent by the caller's own number, refusals as 409 JSON, and a ticket's whole life."""

from datetime import timedelta

import pytest
import time_machine

from civicgrid.core.models import AuditEvent
from civicgrid.tickets.models import Event, Status, Ticket
from tests.api.test_tickets_support import (  # noqa: F401  (fixtures)
    NAME,
    NOW,
    PHONE,
    T0,
    api,
    clock,
    dispatched,
    lead_of,
    province,
    register,
    register_body,
    world,
)
from tests.tickets import states

pytestmark = pytest.mark.django_db

EVERYONE = ["operator", "dispatcher", "callback", "supervisor", "leader", "zjj", "sc", "community", "admin"]


def _pii_views(ticket) -> int:
    return AuditEvent.objects.filter(action="pii.view", target_id=str(ticket.pk)).count()


# --- masking -----------------------------------------------------------------------------------------


def test_lists_never_carry_the_requester(api, world, clock):  # noqa: F811
    ticket = dispatched(world)
    for username in EVERYONE:
        body = api(username).get("/tickets").content.decode()
        assert NAME not in body and PHONE not in body and PHONE[-4:] not in body, username
    assignments = api("zjj").get("/assignments").content.decode()
    assert ticket.number in assignments and NAME not in assignments and PHONE not in assignments


def test_detail_shows_the_requester_as_the_console_does_and_audits_an_unmasked_display(api, world, clock):  # noqa: F811
    ticket = dispatched(world)
    shown = api("operator").get(f"/tickets/{ticket.pk}").json()["requester"]
    assert (shown["name"], shown["phone"], shown["masked"]) == (NAME, PHONE, False)
    assert _pii_views(ticket) == 1
    handler = api("zjj").get(f"/tickets/{ticket.pk}").json()["requester"]
    assert handler["phone"] == PHONE  # the unit handling it calls the requester
    supervisor = api("supervisor").get(f"/tickets/{ticket.pk}").json()["requester"]
    assert supervisor["masked"] and supervisor["name"] == "张*" and supervisor["phone"] == "138****5678"
    assert _pii_views(ticket) == 2  # the masked display is not audited


def test_finished_confidential_and_withdrawn_tickets_hide_what_the_console_hides(api, world, clock):  # noqa: F811
    closed = states.closed(world)
    operator = api("operator").get(f"/tickets/{closed.pk}").json()["requester"]
    assert operator["masked"] and PHONE not in str(operator)
    assert api("callback").get(f"/tickets/{closed.pk}").json()["requester"]["phone"] == PHONE
    confidential = states.confidential(world)
    secret = api("zjj").get(f"/tickets/{confidential.pk}").json()["requester"]
    assert secret["hidden"] and NAME not in str(secret) and PHONE not in str(secret)
    returned = states.returned(world)
    gone = api("zjj").get(f"/tickets/{returned.pk}")
    assert gone.status_code == 200 and gone.json()["requester"]["hidden"]
    assert (
        api("zjj")
        .get(f"/assignments/{returned.assignments.get(unit=world.units['zjj']).pk}")
        .json()["requester"]["hidden"]
    )


# --- cursor pages ------------------------------------------------------------------------------------


def _walk(caller, params, *, during=None):
    seen, url, pages = [], "/tickets", 0
    answer = caller.get(url, params)
    while True:
        assert answer.status_code == 200, answer.content
        page = answer.json()
        seen += [row["id"] for row in page["items"]]
        pages += 1
        if during and pages == 2:
            during()
        if not page["next"]:
            return seen, pages
        assert "cursor=" in page["next"] and page["next"].startswith("http")
        answer = caller.client.get(page["next"], headers=caller.headers)


def test_pages_neither_repeat_nor_skip_while_new_tickets_arrive(api, world, clock):  # noqa: F811
    made = []
    for i in range(23):
        # Three tickets share each moment: the id breaks the tie.
        made.append(register(world, T0 - timedelta(hours=i // 3), category=None).pk)
    caller = api("operator")

    def arrive():
        for _ in range(4):
            assert caller.post("/tickets", register_body()).status_code == 201

    seen, pages = _walk(caller, {"limit": 5}, during=arrive)
    assert len(seen) == len(set(seen)), "a ticket came twice"
    assert set(made) <= set(seen) and pages == 5
    received = list(
        Ticket.objects.filter(pk__in=made).order_by("-received_at", "-pk").values_list("pk", flat=True)
    )
    assert [pk for pk in seen if pk in set(made)] == received


def test_a_filtered_walk_returns_exactly_the_matching_tickets(api, world, clock):  # noqa: F811
    for i in range(9):
        register(world, T0 - timedelta(days=i), category="property" if i % 2 else "neighbour")
    caller = api("operator")
    seen, _ = _walk(caller, {"limit": 2, "category": "9003", "received_from": "2026-05-26"})
    expected = Ticket.objects.filter(category_code="9003", received_at__date__gte="2026-05-26")
    assert sorted(seen) == sorted(expected.values_list("pk", flat=True)) and seen


@pytest.mark.parametrize(
    "params, field",
    [
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
        ({"cursor": "%%%"}, "cursor"),
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"status": "NOPE"}, "status"),
        ({"received_from": "2026-13-01"}, "received_from"),
        ({"received_from": "2026-06-02", "received_to": "2026-06-01"}, "received_from"),
    ],
)
def test_bad_list_parameters_are_422_in_chinese(api, world, params, field):  # noqa: F811
    answer = api("operator").get("/tickets", params)
    assert answer.status_code == 422, answer.content
    assert not answer.json()["message"].isascii()


def test_filters(api, world, clock):  # noqa: F811
    a = dispatched(world)  # property → 住建局
    b = register(world, T0 - timedelta(days=3), category="neighbour", title="噪音扰民")
    caller = api("operator")

    def ids(**params):
        return {row["id"] for row in caller.get("/tickets", params).json()["items"]}

    assert ids(status="dispatched") == {a.pk}
    assert ids(unit=world.units["zjj"].pk) == {a.pk}
    assert ids(grid=a.grid_id) == {a.pk, b.pk}
    assert ids(town=a.town_id) == {a.pk, b.pk}
    assert ids(received_from="2026-06-01") == {a.pk}
    assert ids(received_to="2026-05-31") == {b.pk}
    assert ids(q="噪音") == {b.pk}
    assert ids(number=a.number) == {a.pk}
    assert ids(q=a.number) == {a.pk}


# --- registration from another system ------------------------------------------------------------------


def test_the_upstream_platform_registers_once_per_own_number(api, world, province, clock):  # noqa: F811
    first = province.post("/tickets", register_body(external_id="HN-2026-000123"))
    assert first.status_code == 201, first.content
    ticket = first.json()
    assert ticket["external_source"] == "province-12345" and ticket["external_id"] == "HN-2026-000123"
    assert ticket["status"] == Status.RECEIVED and ticket["requester"]["phone"] == PHONE
    again = province.post("/tickets", register_body(external_id="HN-2026-000123", title="重复推送"))
    assert again.status_code == 200 and again.json()["id"] == ticket["id"]
    assert Ticket.objects.filter(external_id="HN-2026-000123").count() == 1
    assert Event.objects.filter(ticket_id=ticket["id"], action="registered").count() == 1
    for params in ({"external_id": "HN-2026-000123"}, {"q": "HN-2026-000123"}):
        assert [r["id"] for r in api("operator").get("/tickets", params).json()["items"]] == [ticket["id"]]
    # The same number from another source is another ticket; a person's key cannot claim a source.
    refused = api("operator").post("/tickets", register_body(external_id="HN-2026-000123"))
    assert refused.status_code == 422 and "对接系统" in refused.json()["message"]


def test_registration_input_errors_are_422_and_write_nothing(api, world, clock):  # noqa: F811
    before = Ticket.objects.count()
    missing_phone = api("operator").post("/tickets", register_body(requester_phone=""))
    assert missing_phone.status_code == 422 and "联系电话" in missing_phone.json()["message"]
    no_title = api("operator").post("/tickets", {"request_type": "QZ", "content": "x"})
    assert no_title.status_code == 422 and "title" in no_title.json()["message"]
    bad_category = api("operator").post("/tickets", register_body(category=999999))
    assert bad_category.status_code == 422 and "业务分类" in bad_category.json()["message"]
    assert Ticket.objects.count() == before


# --- refusals and concurrency --------------------------------------------------------------------------


def test_a_refusal_is_409_with_the_services_message_and_changes_nothing(api, world, clock):  # noqa: F811
    ticket = dispatched(world)
    answer = api("operator").post(f"/tickets/{ticket.pk}/accept", {})
    assert answer.status_code == 409
    assert answer.json()["code"] == "refused" and "不能受理" in answer.json()["message"]
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_a_write_on_a_stale_version_is_409_and_changes_nothing(api, world, clock):  # noqa: F811
    ticket = dispatched(world)
    stale = api("supervisor").post(
        f"/tickets/{ticket.pk}/supervise", {"note": "请加快", "version": ticket.version - 1}
    )
    assert stale.status_code == 409 and "已被更新" in stale.json()["message"]
    assert not Ticket.objects.get(pk=ticket.pk).is_supervised
    fresh = api("supervisor").post(
        f"/tickets/{ticket.pk}/supervise", {"note": "请加快", "version": ticket.version}
    )
    assert fresh.status_code == 200 and fresh.json()["is_supervised"]
    assert fresh.json()["version"] == ticket.version + 1


# --- a whole life through the API ----------------------------------------------------------------------


def test_a_ticket_goes_from_registration_to_closure_through_the_api(api, world, settings):  # noqa: F811
    settings.CIVICGRID_CATEGORY_VERSION = "test"
    with time_machine.travel(NOW, tick=False) as moment:
        made = api("operator").post("/tickets", register_body())
        assert made.status_code == 201
        pk = made.json()["id"]
        accepted = api("operator").post(
            f"/tickets/{pk}/accept", {"category": world.categories["property"].pk}
        )
        assert accepted.json()["status"] == Status.PENDING_DISPATCH, accepted.content
        dispatched = api("dispatcher").post(
            f"/tickets/{pk}/dispatch", {"version": accepted.json()["version"]}
        )
        assert dispatched.json()["lead_unit"]["name"] == "住建局", dispatched.content
        lead = dispatched.json()["assignments"][0]["id"]
        zjj = api("zjj")
        assert zjj.post(f"/assignments/{lead}/sign").json()["state"] == "in_progress"
        early = zjj.post(f"/assignments/{lead}/reply", {"result_code": "solved", "text": "已修复"})
        assert early.status_code == 409 and "联系诉求人" in early.json()["message"]
        assert (
            zjj.post(f"/assignments/{lead}/contact", {"method": "phone", "note": "已电话沟通"}).status_code
            == 200
        )
        photo = zjj.upload(f"/tickets/{pk}/attachments", kind="evidence")
        assert photo.status_code == 201
        moment.shift(timedelta(hours=1))
        replied = zjj.post(
            f"/assignments/{lead}/reply",
            {"result_code": "solved", "text": "已修复", "evidence": [photo.json()["id"]]},
        )
        assert replied.json()["state"] == "replied", replied.content
        reviewed = api("dispatcher").post(f"/tickets/{pk}/review", {"passed": True})
        assert reviewed.json()["status"] == Status.PENDING_CALLBACK, reviewed.content
        closed = api("callback").post(
            f"/tickets/{pk}/callback",
            {"reached": True, "contacted": True, "solved": "solved", "satisfaction": "satisfied"},
        )
        assert closed.json()["status"] == Status.CLOSED, closed.content
    actions = list(Event.objects.filter(ticket_id=pk).order_by("id").values_list("action", "actor__username"))
    assert ("dispatched", "dispatcher") in actions and ("signed", "zjj") in actions
    assert ("replied", "zjj") in actions and actions[-1][1] == "callback"


def test_extension_and_return_requests_and_their_decisions(api, world, clock):  # noqa: F811
    ticket = dispatched(world)
    lead = lead_of(ticket).pk
    zjj, dispatcher = api("zjj"), api("dispatcher")
    zjj.post(f"/assignments/{lead}/sign")
    asked = zjj.post(f"/assignments/{lead}/extension", {"days": 3, "reason": "需第三方鉴定"})
    assert asked.status_code == 200, asked.content
    pending = dispatcher.get("/extension-requests").json()
    assert [p["unit"]["name"] for p in pending] == ["住建局"]
    assert dispatcher.get(f"/tickets/{ticket.pk}").json()["pending_requests"][0]["days"] == 3
    no_reason = dispatcher.post(f"/extension-requests/{pending[0]['id']}/decision", {"approve": False})
    assert no_reason.status_code == 422 and "理由" in no_reason.json()["message"]
    approved = dispatcher.post(f"/extension-requests/{pending[0]['id']}/decision", {"approve": True})
    assert approved.status_code == 200 and approved.json()["pending_requests"] == []
    twice = dispatcher.post(f"/extension-requests/{pending[0]['id']}/decision", {"approve": True})
    assert twice.status_code == 409 and "审核过" in twice.json()["message"]
    back = zjj.post(
        f"/assignments/{lead}/return",
        {"reason": "不属本局职责", "legal_basis": "三定方案", "suggested_unit": world.units["sc"].pk},
    )
    assert back.json()["state"] == "return_requested", back.content
    request = dispatcher.get("/return-requests").json()[0]
    assert request["suggested_unit"]["name"] == "市场监管局"
    moved = dispatcher.post(
        f"/return-requests/{request['id']}/decision",
        {"approve": True, "note": "改派", "redispatch_to": world.units["sc"].pk},
    )
    assert moved.json()["lead_unit"]["name"] == "市场监管局", moved.content


def test_merge_supervise_and_escalate(api, world, clock):  # noqa: F811
    master = dispatched(world)
    duplicate = register(world, T0, category=None)
    merged = api("operator").post(
        f"/tickets/{duplicate.pk}/merge", {"master": master.number, "reason": "同一路灯"}
    )
    assert merged.json()["status"] == Status.MERGED and merged.json()["merged_into"] == master.number
    whistle = api("supervisor").post(
        f"/tickets/{master.pk}/escalate", {"note": "需执法配合", "whistle_units": [world.units["zf"].pk]}
    )
    assert whistle.status_code == 200, whistle.content
    assert "综合执法局" in {a["unit"]["name"] for a in whistle.json()["assignments"]}
    not_department = api("supervisor").post(
        f"/tickets/{master.pk}/escalate", {"note": "x", "whistle_units": [world.units["town"].pk]}
    )
    assert not_department.status_code == 422


# --- hostile input -------------------------------------------------------------------------------------


def test_hostile_input_is_a_chinese_422_or_404_never_a_500(api, world, clock):  # noqa: F811
    ticket = dispatched(world)
    caller = api("admin")
    huge = 2**70
    answers = [
        caller.post("/tickets", register_body(title="路灯\x00不亮")),
        caller.get("/tickets", {"received_to": "9999-12-31"}),
        caller.get("/tickets", {"unit": huge}),
        caller.post(f"/tickets/{ticket.pk}/dispatch", {"lead": huge, "reason": "x"}),
        caller.post(f"/tickets/{ticket.pk}/escalate", {"note": "x", "whistle_units": [huge]}),
    ]
    for answer in answers:
        assert answer.status_code == 422, answer.content
        assert not answer.json()["message"].isascii()
    # A NUL in the query string is turned away by the site's middleware before the API sees it.
    assert caller.get("/tickets", {"q": "a\x00b"}).status_code == 400
    for path in (f"/tickets/{huge}", f"/assignments/{huge}", f"/attachments/{huge}"):
        assert caller.get(path).status_code == 404, path
