import pytest

from tests.hotspots.factories import make_world


@pytest.fixture
def world(db):
    return make_world()
