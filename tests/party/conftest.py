import pytest

from tests.party.factories import make_hierarchy


@pytest.fixture
def areas(db):
    return make_hierarchy()
