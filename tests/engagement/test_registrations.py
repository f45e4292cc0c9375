"""双报到: registration states with dates, scope, evaluations sent to the member's organisation, commitments."""

from datetime import date

import pytest
import time_machine

from civicgrid.core.actors import SYSTEM
from civicgrid.core.refusal import Refusal
from civicgrid.engagement import services
from civicgrid.engagement.models import Evaluation, Registration
from civicgrid.notify.models import Notification
from tests.engagement.conftest import in_service, moment

pytestmark = pytest.mark.django_db


def test_member_registers_activates_and_moves(world):
    m = in_service(world)
    with time_machine.travel(moment(2026, 3, 2), tick=False):
        reg = services.register_member(
            actor=world["worker"], member=m, community=world["yinhai"], skills="法律"
        )
        assert (reg.state, reg.registered_on) == ("registered", date(2026, 3, 2))
        reg = services.registration_assign(
            actor=world["worker"], registration=reg, grid=world["yh_grid"], post="楼道长"
        )
        reg = services.registration_activate(actor=world["worker"], registration=reg)
        assert (reg.state, reg.activated_on, reg.post) == ("active", date(2026, 3, 2), "楼道长")
    with time_machine.travel(moment(2026, 9, 1), tick=False):
        reg = services.registration_end(actor=world["worker"], registration=reg, state="moved", reason="搬家")
    assert (reg.state, reg.ended_on) == ("moved", date(2026, 9, 1))
    assert Registration.objects.during(2026).filter(pk=reg.pk).exists()
    assert not Registration.objects.during(2027).filter(pk=reg.pk).exists()
    assert not Registration.objects.during(2025).filter(pk=reg.pk).exists()
    # moved: may register again elsewhere
    services.register_member(actor=SYSTEM, member=m, community=world["jinhai"], on=date(2026, 9, 2))


def test_guards(world):
    m = in_service(world)
    services.register_member(actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 1, 5))
    with pytest.raises(Refusal, match="已有有效的报到登记"):
        services.register_member(actor=SYSTEM, member=m, community=world["jinhai"], on=date(2026, 1, 6))
    retired = in_service(world, name="李退休")
    retired.in_service = False
    retired.save()
    with pytest.raises(Refusal, match="只有在职党员"):
        services.register_member(actor=SYSTEM, member=retired, community=world["yinhai"])
    with pytest.raises(Refusal, match="不是村（社区）"):
        services.register_org(actor=SYSTEM, org=world["tax_org"], community=world["areas"]["469002100"])
    with pytest.raises(Refusal, match="不负责"):
        services.register_org(actor=world["outsider"], org=world["tax_org"], community=world["yinhai"])
    reg = services.register_org(actor=world["worker"], org=world["tax_org"], community=world["yinhai"])
    with pytest.raises(Refusal, match="已向银海社区报到"):
        services.register_org(actor=world["worker"], org=world["tax_org"], community=world["yinhai"])
    services.registration_activate(actor=SYSTEM, registration=reg)
    with pytest.raises(Refusal, match="不能确认上岗"):
        services.registration_activate(actor=SYSTEM, registration=reg)
    with pytest.raises(Refusal, match="结束原因"):
        services.registration_end(actor=SYSTEM, registration=reg, state="withdrawn", reason=" ")


def test_evaluation_counts_the_year_and_goes_to_the_own_organisation(world, django_user_model):
    from civicgrid.party.models import CommitteeTerm, Post

    m = in_service(world)
    secretary_user = django_user_model.objects.create_user(username="sec", password="x")
    secretary = in_service(world, name="赵书记")
    secretary.user = secretary_user
    secretary.save()
    term = CommitteeTerm.objects.create(
        org=world["tax_org"], number=1, elected_on=date(2024, 1, 1), term_years=5, due_on=date(2029, 1, 1)
    )
    Post.objects.create(term=term, member=secretary, post=Post.LEADING[0])
    reg = services.register_member(actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 2, 1))
    with time_machine.travel(moment(2026, 12, 20), tick=False):
        ev = services.evaluation_record(actor=world["worker"], registration=reg, year=2026, grade="good")
        assert (ev.hours, ev.activities, ev.wishes, ev.meets_quota, ev.org_id) == (0, 0, 0, False, m.org_id)
        assert services.evaluations_send(actor=world["worker"], evaluations=[ev]) == 1
        assert services.evaluations_send(actor=world["worker"], evaluations=[ev]) == 0  # sent once
    note = Notification.objects.get(kind="engagement_evaluation")
    assert note.recipient == secretary_user and "2026" in note.title
    assert Evaluation.objects.get().sent_at is not None
    with pytest.raises(Refusal, match="2025年未在本社区报到"):
        services.evaluation_record(actor=SYSTEM, registration=reg, year=2025, grade="good")


def test_commitment(world):
    m = in_service(world)
    c = services.commitment_pledge(
        actor=SYSTEM, year=2026, member=m, content="为楼道安装照明", on=date(2026, 3, 1)
    )
    with pytest.raises(Refusal, match="践诺情况"):
        services.commitment_decide(actor=SYSTEM, commitment=c, fulfilled=True, evidence="")
    c = services.commitment_decide(
        actor=SYSTEM, commitment=c, fulfilled=True, evidence="已安装6盏灯", on=date(2026, 5, 1)
    )
    assert (c.state, c.decided_on) == ("fulfilled", date(2026, 5, 1))
    with pytest.raises(Refusal, match="已评定"):
        services.commitment_decide(actor=SYSTEM, commitment=c, fulfilled=False, evidence="x")


def test_staff_keep_commitments_only_of_those_registered_with_their_communities(world):
    m = in_service(world)
    with pytest.raises(Refusal, match="未向您负责的村（社区）报到，不能登记承诺"):
        services.commitment_pledge(actor=world["worker"], year=2026, member=m, content="为楼道安装照明")
    services.register_member(actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 2, 1))
    c = services.commitment_pledge(actor=world["worker"], year=2026, member=m, content="为楼道安装照明")
    with pytest.raises(Refusal, match="不能评定承诺践诺"):
        services.commitment_decide(actor=world["outsider"], commitment=c, fulfilled=True, evidence="已安装")
    assert services.commitment_decide(actor=world["worker"], commitment=c, fulfilled=True, evidence="已安装")


def test_appraisal_reads_the_evaluations_and_the_export(world):
    from io import BytesIO

    from openpyxl import load_workbook

    from civicgrid.engagement.exports import evaluations_workbook
    from civicgrid.engagement.selectors import evaluations_for_appraisal

    m = in_service(world, name="王小明")
    reg = services.register_member(actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 2, 1))
    ev = services.evaluation_record(
        actor=SYSTEM, registration=reg, year=2026, grade="fairly_good", comment="积极"
    )
    assert evaluations_for_appraisal([world["tax_org"].pk], 2026) == {m.pk: ev}
    assert evaluations_for_appraisal([world["tax_org"].pk], 2025) == {}
    sheet = load_workbook(BytesIO(evaluations_workbook([ev], scope="银海社区", year=2026))).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "王*明" in cells and "较好" in cells and "王小明" not in cells


def test_member_registers_straight_into_a_grid_and_a_post(world):
    m = in_service(world)
    with pytest.raises(Refusal, match="不在报到社区内"):
        services.register_member(
            actor=world["worker"],
            member=m,
            community=world["yinhai"],
            grid=world["jh_grid"],
            on=date(2026, 3, 2),
        )
    assert not Registration.objects.exists()
    reg = services.register_member(
        actor=world["worker"],
        member=m,
        community=world["yinhai"],
        grid=world["yh_grid"],
        post=" 楼道长 ",
        on=date(2026, 3, 2),
    )
    assert (reg.grid, reg.post) == (world["yh_grid"], "楼道长")
