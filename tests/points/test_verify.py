import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.points import services
from civicgrid.points.models import PointsAccount, PointsEntry, RewardItem

from .conftest import T0


def run(*args):
    out = StringIO()
    call_command("points", "verify", *args, stdout=out)
    return out.getvalue()


def test_clean_ledger_is_one_line_ok(world):
    world.earned(world.account)
    text = run()
    assert text.count("\n") == 1 and "检查通过" in text
    data = json.loads(run("--format", "json"))
    assert data["ok"] is True and data["entries"] == 1 and data["problems"] == []


def test_broken_ledger_lists_problems_in_chinese_and_fails(world):
    entry = world.earned(world.account)
    item = services.add_item(area=world.area, name="大米", cost=5, stock=3)
    services.redeem(account=world.account, item=item, now=entry.posted_at)
    PointsAccount.objects.filter(pk=world.account.pk).update(balance=99)
    RewardItem.objects.filter(pk=item.pk).update(stock=3)
    PointsEntry.objects.filter(pk=entry.pk).update(key="tampered")
    with pytest.raises(CommandError):
        run()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("points", "verify", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["ok"] is False
    assert set(data["counts"]) >= {"balance", "stock", "key"}
    assert any("余额 99 分" in p for p in data["problems"])


def test_negative_running_balance_and_bad_expiry_are_found(world):
    entry = world.earned(world.account)
    # an expiry larger than its lot, written behind the services' back
    PointsEntry.objects.create(
        account=world.account, scheme=world.scheme, kind="expiry", points=-15, state="posted",
        source_kind="expiry", source_id=str(entry.pk), key=f"expiry:{entry.pk}:{world.account.pk}",
        lot=entry, occurred_on=T0.date(), claimed_at=T0, posted_at=entry.posted_at,
    )
    PointsAccount.objects.filter(pk=world.account.pk).update(balance=-5)
    data = json.loads(_json_failing())
    assert {"expiry", "negative"} <= set(data["counts"])


def _json_failing():
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("points", "verify", "--format", "json", stdout=out)
    return out.getvalue()
