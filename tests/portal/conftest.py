import pytest
from django.core.cache import cache

from tests.tickets.conftest import world  # noqa: F401  (the shared small jurisdiction)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The limits live in the process-wide cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()
