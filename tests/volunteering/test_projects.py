import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import Project
from civicgrid.volunteering.services import projects
from tests.volunteering.factories import activity, project, worker

pytestmark = pytest.mark.django_db
S = Project.State


def test_project_life(community):
    p = project(community, state=S.DRAFT)
    for to in (S.PUBLISHED, S.RECRUITING, S.RUNNING, S.CLOSED):
        p = projects.move_project(actor=SYSTEM, project=p, to=to)
    assert p.state == S.CLOSED


def test_no_skipping_or_going_back(community):
    p = project(community, state=S.DRAFT)
    with pytest.raises(VolunteerRefusal, match="不能改为"):
        projects.move_project(actor=SYSTEM, project=p, to=S.RUNNING)
    p = projects.move_project(actor=SYSTEM, project=p, to=S.PUBLISHED)
    with pytest.raises(VolunteerRefusal):
        projects.move_project(actor=SYSTEM, project=p, to=S.DRAFT)


def test_risky_project_is_not_published_without_insurance(community):
    p = project(community, state=S.DRAFT, is_risky=True)
    with pytest.raises(VolunteerRefusal, match="意外保险"):
        projects.move_project(actor=SYSTEM, project=p, to=S.PUBLISHED)
    projects.record_insurance(actor=SYSTEM, project=p, insurer="中国人寿琼海支公司", policy="P2026-001")
    assert projects.move_project(actor=SYSTEM, project=p, to=S.PUBLISHED).state == S.PUBLISHED


def test_a_worker_changes_only_his_communitys_projects(community, other_community):
    user = worker("w2", community)
    mine = project(community, actor=user, state=S.DRAFT)
    assert projects.move_project(actor=user, project=mine, to=S.PUBLISHED).state == S.PUBLISHED
    theirs = project(other_community, state=S.DRAFT)
    with pytest.raises(VolunteerRefusal, match="管理范围"):
        projects.move_project(actor=user, project=theirs, to=S.PUBLISHED)


def test_activity_needs_an_end_after_its_start(community, organiser):
    p = project(community)
    with pytest.raises(VolunteerRefusal, match="晚于"):
        activity(p, organiser, start="2026-06-06 12:00", end="2026-06-06 09:00")


def test_no_activity_in_a_closed_project(community, organiser):
    p = project(community, state=S.CLOSED)
    with pytest.raises(VolunteerRefusal, match="已结项"):
        activity(p, organiser)
