"""Issue 14's 软弱涣散 screens on a 390 px phone at 100 % and 150 % text: the 组织部's board with candidates and
plans, a candidate's decision page and a plan page with its forms; the secretary's own plan."""

import importlib
from datetime import date

import pytest
import time_machine

from civicgrid.core.actors import SYSTEM
from civicgrid.weakorgs import services
from civicgrid.weakorgs.models import Candidate, Criterion
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.weakorgs.conftest import moment, world  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LONG = "书记长期空缺，班子成员年龄偏大、结构不合理，三会一课和主题党日活动不能正常开展，群众反映集中的问题长期得不到解决"


def _password(user):
    user.set_password("x-long-password-1")
    user.save()
    return user


@pytest.fixture
def board(world):  # noqa: F811
    if not Criterion.objects.exists():  # a transactional test may run after the seeded rows were flushed
        seeded = importlib.import_module("civicgrid.weakorgs.migrations.0002_seed_criteria")
        for code, months, count, threshold in seeded.CRITERIA:
            Criterion.objects.create(
                code=code,
                months=months,
                count=count,
                threshold=threshold,
                version="测试",
                effective_from=date(2018, 1, 1),
            )
    with time_machine.travel(moment(2026, 12, 2), tick=False):
        services.scan(actor=SYSTEM, as_of=date(2026, 12, 2))
        organiser = world["organiser"]
        candidate = Candidate.objects.get(org=world["yinhai"], state="open")
        plan = services.candidate_confirm(
            actor=organiser, candidate=candidate, year=2026, batch="2026年第一批"
        )
        services.plan_update(
            actor=organiser,
            plan=plan,
            problems=LONG,
            measures=LONG,
            leader_name="欧阳建国",
            leader_title="嘉积镇党委副书记、镇长",
            due_on=date(2026, 12, 31),
        )
        services.item_add(
            actor=organiser, plan=plan, problem=LONG, measure=LONG, responsible="嘉积镇党委组织委员"
        )
        services.plan_approve(actor=organiser, plan=plan)
        services.plan_start(actor=world["deputy"], plan=plan)
        services.note_add(actor=world["deputy"], plan=plan, text=LONG)
    _password(world["organiser"])
    _password(world["deputy"])
    return dict(plan=plan, candidate=Candidate.objects.filter(state="open").first())


def fits(phone, path, shot):
    page = phone.open(path)
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot(shot)
    return page


def test_the_organisers_weakorg_pages_fit_a_phone(phone, board):
    phone.login("zzb")
    for path, shot in (
        ("/console/weakorgs/", "board"),
        (f"/console/weakorgs/candidates/{board['candidate'].pk}/", "candidate"),
        (f"/console/weakorgs/plans/{board['plan'].pk}/", "plan-organiser"),
    ):
        fits(phone, path, f"phone-weakorgs-{shot}")


def test_the_secretarys_plan_fits_a_phone(phone, board):
    phone.login("yh_deputy")
    page = fits(phone, f"/console/weakorgs/plans/{board['plan'].pk}/", "phone-weakorgs-plan-secretary")
    assert "填写进展" in page.content()
