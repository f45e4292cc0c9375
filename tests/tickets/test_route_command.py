"""civicgrid route TICKET_NUMBER: where the rules would send a ticket, and why."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgrid.routing.models import Category, DirectDispatchRule
from tests.registry.factories import COMMUNITY, make_grid, make_hierarchy
from tests.routing.factories import make_category, make_rule, make_team, make_ticket

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_route_prints_the_decision_and_why():
    areas = make_hierarchy()
    grid = make_grid(f"{COMMUNITY}001", areas[COMMUNITY], None, name="银海社区第1网格")
    make_team(grid)
    make_category("01", "社区治理")
    rule = make_rule(make_category("0101", "邻里纠纷"), DirectDispatchRule.Mode.SIMPLE)
    make_ticket(
        Category.objects.get(version="测试", code="0101"), grid, number="2026030200001", title="楼上漏水"
    )

    output = run("route", "2026030200001", "--at", "2026-03-02")

    assert output.splitlines() == [
        "工单 2026030200001:楼上漏水",
        "派单方式：直派网格",
        "主办单位：银海社区第1网格工作组",
        f"派单依据：直派表 第一批(暂行) #{rule.pk}",
        "说明：网格办件直派表「第一批(暂行)」：邻里纠纷 → 直接办，由事发网格 银海社区第1网格工作组 办理。",
    ]


@pytest.mark.parametrize(
    ("args", "message"), [(("nope",), "没有编号为 nope 的工单"), (("x", "--at", "3/2"), "日期格式不正确")]
)
def test_route_explains_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("route", *args)
