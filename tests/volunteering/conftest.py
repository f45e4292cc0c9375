import pytest

from tests.registry.factories import COMMUNITY, OTHER_COMMUNITY, make_hierarchy
from tests.volunteering.factories import worker


@pytest.fixture
def areas(db):
    return make_hierarchy()


@pytest.fixture
def community(areas):
    return areas[COMMUNITY]


@pytest.fixture
def other_community(areas):
    return areas[OTHER_COMMUNITY]


@pytest.fixture
def organiser(community):
    return worker("yinhai", community)
