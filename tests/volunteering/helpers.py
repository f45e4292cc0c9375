"""A confirmed record in one call."""

from datetime import timedelta

from civicgrid.volunteering.services import records, signups
from tests.volunteering.factories import activity, at, project, volunteer


def confirmed(area, organiser, v=None, start="2026-06-06 09:00", end="2026-06-06 12:00", name="关爱老人", **kw):
    act = activity(project(area, name=name), organiser, start, end, **kw)
    s = signups.apply(volunteer=v or volunteer(area), activity=act, now=at(start) - timedelta(days=1))
    signups.approve(actor=None, signup=s, now=at(start) - timedelta(days=1))
    signups.check_in(signup=s, now=at(start))
    signups.check_out(signup=s, now=at(end))
    r = records.record_signup(actor=None, signup=s, now=at(end))
    return records.confirm(actor=None, record=r, now=at(end))
