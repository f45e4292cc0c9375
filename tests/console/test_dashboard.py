from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from civicgrid.assessment.dashboard import category_mix, overdue_open, received_per_day
from civicgrid.assessment.models import AssessmentScheme
from civicgrid.core.actors import SYSTEM
from civicgrid.tickets import services
from civicgrid.tickets.models import Ticket
from tests.tickets.conftest import local
from tests.tickets.helpers import handle_to_reply, register

T0 = local(2026, 6, 1, 9, 0)  # a Monday
NOW = local(2026, 6, 20, 12, 0)


@pytest.fixture(autouse=True)
def _june(world):
    with time_machine.travel(NOW, tick=False):
        yield


def close_with_callback(world, ticket, at, handler, **answers):
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=at)
    handle_to_reply(world, ticket, at + timedelta(hours=2), handler)
    services.reply_review(
        ticket=ticket, actor=world.user("dispatcher"), passed=True, at=at + timedelta(hours=3)
    )
    fields = dict(reached=True, contacted=True, solved="solved", satisfaction="satisfied")
    fields.update(answers)
    services.callback_record(
        ticket=ticket, actor=world.user("callback"), at=at + timedelta(hours=4), **fields
    )


@pytest.fixture
def june(world):
    """A month of a small city's work, built through the services."""
    close_with_callback(world, register(world, T0), T0, "worker1")
    close_with_callback(world, register(world, T0 + timedelta(days=1)), T0 + timedelta(days=1), "worker1")
    close_with_callback(
        world,
        register(world, T0 + timedelta(days=2), category="property"),
        T0 + timedelta(days=2),
        "zjj",
        solved="unsolved",
        satisfaction="unsatisfied",
    )
    open_ticket = register(world, T0 + timedelta(days=3), category="noise")
    services.ticket_dispatch(ticket=open_ticket, actor=world.user("dispatcher"), at=T0 + timedelta(days=3))
    Ticket.objects.filter(pk=open_ticket.pk).update(warning_level="overdue")  # as the scanner marks it
    register(world, T0 + timedelta(days=3), category=None)  # not yet categorised
    register(world, local(2026, 5, 20, 9), category="noise")  # last month


def data(client, **params):
    response = client.get(reverse("console:dashboard_data"), params)
    assert response.status_code == 200
    return response.json()


class TestPage:
    def test_the_leader_sees_the_league_table_with_praise_and_naming(self, client, world, june):
        client.force_login(world.user("leader"))
        response = client.get(reverse("console:dashboard"))
        body = response.content.decode()
        assert response.status_code == 200
        assert "2026-06-01 至 2026-06-20" in body
        for heading in (
            "表扬",
            "点名",
            "排名",
            "参评",
            "响应率",
            "解决率",
            "满意率",
            "综合",
            "按时办结率",
            "退单",
            "超期",
            "督办",
        ):
            assert heading in body, heading
        assert "银海第1网格工作组" in body and "住建局" in body
        assert reverse("console:dashboard_data") in body
        assert "echarts.min.js" in body and "registerMap" in body

    def test_units_are_ranked_by_kind_and_too_little_evidence_is_said(self, client, world, june):
        client.force_login(world.user("leader"))
        context = client.get(reverse("console:dashboard")).context
        tables = {table["code"]: table for table in context["tables"]}
        assert list(tables) == ["department", "grid_team"]
        zjj = next(row for row in tables["department"]["rows"] if row["label"] == "住建局")
        [team] = tables["grid_team"]["rows"]
        assert team["label"] == "银海第1网格工作组" and team["rank"] is None
        assert team["verdict"] == "参评 2 件，证据不足，暂不排名"
        assert zjj["verdict"] == "参评 1 件，证据不足，暂不排名"
        assert tables["department"]["best"] == [] and tables["grid_team"]["bottom"] == []
        assert context["overdue_now"] == 1
        assert context["received_all"] == 5 and context["total"]["received"] == 4  # one not dispatched yet
        assert context["outside_note"] == "受理量 5 件中，另有 1 件（尚未派单 1 件）未计入单位排名。"
        body = client.get(reverse("console:dashboard")).content.decode()
        assert "未计入单位排名" in body and "参评工单中在规定时限内联系了诉求人的件数 ÷ 参评工单数" in body

    def test_with_the_minimum_met_the_units_are_ranked_and_placed_from_the_first(self, client, world, june):
        AssessmentScheme.objects.update(naming_min_rated=1)
        client.force_login(world.user("leader"))
        page = client.get(reverse("console:dashboard"))
        tables = {table["code"]: table for table in page.context["tables"]}
        assert tables["grid_team"]["rows"][0]["rank"] == 1 and tables["department"]["rows"][0]["rank"] == 1
        assert tables["department"]["rows"][0]["label"] == "住建局"
        assert tables["department"]["rows"][0]["verdict"] == "与全市平均无显著差异"
        assert "参评少于 1 件的单位不排名" in page.content.decode()

    def test_every_name_and_count_opens_its_tickets_for_the_period(self, client, world, june):
        client.force_login(world.user("leader"))
        body = client.get(reverse("console:dashboard")).content.decode()
        team = world.units["grid1"].pk
        period = "from=2026-06-01&amp;to=2026-06-20"
        for on in ("received", "rated", "closed"):
            assert f"/console/tickets/?on={on}&amp;{period}&amp;unit={team}" in body
        grid = client.get(reverse("console:dashboard"), {"by": "grid"}).content.decode()
        assert f"/console/tickets/?on=rated&amp;{period}&amp;grid={world.grids[0].pk}" in grid

    def test_comparisons_with_last_month(self, client, world, june):
        close_with_callback(world, register(world, local(2026, 5, 4, 9)), local(2026, 5, 4, 9), "worker1")
        client.force_login(world.user("leader"))
        page = client.get(reverse("console:dashboard"))
        assert page.context["previous_label"] == "2026-05-01 至 2026-05-20"
        assert page.context["last_year_label"] == "2025-06-01 至 2025-06-20"
        [team] = {t["code"]: t for t in page.context["tables"]}["grid_team"]["rows"]
        # 100 in May (one ticket, all good); 100 in June too: no change
        assert team["prev"] == "持平" and team["last_year"] == "—"

    def test_grouping_by_grid(self, client, world, june):
        client.force_login(world.user("supervisor"))
        body = client.get(reverse("console:dashboard"), {"by": "grid"}).content.decode()
        assert "银海第1网格" in body and "按网格" in body

    def test_presets_and_a_custom_period(self, client, world, june):
        client.force_login(world.user("leader"))
        page = client.get(reverse("console:dashboard"), {"period": "last_month"})
        assert "2026-05-01 至 2026-05-31" in page.content.decode()
        page = client.get(reverse("console:dashboard"), {"period": "90d"})
        assert "2026-03-23 至 2026-06-20" in page.content.decode()
        page = client.get(reverse("console:dashboard"), {"from": "2026-06-02", "to": "2026-06-03"})
        assert "2026-06-02 至 2026-06-03" in page.content.decode()

    def test_a_bad_custom_period_falls_back_to_this_month_with_a_message(self, client, world):
        client.force_login(world.user("leader"))
        body = client.get(
            reverse("console:dashboard"), {"period": "custom", "from": "2026-06-10", "to": "2026-06-01"}
        ).content.decode()
        assert "开始日期不能晚于结束日期" in body and "2026-06-01 至 2026-06-20" in body

    def test_an_empty_period_renders(self, client, world):
        client.force_login(world.user("leader"))
        body = client.get(reverse("console:dashboard")).content.decode()
        assert "本期暂无数据" in body and "暂不点名" in body


class TestData:
    def test_the_series_for_the_charts(self, client, world, june):
        client.force_login(world.user("leader"))
        payload = data(client)
        assert payload["period"] == {
            "from": "2026-06-01",
            "to": "2026-06-20",
            "preset": "month",
            "label": "2026-06-01 至 2026-06-20",
            "error": "",
        }
        assert len(payload["trend"]["days"]) == 20 and payload["trend"]["days"][0] == "2026-06-01"
        assert payload["trend"]["received"][:5] == [1, 1, 1, 2, 0]
        assert payload["categories"] == [{"name": "测试大类", "value": 4}, {"name": "未分类", "value": 1}]
        assert payload["overdue_now"] == 1
        assert payload["totals"]["rated"] == 3 and payload["totals"]["received_all"] == 5
        assert [row["label"] for row in payload["league"]][:2] == ["银海第1网格工作组", "住建局"]
        grids = payload["grids"]
        assert [f["properties"] for f in grids["geojson"]["features"]] == [
            {"code": "469002100001001", "name": "银海第1网格", "pk": world.grids[0].pk},
            {"code": "469002100001002", "name": "银海第2网格", "pk": world.grids[1].pk},
        ]
        assert payload["drill"] == {"url": "/console/tickets/", "from": "2026-06-01", "to": "2026-06-20"}
        first = grids["items"][0]
        assert (first["received"], first["rated"], first["satisfaction_rate"]) == (5, 3, pytest.approx(2 / 3))
        assert grids["items"][1] == {
            "pk": world.grids[1].pk,
            "code": "469002100001002",
            "name": "银海第2网格",
            "received": 0,
            "rated": 0,
            "satisfaction_rate": None,
        }

    def test_empty_series_are_empty_lists_not_errors(self, client, world):
        client.force_login(world.user("leader"))
        payload = data(client, period="last_month")
        assert payload["categories"] == [] and payload["league"] == []
        assert set(payload["trend"]["received"]) == {0} and len(payload["trend"]["days"]) == 31
        assert all(item["satisfaction_rate"] is None for item in payload["grids"]["items"])

    def test_no_personal_data_in_the_payload(self, client, world, june):
        client.force_login(world.user("leader"))
        text = client.get(reverse("console:dashboard_data")).content.decode()
        assert "张三" not in text and "13812345678" not in text and "漏水" not in text


class TestAccess:
    @pytest.mark.parametrize("name", ["leader", "supervisor", "admin"])
    def test_leaders_supervisors_and_administrators_may_open_it(self, client, world, name):
        client.force_login(world.user(name))
        assert client.get(reverse("console:dashboard")).status_code == 200
        assert client.get(reverse("console:dashboard_data")).status_code == 200

    @pytest.mark.parametrize("name", ["zjj", "worker1", "dispatcher", "operator", "callback"])
    def test_other_staff_are_refused(self, client, world, name):
        client.force_login(world.user(name))
        assert client.get(reverse("console:dashboard")).status_code == 403
        assert client.get(reverse("console:dashboard_data")).status_code == 403

    def test_anonymous_visitors_are_sent_to_the_login(self, client, db):
        for url in (reverse("console:dashboard"), reverse("console:dashboard_data")):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


class TestAggregates:
    def test_days_without_tickets_count_zero_and_local_midnight_is_respected(self, world):
        register(world, local(2026, 6, 2, 0, 30), category=None)  # 16:30 UTC the day before
        series = received_per_day(user=SYSTEM, date_from=date(2026, 6, 1), date_to=date(2026, 6, 3))
        assert series == [(date(2026, 6, 1), 0), (date(2026, 6, 2), 1), (date(2026, 6, 3), 0)]

    def test_category_mix_and_overdue_are_scoped_to_the_users_units(self, world, june):
        june_days = dict(date_from=date(2026, 6, 1), date_to=date(2026, 6, 30))
        assert category_mix(user=world.user("zjj"), **june_days) == [("测试大类", 1)]
        assert overdue_open(user=world.user("zjj")) == 0
        assert overdue_open(user=world.user("zf")) == 1
