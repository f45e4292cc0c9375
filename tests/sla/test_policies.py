from datetime import UTC, date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from civicgrid.sla.models import TimeLimitPolicy
from civicgrid.sla.policies import SlaError, policy_for
from tests.sla.factories import local

pytestmark = pytest.mark.django_db

SEED_VERSION = "2026 默认（参考山东/北京做法，待本地规定替换）"


def make_policy(**fields) -> TimeLimitPolicy:
    values = {
        "version": "测试",
        "effective_from": date(2026, 1, 1),
        "sign_limit": Decimal(1),
        "sign_unit": "wd",
        "first_contact_limit": Decimal(24),
        "first_contact_unit": "h",
        "handle_limit": Decimal(7),
        "handle_unit": "wd",
        **fields,
    }
    return TimeLimitPolicy.objects.create(**values)


def limit_of(policy: TimeLimitPolicy) -> tuple[Decimal, str]:
    return policy.handle_limit, policy.handle_unit


def pick(request_type="", urgency="", dispatch_mode="", at=None) -> TimeLimitPolicy:
    return policy_for(
        request_type=request_type, urgency=urgency, dispatch_mode=dispatch_mode, at=at or local(2026, 3, 2, 9)
    )


def test_the_seed_is_one_version_with_a_catch_all_row():
    rows = TimeLimitPolicy.objects.all()
    assert rows.count() == 13
    assert set(rows.values_list("version", flat=True)) == {SEED_VERSION}
    catch_all = rows.get(request_type="", urgency="", dispatch_mode="")
    assert limit_of(catch_all) == (Decimal(5), "wd")
    assert catch_all.effective_from == date(2004, 1, 1)
    for row in rows:
        row.full_clean()
        assert (row.callback_limit, row.callback_unit) == (Decimal(1), "wd")
        assert (row.yellow_at, row.red_at) == (Decimal("0.5"), Decimal("0.8"))
        assert (row.return_window, row.return_window_unit) == (Decimal(2), "wd")
        assert (row.max_returns_per_unit, row.max_extension_days, row.max_callback_attempts) == (1, 10, 3)


@pytest.mark.parametrize(
    ("request_type", "urgency", "mode", "expected"),
    [
        ("ZX", "normal", "to_department", (Decimal(2), "wd")),
        ("QZ", "normal", "to_department", (Decimal(5), "wd")),
        ("BY", "normal", "joint", (Decimal(2), "wd")),
        ("TS", "normal", "to_department", (Decimal(15), "wd")),
        ("JB", "normal", "escalated", (Decimal(15), "wd")),
        ("JY", "normal", "joint", (Decimal(15), "wd")),
        ("TS", "normal", "direct_to_grid", (Decimal(3), "wd")),
        ("QZ", "normal", "direct_to_grid", (Decimal(3), "wd")),
        ("ZX", "normal", "direct_to_grid", (Decimal(2), "wd")),
        ("TS", "critical", "direct_to_grid", (Decimal(24), "h")),
        ("ZX", "urgent", "to_department", (Decimal(24), "h")),
        ("", "", "", (Decimal(5), "wd")),
        ("XX", "normal", "to_department", (Decimal(5), "wd")),
    ],
)
def test_seeded_handling_limits(request_type, urgency, mode, expected):
    assert limit_of(pick(request_type, urgency, mode)) == expected


def test_seeded_sign_and_first_contact_tiers():
    normal = pick("QZ", "normal", "to_department")
    assert (normal.sign_limit, normal.sign_unit) == (Decimal(1), "wd")
    assert (normal.first_contact_limit, normal.first_contact_unit) == (Decimal(24), "h")
    for urgency in ("urgent", "critical"):
        fast = pick("QZ", urgency, "to_department")
        assert (fast.sign_limit, fast.sign_unit) == (Decimal("0.5"), "wh")
        assert (fast.first_contact_limit, fast.first_contact_unit) == (Decimal(2), "h")


def test_more_matching_keys_beat_a_higher_priority():
    make_policy(urgency="normal", priority=100, handle_limit=Decimal(9))
    make_policy(request_type="QZ", urgency="normal", dispatch_mode="joint", handle_limit=Decimal(4))
    assert limit_of(pick("QZ", "normal", "joint")) == (Decimal(4), "wd")
    # Two keys (seed) beat the one-key row of priority 100.
    assert limit_of(pick("QZ", "normal", "to_department")) == (Decimal(5), "wd")
    assert limit_of(pick("", "normal", "to_department")) == (Decimal(9), "wd")


def test_priority_then_latest_effective_from_break_ties():
    make_policy(request_type="QZ", urgency="normal", priority=1, handle_limit=Decimal(6))
    assert limit_of(pick("QZ", "normal")) == (Decimal(6), "wd")
    make_policy(
        request_type="QZ",
        urgency="normal",
        priority=1,
        handle_limit=Decimal(8),
        effective_from=date(2026, 2, 1),
    )
    assert limit_of(pick("QZ", "normal")) == (Decimal(8), "wd")


def test_only_policies_in_force_on_the_local_date_apply():
    make_policy(
        request_type="QZ",
        urgency="normal",
        priority=1,
        handle_limit=Decimal(4),
        effective_from=date(2026, 7, 1),
        effective_to=date(2026, 12, 31),
    )
    make_policy(request_type="QZ", urgency="normal", priority=2, handle_limit=Decimal(1), is_active=False)

    assert limit_of(pick("QZ", "normal", at=local(2026, 6, 30, 23, 59))) == (Decimal(5), "wd")
    assert limit_of(pick("QZ", "normal", at=local(2026, 7, 1, 0, 0))) == (Decimal(4), "wd")
    assert limit_of(pick("QZ", "normal", at=local(2026, 12, 31, 18))) == (Decimal(4), "wd")
    assert limit_of(pick("QZ", "normal", at=local(2027, 1, 1, 8))) == (Decimal(5), "wd")
    # 16:30 UTC on 30 June is already 1 July in Shanghai.
    utc = local(2026, 7, 1, 0, 30).astimezone(UTC)
    assert limit_of(pick("QZ", "normal", at=utc)) == (Decimal(4), "wd")
    assert limit_of(pick("QZ", "normal", at=date(2026, 7, 2))) == (Decimal(4), "wd")


def test_no_policy_in_force_is_an_error_in_chinese():
    TimeLimitPolicy.objects.update(effective_from=date(2030, 1, 1))
    with pytest.raises(SlaError, match="没有适用的办理时限策略") as error:
        pick("QZ", "normal", "joint")
    assert isinstance(error.value, ValueError)
    assert "QZ" in error.value.message


def test_clean_rejects_fractional_working_days_and_bad_fractions():
    policy = make_policy(handle_limit=Decimal("2.5"))
    with pytest.raises(ValidationError, match="整数"):
        policy.full_clean()
    policy = make_policy(yellow_at=Decimal("0.9"), red_at=Decimal("0.8"))
    with pytest.raises(ValidationError):
        policy.full_clean()
    make_policy(sign_limit=Decimal("0.5"), sign_unit="wh").full_clean()


def test_str_names_the_keys():
    assert str(pick("QZ", "normal", "direct_to_grid")) == f"{SEED_VERSION} QZ×normal×direct_to_grid"
