"""The --clock option of tests/conftest.py: its parsing, and the session-wide travel it starts."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tests import conftest
from tests.conftest import parse_clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-12-28", datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI)),
        ("2026-12-28T10:00:00+08:00", datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI)),
        ("2026-12-28T23:30:00+00:00", datetime(2026, 12, 29, 7, 30, tzinfo=SHANGHAI)),
        ("2026-12-28T02:00Z", datetime(2026, 12, 28, 2, 0, tzinfo=UTC)),
    ],
)
def test_it_reads_a_date_or_a_moment_with_an_offset(text, moment):
    parsed = parse_clock(text)
    assert parsed == moment
    assert parsed.utcoffset() is not None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-12-28T10:00", "needs an offset"),
        ("28/12/2026", "not an ISO 8601"),
        ("2026-02-30", "not an ISO 8601"),
        ("", "not an ISO 8601"),
    ],
)
def test_anything_else_is_a_usage_error(text, problem):
    with pytest.raises(pytest.UsageError, match=problem):
        parse_clock(text)


class _Config:
    """What pytest_configure and pytest_unconfigure read of pytest's config."""

    def __init__(self, clock):
        self.clock, self.stash = clock, pytest.Stash()

    def getoption(self, name):
        assert name == "--clock"
        return self.clock


def test_the_option_moves_the_clock_until_the_session_ends_and_tests_may_still_travel():
    outer = datetime(2026, 5, 1, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(outer, tick=False):
        config = _Config("2031-12-28")
        conftest.pytest_configure(config)
        try:
            assert abs(timezone.now() - parse_clock("2031-12-28")) < timedelta(minutes=1)
            assert timezone.localdate().isoformat() == "2031-12-28"
            with time_machine.travel(outer + timedelta(days=3), tick=False):
                assert timezone.now() == outer + timedelta(days=3)
        finally:
            conftest.pytest_unconfigure(config)
        assert timezone.now() == outer


def test_without_the_option_nothing_moves():
    outer = datetime(2026, 5, 1, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(outer, tick=False):
        config = _Config(None)
        conftest.pytest_configure(config)
        conftest.pytest_unconfigure(config)
        assert timezone.now() == outer


def test_every_seeding_migration_is_restored_after_a_transactional_test():
    """A seed left out of tests/reference_data.SEEDS is missing in every transactional test after the first."""
    from pathlib import Path

    from tests.reference_data import SEEDS

    root = Path(__file__).resolve().parents[1] / "civicgrid"
    seeding = {
        f"civicgrid.{path.parent.parent.name}.migrations.{path.stem}"
        for path in root.glob("*/migrations/0*.py")
        if "\ndef seed(" in path.read_text(encoding="utf-8")
    }
    assert seeding == {module for _, _, module, _ in SEEDS}
