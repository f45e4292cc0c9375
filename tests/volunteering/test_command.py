import io

import pytest
import time_machine
from django.core.management import call_command

from civicgrid.volunteering.models import SignUp
from civicgrid.volunteering.services import signups
from tests.volunteering.factories import activity, at, project, volunteer

pytestmark = pytest.mark.django_db


def test_close_forgotten_command(community, organiser):
    act = activity(project(community), organiser)
    s = signups.apply(volunteer=volunteer(community), activity=act, now=at("2026-06-01 10:00"))
    signups.approve(actor=None, signup=s, now=at("2026-06-01 10:00"))
    signups.check_in(signup=s, now=at("2026-06-06 09:00"))
    out = io.StringIO()
    with time_machine.travel(at("2026-06-06 18:00"), tick=False):
        call_command("volunteering", "close-forgotten", stdout=out)
    assert "1 名" in out.getvalue()
    s.refresh_from_db()
    assert s.state == SignUp.State.CHECKED_OUT and s.checked_out_at == act.ends_at
