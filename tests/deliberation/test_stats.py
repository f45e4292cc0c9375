import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import services
from civicgrid.deliberation.stats import KEYS, deliberation_stats

from .conftest import moment, propose, resolve


def _json(*args) -> dict:
    out = StringIO()
    call_command("deliberation", "stats", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_empty_area_is_all_zero(world):
    assert _json("--area", world["yinhai"].code, "--year", "2026") == dict.fromkeys(KEYS, 0)
    assert list(_json("--area", "469002", "--year", "2026")) == list(KEYS)


def test_unknown_area_is_an_error(world):
    with pytest.raises(CommandError, match="不存在"):
        _json("--area", "999999", "--year", "2026")


def test_figures_and_year_boundary(world):
    # collected at 23:30 on 31 December 2025 (Beijing time): counts in 2025, not 2026
    propose(world, at=moment(2025, 12, 31, 23).replace(minute=30), title="旧议题")
    propose(world, at=moment(2026, 1, 1, 0).replace(minute=10), title="新年第一议题")
    declined = propose(world, at=moment(2026, 2, 1))
    services.topic_decline(actor=SYSTEM, topic=declined, reason="不属于协商范围")
    accepted = services.topic_accept(actor=SYSTEM, topic=propose(world, at=moment(2026, 2, 2)))
    assert accepted.state == "accepted"
    resolved = resolve(propose(world, at=moment(2026, 2, 3)))
    done = resolve(propose(world, area=world["jinhai"], at=moment(2026, 2, 4)))
    for step in (services.topic_publicise, services.topic_implement, services.topic_done):
        done = step(actor=SYSTEM, topic=done, on=date(2026, 3, 25))
    fed = resolve(propose(world, area=world["village"], at=moment(2026, 12, 31, 23)))
    for step in (services.topic_publicise, services.topic_implement, services.topic_done):
        fed = step(actor=SYSTEM, topic=fed, on=date(2026, 3, 25))
    services.topic_feed_back(actor=SYSTEM, topic=fed, feedback="完成", on=date(2026, 3, 26))
    assert resolved.state == "deliberated"

    town = _json("--area", world["town"].code, "--year", "2026")
    assert town == {"topics": 6, "accepted": 4, "resolved": 3, "implemented": 2, "fed_back": 1}
    assert _json("--area", world["town"].code, "--year", "2025") == {
        "topics": 1,
        "accepted": 0,
        "resolved": 0,
        "implemented": 0,
        "fed_back": 0,
    }
    assert deliberation_stats(world["yinhai"], 2026) == {
        "topics": 4,
        "accepted": 2,
        "resolved": 1,
        "implemented": 0,
        "fed_back": 0,
    }
