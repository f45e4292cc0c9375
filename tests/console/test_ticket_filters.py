"""The ticket search's filters (the contract the dashboard links to): the list's count equals the league
table's 受理 / 参评 / 办结 cell for the same row and period; the export writes the filters; bad values
are ignored with a note."""

import io
from datetime import date

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from civicgrid.assessment.selectors import three_rates
from civicgrid.registry.models import Role
from civicgrid.tickets.models import Ticket
from tests.assessment.factories import local, make_assignment, make_rated, make_staff, make_ticket, make_user

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
CELL = {"received": "received", "rated": "rated", "closed": "closed"}


@pytest.fixture(autouse=True)
def _april():
    with time_machine.travel(local(2026, 4, 10, 12), tick=False):
        yield


@pytest.fixture
def march(place):
    """Tickets around March for two units, two grids and two towns: edges of the period, a ticket rated
    for another unit than its lead, one excluded from rating, closed ones."""
    u, g, t = place.units, place.grids, place.towns
    yinhai = {"grid": g.yinhai, "town": t.jiaji}
    binhai = {"grid": g.binhai, "town": t.boao}
    make_ticket(received_at=local(2026, 3, 1, 0, 0), lead_unit=u.housing, category_code="0101", **yinhai)
    make_ticket(received_at=local(2026, 3, 31, 23, 30), lead_unit=u.housing, **binhai)
    make_ticket(received_at=local(2026, 2, 28, 23, 59), lead_unit=u.housing, **yinhai)  # before
    make_ticket(received_at=local(2026, 4, 1, 0, 0), lead_unit=u.environment, **yinhai)  # after
    make_ticket(
        received_at=local(2026, 3, 5, 9),
        closed_at=local(2026, 3, 9, 9),
        lead_unit=u.environment,
        channel="web",
        category_code="0202",
        **binhai,
    )
    make_ticket(
        received_at=local(2026, 2, 20, 9), closed_at=local(2026, 3, 2, 9), lead_unit=u.housing, **yinhai
    )
    make_rated(u.housing, local(2026, 3, 10, 10), **yinhai)
    make_rated(u.housing, local(2026, 3, 31, 23, 30), received_at=local(2026, 2, 1, 9), **binhai)
    # Led by housing, rated for environment (the unit that answered last).
    make_rated(u.environment, local(2026, 3, 12, 10), lead_unit=u.housing, **yinhai)
    make_rated(u.environment, local(2026, 3, 13, 10), excluded_from_rating=True, **binhai)
    make_rated(u.environment, local(2026, 4, 1, 0, 1), **binhai)  # rated after the period
    return place


def _count(client, **params) -> int:
    response = client.get(reverse("console:tickets"), params)
    assert response.status_code == 200
    return response.context["page"].paginator.count


@pytest.mark.parametrize("by", ["unit", "grid", "town"])
@pytest.mark.parametrize("on", ["received", "rated", "closed"])
def test_the_count_equals_the_league_tables_cell(client, march, by, on):
    leader = make_staff("leader", [Role.LEADER])
    client.force_login(leader)
    rows = three_rates(user=leader, date_from=MARCH[0], date_to=MARCH[1], by=by)
    assert rows
    for row in rows:
        count = _count(client, **{"from": "2026-03-01", "to": "2026-03-31", "on": on, by: row.key})
        assert count == getattr(row, CELL[on]), (by, on, row.label)


def test_the_count_equals_the_cell_for_a_unit_that_sees_only_its_own(client, march):
    housing = march.units.housing
    for ticket in Ticket.objects.filter(lead_unit=housing):
        make_assignment(ticket, housing, ticket.received_at)
    handler = make_staff("zjj", [Role.UNIT_HANDLER], [housing])
    client.force_login(handler)
    (row,) = three_rates(user=handler, date_from=MARCH[0], date_to=MARCH[1], by="unit")
    assert row.key == housing.pk
    for on in ("received", "closed"):
        assert _count(
            client, **{"from": "2026-03-01", "to": "2026-03-31", "on": on, "unit": housing.pk}
        ) == getattr(row, CELL[on])
    # Another unit's figures stay out of reach: the filter applies on top of the scope.
    assert _count(client, unit=march.units.environment.pk) == 0


def test_the_form_keeps_the_chosen_unit_grid_and_town(client, march):
    client.force_login(make_user("root", superuser=True))
    u, g, t = march.units.housing, march.grids.binhai, march.towns.boao
    html = client.get(reverse("console:tickets"), {"unit": u.pk, "grid": g.pk, "town": t.pk}).content.decode()
    for value, name in ((u.pk, u.name), (g.pk, g.name), (t.pk, t.name)):
        assert f'<option value="{value}" selected>{name}</option>' in html
    assert html.count(" selected>") == 3 + 1  # and the 统计口径 select's default


def test_category_channel_status_and_warning(client, march):
    client.force_login(make_user("root", superuser=True))
    assert _count(client, category="01") == 1
    assert _count(client, category="0202") == 1
    assert _count(client, channel="web") == 1
    assert _count(client, status="CLOSED") == 5
    Ticket.objects.filter(channel="web").update(warning_level="red")
    assert _count(client, warning="red") == 1


@pytest.mark.parametrize(
    "params, note",
    [
        ({"from": "2026-13-01"}, "起始日期「2026-13-01」不是有效日期"),
        ({"from": "2026-03-31", "to": "2026-03-01"}, "起始日期晚于截止日期"),
        ({"unit": "abc"}, "单位条件无效"),
        ({"unit": "999999"}, "单位条件无效"),
        ({"grid": "-1"}, "网格条件无效"),
        ({"town": "1e9"}, "乡镇/街道条件无效"),
        ({"on": "whenever"}, "统计口径条件无效"),
        ({"category": "01'; drop"}, "诉求分类条件无效"),
        ({"channel": "pigeon"}, "来源渠道条件无效"),
        ({"status": "LOST"}, "状态条件无效"),
        ({"warning": "purple"}, "预警条件无效"),
    ],
)
def test_bad_values_are_ignored_with_a_note(client, march, params, note):
    client.force_login(make_user("root", superuser=True))
    response = client.get(reverse("console:tickets"), params)
    assert response.status_code == 200
    assert note in response.content.decode()
    assert response.context["page"].paginator.count == Ticket.objects.count()
    assert client.get(reverse("console:tickets_export"), params).status_code == 200


def test_the_active_filters_in_words_with_a_way_out(client, march):
    client.force_login(make_user("root", superuser=True))
    body = client.get(
        reverse("console:tickets"),
        {
            "from": "2026-03-01",
            "to": "2026-03-31",
            "on": "rated",
            "town": march.towns.jiaji.pk,
            "category": "01",
        },
    ).content.decode()
    assert "参评时间：2026-03-01 至 2026-03-31" in body
    assert "乡镇/街道：嘉积镇" in body
    assert "诉求分类：城乡建设（01）" in body
    assert f'href="{reverse("console:tickets")}">清除筛选</a>' in body


def test_pagination_keeps_the_filters(client, march, monkeypatch):
    from civicgrid.console.views import common

    monkeypatch.setattr(common, "PAGE_SIZE", 1)
    client.force_login(make_user("root", superuser=True))
    body = client.get(
        reverse("console:tickets"), {"unit": march.units.housing.pk, "on": "rated"}
    ).content.decode()
    assert f"?unit={march.units.housing.pk}&amp;on=rated&amp;page=2" in body


def test_a_keyword_search_counts_up_to_the_cap(client, db, monkeypatch):
    """Counting every match of a common word among millions of tickets reads them all: a keyword search
    stops counting at the cap and says so; below it the count is exact."""
    from civicgrid.console.views import common

    for day in range(1, 5):
        make_ticket(received_at=local(2026, 3, day, 9), title=f"路面积水{day}")
    make_ticket(received_at=local(2026, 3, 5, 9), title="路灯不亮")
    monkeypatch.setattr(common, "PAGE_SIZE", 1)
    client.force_login(make_user("root", superuser=True))
    monkeypatch.setattr(common, "SEARCH_COUNT_CAP", 2)
    response = client.get(reverse("console:tickets"), {"q": "积水"})
    assert response.context["page"].paginator.capped
    assert "共 2 条以上，可增加条件缩小范围" in response.content.decode()
    assert response.context["page"].object_list[0].title == "路面积水4"  # newest first, as without the cap
    monkeypatch.setattr(common, "SEARCH_COUNT_CAP", 10)
    response = client.get(reverse("console:tickets"), {"q": "积水"})
    assert not response.context["page"].paginator.capped
    assert "共 4 条" in response.content.decode()


def test_the_choices_are_what_the_user_may_see(client, march):
    housing = march.units.housing
    ticket = Ticket.objects.filter(lead_unit=housing, grid=march.grids.yinhai).first()
    make_assignment(ticket, housing, ticket.received_at)
    client.force_login(make_staff("zjj", [Role.UNIT_HANDLER], [housing]))
    context = client.get(reverse("console:tickets")).context
    assert context["unit_groups"] == [("职能部门", [(housing.pk, "住房和城乡建设局")])]
    assert context["grids"] == [(march.grids.yinhai.pk, "银海第一网格")]
    assert context["towns"] == [(march.towns.jiaji.pk, "嘉积镇")]


def test_the_centre_chooses_among_every_unit_grouped_by_kind(client, march):
    client.force_login(make_staff("leader", [Role.LEADER]))
    body = client.get(reverse("console:tickets")).content.decode()
    assert '<optgroup label="职能部门">' in body
    assert "滨海第一网格" in body and "博鳌镇" in body


def test_the_export_uses_the_filters_and_writes_them_in_its_title_rows(client, march):
    client.force_login(make_staff("leader", [Role.LEADER]))
    params = {"from": "2026-03-01", "to": "2026-03-31", "on": "closed", "unit": march.units.housing.pk}
    response = client.get(reverse("console:tickets_export"), params)
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert "办结时间：2026-03-01 至 2026-03-31" in ws["A2"].value
    assert "主办单位：住房和城乡建设局" in ws["A2"].value
    numbers = [
        ws.cell(row, 1).value
        for row in range(4, ws.max_row + 1)
        if str(ws.cell(row, 1).value).startswith("T")
    ]
    expected = three_rates(user=make_user("x", superuser=True), date_from=MARCH[0], date_to=MARCH[1])
    housing = next(row for row in expected if row.key == march.units.housing.pk)
    assert len(numbers) == housing.closed


def test_a_whole_ticket_number_finds_that_ticket(client, world):
    from django.urls import reverse

    from tests.tickets.conftest import local
    from tests.tickets.helpers import register

    first, second = register(world, local(2026, 6, 1, 9)), register(world, local(2026, 6, 1, 10))
    client.force_login(world.user("dispatcher"))
    found = client.get(reverse("console:tickets"), {"q": second.number}).content.decode()
    assert second.number in found and first.number not in found
    part = client.get(reverse("console:tickets"), {"q": second.number[:8]}).content.decode()
    assert first.number in part and second.number in part  # a part of a number still matches inside
