"""The API's reference, rates, hotspot, notification, party and engagement endpoints: each refuses the roles
its console page refuses (a Chinese 403), and answers the others within the same scope and masking."""

import pytest
import time_machine

from civicgrid.engagement.services.wishes import wish_collect
from civicgrid.integrations.tokens import issue_token
from civicgrid.notify.models import Notification
from civicgrid.registry.models import AdminArea, Role
from tests.assessment.factories import make_rated
from tests.party.factories import member, org
from tests.tickets.conftest import _staff, local
from tests.tickets.conftest import world as tickets_world

pytestmark = pytest.mark.django_db
world = tickets_world  # the shared small jurisdiction
R = Role
T0 = local(2026, 6, 10, 9, 0)
EVERYONE = tuple(code for code, _ in Role.SEED)
DASHBOARD = (R.LEADER, R.SUPERVISOR, R.ADMINISTRATOR)
GRID = (R.GRID_WORKER, R.GRID_LEADER)
HOTSPOTS = (R.SUPERVISOR, R.LEADER, R.DISPATCHER, R.ADMINISTRATOR)
ORG = (R.ORGANISATION_STAFF, R.ADMINISTRATOR)
WORKER = (R.GRID_WORKER, R.GRID_LEADER, R.ORGANISATION_STAFF, R.ADMINISTRATOR)
VOL = (R.GRID_WORKER, R.GRID_LEADER, R.ORGANISATION_STAFF, R.PARTY_SECRETARY, R.ADMINISTRATOR)
LEDGER = (
    *(R.ORGANISATION_STAFF, R.SUPERVISOR, R.DISPATCHER, R.LEADER, R.ADMINISTRATOR),
    *(R.UNIT_HANDLER, R.GRID_LEADER, R.GRID_WORKER, R.PARTY_SECRETARY),
)
# (path, roles that may call it, the status those roles get)
ENDPOINTS = [
    ("/api/v1/reference/categories", EVERYONE, 200),
    ("/api/v1/reference/units", EVERYONE, 200),
    ("/api/v1/reference/grids", EVERYONE, 200),
    ("/api/v1/rates?by=grid", DASHBOARD + GRID, 200),
    ("/api/v1/rates?by=unit", DASHBOARD, 200),
    ("/api/v1/hotspots", HOTSPOTS, 200),
    ("/api/v1/hotspots/detail?key=none", HOTSPOTS, 404),
    ("/api/v1/hotspots/alerts", HOTSPOTS, 200),
    ("/api/v1/notifications", EVERYONE, 200),
    ("/api/v1/party/orgs", ORG, 200),
    ("/api/v1/party/orgs/999999", ORG, 404),
    ("/api/v1/party/members", ORG, 200),
    ("/api/v1/party/members/999999", ORG, 404),
    ("/api/v1/engagement/wishes", WORKER, 200),
    ("/api/v1/engagement/wishes/999999", WORKER, 404),
    ("/api/v1/engagement/pairings", WORKER, 200),
    ("/api/v1/engagement/volunteering/activities", VOL, 200),
    ("/api/v1/engagement/volunteering/activities/999999", VOL, 404),
    ("/api/v1/engagement/volunteering/records", VOL, 200),
    ("/api/v1/engagement/ledgers/items", LEDGER, 200),
    ("/api/v1/engagement/ledgers/items/999999", LEDGER, 404),
]
# One account per role (the tickets' test world plus the party roles).
USERS = {
    R.OPERATOR: "operator",
    R.DISPATCHER: "dispatcher",
    R.CALLBACK_AGENT: "callback",
    R.SUPERVISOR: "supervisor",
    R.LEADER: "leader",
    R.UNIT_HANDLER: "zjj",
    R.GRID_WORKER: "worker1",
    R.GRID_LEADER: "community",
    R.ORGANISATION_STAFF: "orgstaff",
    R.PARTY_SECRETARY: "partysec",
    R.ADMINISTRATOR: "admin",
}


@pytest.fixture
def keys(world):
    for username, code in (("orgstaff", R.ORGANISATION_STAFF), ("partysec", R.PARTY_SECRETARY)):
        world.users[username], _ = _staff(username, [code], [world.units["town"]])
    found = {}
    for username in [*USERS.values(), "zf", "nostaff"]:
        if username == "nostaff":
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.create_user(username="nostaff", password="x-long-password-1")
            world.users["nostaff"] = user
        user = world.user(username)
        found[username] = issue_token(actor=user, owner=user, name="测试")[1]
    return found


def call(client, key, url, method="get", **data):
    kwargs = {"content_type": "application/json", "data": data} if method == "post" else {}
    return getattr(client, method)(url, headers={"Authorization": f"Bearer {key}"}, **kwargs)


@time_machine.travel(T0, tick=False)
def test_every_endpoint_refuses_the_roles_its_console_page_refuses(client, world, keys):
    checked = 0
    for url, allowed, status in ENDPOINTS:
        for role, username in USERS.items():
            answer = call(client, keys[username], url)
            codes = set(world.user(username).staff.roles.values_list("code", flat=True))
            expected = status if (codes & set(allowed) or username == "admin") else 403
            assert answer.status_code == expected, (
                f"{url} by {role}: {answer.status_code} {answer.content[:200]}"
            )
            body = answer.json()
            if expected >= 400:
                assert set(body) >= {"code", "message"} and not body["message"].isascii(), body
            checked += 1
        refused = call(client, keys["nostaff"], url)
        assert refused.status_code == 403 and "工作人员" in refused.json()["message"]
    assert checked == len(ENDPOINTS) * len(USERS)


def test_the_category_tree_nests_children(client, world, keys):
    tree = call(client, keys["zjj"], "/api/v1/reference/categories?version=test").json()
    assert [node["code"] for node in tree] == ["90"]
    assert [child["name"] for child in tree[0]["children"]] == [
        "邻里纠纷",
        "违章建筑",
        "物业管理",
        "施工噪音",
    ]


def test_units_and_grids_are_those_of_the_ticket_search(client, world, keys):
    mine = call(client, keys["zjj"], "/api/v1/reference/units").json()
    assert [u["name"] for u in mine] == ["住建局"]
    every = {u["code"] for u in call(client, keys["dispatcher"], "/api/v1/reference/units").json()}
    assert {"ZJJ", "ZF", "T1", "G1"} <= every and "12345" not in every
    grids = call(client, keys["dispatcher"], "/api/v1/reference/grids").json()
    assert grids["type"] == "FeatureCollection" and len(grids["features"]) == 2
    assert grids["features"][0]["geometry"]["type"] == "Polygon"
    own = call(client, keys["worker1"], "/api/v1/reference/grids").json()["features"]
    assert [f["properties"]["code"] for f in own] == [world.grids[0].code]
    assert call(client, keys["zjj"], "/api/v1/reference/grids").json()["features"] == []
    one = call(client, keys["worker1"], f"/api/v1/reference/grids/{world.grids[0].code}")
    assert one.status_code == 200 and one.json()["properties"]["name"] == "银海第1网格"
    assert call(client, keys["worker1"], f"/api/v1/reference/grids/{world.grids[1].code}").status_code == 404


@time_machine.travel(T0, tick=False)
def test_rates_are_scoped_and_their_parameters_checked_in_chinese(client, world, keys):
    make_rated(world.units["zjj"], local(2026, 6, 3, 10), grid=world.grids[0])
    make_rated(world.units["zf"], local(2026, 6, 4, 10), grid=world.grids[1], solved="unsolved")
    make_rated(world.units["grid1"], local(2026, 6, 5, 10), grid=world.grids[0])
    league = call(client, keys["leader"], "/api/v1/rates").json()
    assert league["period"] == {"from": "2026-06-01", "to": "2026-06-10", "preset": "month"}
    assert {row["label"] for row in league["rows"]} == {"住建局", "综合执法局", "银海第1网格工作组"}
    assert league["total"]["rated"] == 3 and league["total"]["solved"] == 2
    # A grid worker sees the rates of his grid team's tickets only (as on 我的网格).
    grids = call(client, keys["worker1"], "/api/v1/rates?by=grid").json()
    assert [row["label"] for row in grids["rows"]] == ["银海第1网格"] and grids["total"]["rated"] == 1
    custom = call(client, keys["leader"], "/api/v1/rates?from=2026-06-04&to=2026-06-04").json()
    assert custom["period"]["preset"] == "custom" and [r["label"] for r in custom["rows"]] == ["综合执法局"]
    for query, words in (
        ("period=year", "period 只能是"),
        ("by=street", "by 只能是"),
        ("period=custom&from=2026-06-04", "同时填写"),
        ("from=2026-13-01&to=2026-06-01", "起始日期格式不正确"),
        ("from=2026-06-05&to=2026-06-01", "不能晚于"),
        ("from=2020-01-01&to=2026-06-01", "最长"),
    ):
        answer = call(client, keys["leader"], f"/api/v1/rates?{query}")
        assert answer.status_code == 422 and words in answer.json()["message"], query
    refused = call(client, keys["worker1"], "/api/v1/rates?by=unit")
    assert refused.status_code == 403 and "按网格" in refused.json()["message"]


def test_notifications_are_ones_own_and_marked_read_through_the_service(client, world, keys):
    me, other = world.user("zjj"), world.user("zf")
    mine = [
        Notification.objects.create(recipient=me, kind="assigned", title=f"新工单{i}", created_at=T0)
        for i in range(3)
    ]
    theirs = Notification.objects.create(recipient=other, kind="assigned", title="别人的", created_at=T0)
    listed = call(client, keys["zjj"], "/api/v1/notifications?size=2").json()
    assert listed["count"] == 3 and listed["pages"] == 2 and len(listed["items"]) == 2
    assert all(item["title"].startswith("新工单") for item in listed["items"])
    done = call(client, keys["zjj"], "/api/v1/notifications/read", "post", ids=[mine[0].pk, theirs.pk]).json()
    assert done == {"marked": 1, "unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert call(client, keys["zjj"], "/api/v1/notifications/read", "post", all=True).json()["unread"] == 0
    assert call(client, keys["zjj"], "/api/v1/notifications").json()["count"] == 0
    assert call(client, keys["zjj"], "/api/v1/notifications?show=all").json()["count"] == 3
    bad = call(client, keys["zjj"], "/api/v1/notifications?size=1000")
    assert bad.status_code == 422 and "size" in bad.json()["message"]


def test_party_members_are_scoped_and_masked_as_on_the_register(client, world, keys):
    town = AdminArea.objects.get(code="469002100")
    other_town = AdminArea.objects.create(code="469002101", name="博鳌镇", level="town", parent=town.parent)
    here = org("O1", town, name="嘉积镇党委", kind="committee")
    there = org("O2", other_town, name="博鳌镇党委", kind="committee")
    ours = member(here, name="王小明", phone="13912345678")
    member(there, name="李四海")
    staffed = call(client, keys["orgstaff"], "/api/v1/party/members").json()
    assert [m["name"] for m in staffed["items"]] == ["王小明"] and not staffed["items"][0]["masked"]
    assert "13912345678" not in str(staffed) and "*" in staffed["items"][0]["id_masked"]
    everyone = call(client, keys["admin"], "/api/v1/party/members").json()
    assert {m["name"] for m in everyone["items"]} == {"王小明", "李四海"}
    assert [o["name"] for o in call(client, keys["orgstaff"], "/api/v1/party/orgs").json()["items"]] == [
        "嘉积镇党委"
    ]
    assert call(client, keys["orgstaff"], f"/api/v1/party/orgs/{there.pk}").status_code == 404
    detail = call(client, keys["orgstaff"], f"/api/v1/party/orgs/{here.pk}").json()
    assert detail["members"] == 1 and detail["manages"] is True
    assert call(client, keys["orgstaff"], f"/api/v1/party/members/{ours.pk}").json()["name"] == "王小明"
    hidden = [m for m in everyone["items"] if m["name"] == "李四海"][0]["id"]
    assert call(client, keys["orgstaff"], f"/api/v1/party/members/{hidden}").status_code == 404


def test_wishes_show_residents_masked_within_the_callers_communities(client, world, keys):
    community = AdminArea.objects.get(code="469002100001")
    wish = wish_collect(
        actor=world.user("admin"),
        community=community,
        source="grid",
        title="轮椅一台",
        resident_name="赵大妈",
        resident_phone="13700001111",
        at=T0,
    )
    listed = call(client, keys["community"], "/api/v1/engagement/wishes").json()
    assert listed["count"] == 1
    row = listed["items"][0]
    assert row["title"] == "轮椅一台" and row["resident"] != "赵大妈" and "1111" in row["phone"]
    assert "13700001111" not in str(listed) and "赵大妈" not in str(listed)
    assert call(client, keys["community"], f"/api/v1/engagement/wishes/{wish.pk}").json()["id"] == wish.pk
    # The 组织部 staff of the town see it too (the town's area covers the community); nobody outside does.
    assert call(client, keys["orgstaff"], "/api/v1/engagement/wishes").json()["count"] == 1
    assert call(client, keys["worker1"], "/api/v1/engagement/wishes").json()["count"] == 0
    assert call(client, keys["worker1"], f"/api/v1/engagement/wishes/{wish.pk}").status_code == 404


def test_pages_past_the_end_are_empty_and_bad_pages_refused(client, world, keys):
    answer = call(client, keys["admin"], "/api/v1/engagement/ledgers/items?page=9")
    assert answer.status_code == 200 and answer.json() == {"count": 0, "page": 9, "pages": 0, "items": []}
    bad = call(client, keys["admin"], "/api/v1/engagement/ledgers/items?page=0")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
