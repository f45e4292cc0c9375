import pytest
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Deterministic property tests: the same examples on every run and on every machine.
hypothesis_settings.register_profile(
    "civicgrid", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("civicgrid")


def pytest_configure(config):
    from django.conf import settings

    # Password hashing is deliberately slow; tests create many accounts and check no real secrets.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Rolled-back test transactions fire no signals, so per-process indexes must be dropped by hand."""
    from civicgrid.registry import locate
    from civicgrid.workcal import calendar

    locate.invalidate()
    calendar.invalidate()
    cache.clear()  # rate-limit counters and cached pages must not leak from one test into another
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
