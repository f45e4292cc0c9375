from datetime import date

import pytest

from civicgrid.party.models import PartyOrg
from civicgrid.weakorgs.criteria import evaluate

pytestmark = pytest.mark.django_db


def test_world_builds(world):
    found = evaluate(PartyOrg.objects.all(), date(2026, 12, 2))
    for f in found.values():
        print(f.org.name, [r.text for r in f.reasons])
    assert world["yinhai"].pk in found
