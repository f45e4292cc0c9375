from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Deterministic property tests: the same examples on every run and on every machine.
hypothesis_settings.register_profile(
    "civicgrid", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("civicgrid")


# A real Django storage that keeps files in memory: no path to read, as with a bucket.
MEMORY_STORAGE = {"BACKEND": "django.core.files.storage.InMemoryStorage"}

_TRAVEL = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="DATETIME",
        help="run the whole session at this moment, the clock ticking on: ISO 8601 with an offset "
        "(2026-12-28T10:00:00+08:00); a bare date means 10:00 Asia/Shanghai",
    )
    parser.addoption(
        "--memory-storage",
        action="store_true",
        help="keep uploaded and generated files in Django's InMemoryStorage instead of a directory: "
        "whatever reads a file by its path instead of through the storage API fails",
    )


def parse_clock(text: str) -> datetime:
    """The moment --clock names: an aware datetime, or a bare date at 10:00 in Shanghai."""
    try:
        return datetime.combine(date.fromisoformat(text), time(10), tzinfo=ZoneInfo("Asia/Shanghai"))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise pytest.UsageError(f"--clock {text!r}: not an ISO 8601 date or date-time") from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock {text!r}: a date-time needs an offset, e.g. +08:00")
    return moment


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    from django.conf import settings

    if clock := config.getoption("--clock"):
        # Started before any fixture, so the test database, the live server thread and the browser
        # (tests/browser/conftest.py) all see the moved clock; a test's own time_machine.travel nests.
        travel = time_machine.travel(parse_clock(clock), tick=True)
        travel.start()
        config.stash[_TRAVEL] = travel

    # Password hashing is deliberately slow; tests create many accounts and check no real secrets.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    # force_login is a finished sign-in, two-step code included (tests/signin.py says how and why).
    from tests import signin

    signin.install()


def pytest_unconfigure(config):
    if travel := config.stash.get(_TRAVEL, None):
        travel.stop()


def pytest_report_header(config):
    lines = []
    if clock := config.getoption("--clock"):
        lines.append(f"clock moved to {parse_clock(clock).isoformat()} (--clock)")
    if config.getoption("--memory-storage"):
        lines.append("stored files in Django's InMemoryStorage (--memory-storage)")
    return lines


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_in_tmp(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    if request.config.getoption("--memory-storage"):
        settings.STORAGES = {**settings.STORAGES, "default": MEMORY_STORAGE}


@pytest.fixture(autouse=True)
def _fresh_process_caches(request, django_db_blocker):
    """Rolled-back test transactions fire no signals, so per-process indexes must be dropped by hand.

    The shared cache is a database table (settings.CACHES): for a test that uses the database it is
    emptied outside the test's transaction, so that what a transactional test left behind does not
    reach the next one."""
    from civicgrid.notify.sms import invalidate_templates
    from civicgrid.registry import locate
    from civicgrid.workcal import calendar

    locate.invalidate()
    calendar.invalidate()
    invalidate_templates()  # SMS templates in force, cached per process
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock():
            cache.clear()  # rate-limit counters and cached pages must not leak between tests
    yield
    locate.invalidate()
    calendar.invalidate()


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """A transactional test starts on the tables the previous one emptied: put the seeded rows back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if transactional:
        from tests.reference_data import ensure_reference_data

        request.getfixturevalue("transactional_db")
        ensure_reference_data()
