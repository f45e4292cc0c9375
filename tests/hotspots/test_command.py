"""`civicgrid hotspots --from --to [--area] --format json|table` on tickets, and the demo's alerts."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.hotspots.models import Alert
from tests.hotspots.factories import moment, ticket


def _run(*args):
    out = StringIO()
    call_command("hotspots", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_tickets_mode_json_has_no_personal_data(world):
    for k in range(3):
        ticket(
            world,
            moment(2026, 3, 2 + k),
            title="椰林花园小区烧烤摊油烟扰民",
            name="王小明",
            phone="13900001111",
        )
    rows = json.loads(_run("--from", "2026-03-01", "--to", "2026-03-31", "--format", "json"))
    assert rows[0]["size"] == 3 and rows[0]["label"].startswith("椰林花园")
    assert [k for _d, k in rows[0]["daily"]] == [1, 1, 1]
    assert "王小明" not in json.dumps(rows, ensure_ascii=False) and "13900001111" not in json.dumps(rows)
    assert (
        json.loads(
            _run("--from", "2026-03-01", "--to", "2026-03-31", "--area", "469002100002", "--format", "json")
        )
        == []
    )
    assert "椰林花园" in _run("--from", "2026-03-01", "--to", "2026-03-31")


def test_tickets_mode_refuses_bad_input(world):
    with pytest.raises(CommandError, match="日期"):
        _run("--from", "2026/03/01", "--to", "2026-03-31")
    with pytest.raises(CommandError, match="不存在"):
        _run("--from", "2026-03-01", "--to", "2026-03-31", "--area", "999")
    with pytest.raises(CommandError, match="--csv"):
        _run("--format", "json")


def test_the_demo_raises_the_alerts_of_its_last_two_weeks_once(world):
    from civicgrid.demo.hotspots import build

    for day in range(1, 11):
        ticket(world, moment(2026, 3, day), title="椰林花园小区烧烤摊油烟扰民")
    for k in range(5):
        ticket(world, moment(2026, 3, 11, 9 + k), title="椰林花园小区烧烤摊油烟扰民")
    assert build(log=lambda _m: None) == 1
    assert build(log=lambda _m: None) == 0
    assert Alert.objects.get().day.isoformat() == "2026-03-11"
