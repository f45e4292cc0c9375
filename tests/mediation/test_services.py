"""Mediation services: the case from registration to closing, committee checks, the clocks, scope and masking."""

from datetime import date, timedelta

import pytest
import time_machine

from civicgrid.core.actors import SYSTEM
from civicgrid.core.idnumbers import FEMALE
from civicgrid.core.models import AuditEvent
from civicgrid.mediation import jobs, selectors, services
from civicgrid.mediation.checks import committee_warnings
from civicgrid.mediation.errors import MediationError
from civicgrid.mediation.models import Case, FollowUp, MediationRule, Mediator
from civicgrid.notify.models import Notification

from .conftest import local, make_case


def through_agreement(med, case, actor=SYSTEM, signed=date(2026, 3, 20)):
    services.case_accept(actor=actor, case=case, on=date(2026, 3, 3))
    services.assign_mediators(
        actor=actor, case=case, mediators=med["roll"][case.committee_id == med["b"].pk and "b" or "a"][:2]
    )
    services.case_start(actor=actor, case=case)
    services.session_record(
        actor=actor,
        case=case,
        held_on=date(2026, 3, 10),
        place="银海社区调解室",
        attendees="双方当事人、调解员",
        notes="双方陈述，调解员释法说理。",
    )
    return services.case_agree(
        actor=actor,
        case=case,
        content="李小河赔偿张大山维修费 1500 元",
        performance_manner="现金一次性支付",
        performance_deadline=date(2026, 4, 10),
        signed_on=signed,
        responsibilities="李小河负主要责任",
    )


class TestLifecycle:
    def test_from_registration_to_closing(self, med):
        case = make_case(med)
        assert case.state == Case.State.REGISTERED and case.number.startswith("TJ2026")
        agreement = through_agreement(med, case)
        case.refresh_from_db()
        assert case.state == Case.State.AGREEMENT and case.concluded_on == date(2026, 3, 20)
        assert agreement.judicial_due_on == date(2026, 4, 19)
        services.case_perform(actor=SYSTEM, case=case)
        services.follow_up(
            actor=SYSTEM, case=case, on=date(2026, 4, 15), way=FollowUp.Way.PHONE, performed=True
        )
        services.case_close(actor=SYSTEM, case=case, at=local(2026, 4, 16, 9))
        case.refresh_from_db()
        assert (case.state, case.closed_on) == (Case.State.CLOSED, date(2026, 4, 16))
        actions = set(
            AuditEvent.objects.filter(target_id=str(case.pk), action__startswith="mediation.").values_list(
                "action", flat=True
            )
        )
        assert {"mediation.register", "mediation.accept", "mediation.agree", "mediation.close"} <= actions

    def test_decline_needs_a_reason(self, med):
        case = make_case(med)
        with pytest.raises(MediationError):
            services.case_decline(actor=SYSTEM, case=case, reason=" ")
        services.case_decline(actor=SYSTEM, case=case, reason="属于法院已受理的案件")
        case.refresh_from_db()
        assert case.state == Case.State.DECLINED

    def test_failure_at_risk_alerts_the_committee_and_community(self, med):
        case = make_case(med)
        services.case_accept(actor=SYSTEM, case=case, on=date(2026, 3, 3))
        services.assign_mediators(actor=SYSTEM, case=case, mediators=med["roll"]["a"][:1])
        services.case_start(actor=SYSTEM, case=case)
        services.case_fail(actor=SYSTEM, case=case, reason="一方拒绝调解", at_risk=True)
        case.refresh_from_db()
        assert case.state == Case.State.FAILED and case.at_risk
        alerted = set(
            Notification.objects.filter(kind="mediation_at_risk").values_list(
                "recipient__username", flat=True
            )
        )
        assert {"med_a", "community"} <= alerted and "med_b" not in alerted

    def test_remediation_voids_the_agreement_and_restarts_the_clock(self, med):
        case = make_case(med)
        through_agreement(med, case)
        with pytest.raises(MediationError):
            services.case_remediate(actor=SYSTEM, case=case, reason="")
        services.case_remediate(actor=SYSTEM, case=case, reason="协议内容显失公平", at=local(2026, 5, 6, 9))
        case.refresh_from_db()
        assert case.state == Case.State.MEDIATING and case.remediations == 1
        assert case.deadline == date(2026, 6, 6) and case.concluded_on is None
        assert not case.agreements.filter(is_void=False).exists()

    def test_only_mediators_of_the_committee_can_be_assigned(self, med):
        case = make_case(med)
        with pytest.raises(MediationError, match="不是银海社区人民调解委员会在册的调解员"):
            services.assign_mediators(actor=SYSTEM, case=case, mediators=[med["roll"]["b"][0]])
        gone = med["roll"]["a"][3]
        services.mediator_leave(actor=SYSTEM, mediator=gone, left_on=date(2025, 12, 31))
        with pytest.raises(MediationError):
            services.assign_mediators(actor=SYSTEM, case=case, mediators=[gone], at=local(2026, 3, 2, 10))

    def test_start_needs_mediators(self, med):
        case = make_case(med)
        services.case_accept(actor=SYSTEM, case=case)
        with pytest.raises(MediationError, match="请先指派调解员"):
            services.case_start(actor=SYSTEM, case=case)

    def test_id_number_is_encrypted_and_checked(self, med):
        case = make_case(med)
        party = case.parties.get(name="张大山")
        assert party.id_encrypted and party.id_masked.startswith("4600") and "*" in party.id_masked
        assert party.id_encrypted.find(party.id_masked[-4:]) == -1 or len(party.id_encrypted) > 40
        with pytest.raises(MediationError.__mro__[1]):
            make_case(med, parties=[{"name": "王五", "id_number": "460002198001011234"}])


class TestCommitteeChecks:
    def test_size_and_woman(self, med):
        day = date(2026, 1, 1)
        assert committee_warnings(med["a"], day) == []
        woman = med["roll"]["a"][1]
        services.mediator_leave(actor=SYSTEM, mediator=woman, left_on=date(2025, 6, 30))
        warnings = committee_warnings(med["a"], day)
        assert any("少于法定的 3 人" in w for w in warnings) and any("妇女" in w for w in warnings)
        for i in range(8):
            services.mediator_add(
                actor=SYSTEM,
                committee=med["a"],
                name=f"新委员{i}",
                gender=FEMALE,
                post=Mediator.Post.MEMBER,
                joined_on=date(2025, 7, 1),
            )
        assert any("多于法定的 9 人" in w for w in committee_warnings(med["a"], day))

    def test_committee_only_in_a_village_or_town(self, med):
        with pytest.raises(MediationError):
            services.committee_create(
                actor=SYSTEM, area=med["town"].parent, name="琼海市调委会", established_on=date(2020, 1, 1)
            )


class TestClocks:
    def test_one_month_from_acceptance(self, med):
        case = make_case(med)
        services.case_accept(actor=SYSTEM, case=case, on=date(2026, 1, 31))
        case.refresh_from_db()
        assert case.deadline == date(2026, 2, 28)

    def test_december_runs_into_the_next_year(self, med):
        with time_machine.travel(local(2026, 12, 15, 10), tick=False):
            case = make_case(med, at=local(2026, 12, 15, 9))
            services.case_accept(actor=SYSTEM, case=case)
        case.refresh_from_db()
        assert case.accepted_on == date(2026, 12, 15) and case.deadline == date(2027, 1, 15)
        assert jobs.alert_overdue(local(2027, 1, 15, 20)) == 0
        assert jobs.alert_overdue(local(2027, 1, 16, 8)) == 1
        assert jobs.alert_overdue(local(2027, 1, 17, 8)) == 0  # once
        assert Notification.objects.filter(kind="mediation_overdue").count() >= 1

    def test_configured_limit_and_extension_with_consent(self, med):
        MediationRule.objects.update(is_active=False)
        MediationRule.objects.create(version="试行", effective_from=date(2026, 1, 1), time_limit_months=2)
        case = make_case(med)
        services.case_accept(actor=SYSTEM, case=case, on=date(2026, 3, 3))
        case.refresh_from_db()
        assert case.deadline == date(2026, 5, 3)
        with pytest.raises(MediationError):
            services.case_extend(actor=SYSTEM, case=case, until=date(2026, 6, 3), consent="")
        services.case_extend(
            actor=SYSTEM, case=case, until=date(2026, 6, 3), consent="双方当事人口头同意，已记录"
        )
        case.refresh_from_db()
        assert (case.deadline, case.extensions) == (date(2026, 6, 3), 1)

    def test_judicial_reminder_once_before_day_30(self, med):
        case = make_case(med)
        agreement = through_agreement(med, case)  # signed 20 March: due 19 April, reminded from 14 April
        assert jobs.remind_judicial(local(2026, 4, 13, 8)) == 0
        assert jobs.remind_judicial(local(2026, 4, 14, 8)) == 1
        assert jobs.remind_judicial(local(2026, 4, 15, 8)) == 0
        agreement.refresh_from_db()
        assert agreement.judicial_reminded_at is not None
        assert Notification.objects.filter(kind="mediation_judicial").values("title").distinct().count() == 1

    def test_no_reminder_once_applied(self, med):
        case = make_case(med)
        through_agreement(med, case)
        services.judicial_applied(actor=SYSTEM, case=case, on=date(2026, 3, 25))
        assert jobs.remind_judicial(local(2026, 4, 15, 8)) == 0

    def test_follow_up_due_once(self, med):
        case = make_case(med)
        through_agreement(med, case)
        assert jobs.remind_follow_up(local(2026, 4, 10, 20)) == 0
        assert jobs.remind_follow_up(local(2026, 4, 11, 8)) == 1
        assert jobs.remind_follow_up(local(2026, 4, 12, 8)) == 0


class TestRetention:
    def test_mark_and_anonymise(self, med):
        case = make_case(med)
        services.case_decline(actor=SYSTEM, case=case, reason="不属于调解范围", at=local(2026, 3, 3, 9))
        assert jobs.expired_cases(date(2036, 3, 3)) == []
        assert [c.pk for c in jobs.expired_cases(date(2036, 3, 4))] == [case.pk]
        assert jobs.mark_expired(local(2036, 3, 4, 9)) == 1
        assert jobs.mark_expired(local(2036, 3, 5, 9)) == 0
        jobs.anonymise(jobs.expired_cases(date(2036, 3, 4)), actor=SYSTEM, now=local(2036, 3, 4, 9))
        case.refresh_from_db()
        names = list(case.parties.values_list("name", "phone", "id_encrypted"))
        assert names == [("当事人一", "", ""), ("当事人二", "", "")]
        assert case.anonymised_at is not None and "已过卷宗保存期限" in case.facts
        assert case.number.startswith("TJ") and case.state == Case.State.DECLINED


class TestScope:
    def test_a_mediator_sees_only_his_committee(self, med):
        mine = make_case(med, "a")
        theirs = make_case(med, "b")
        seen = set(selectors.cases_for(med["med_a"]).values_list("pk", flat=True))
        assert mine.pk in seen and theirs.pk not in seen
        with pytest.raises(MediationError):
            services.case_accept(actor=med["med_a"], case=theirs)
        with pytest.raises(MediationError):
            selectors.reveal_parties(user=med["med_a"], case=theirs, purpose="核实身份")
        services.case_accept(actor=med["med_a"], case=mine)

    def test_community_and_town_staff_by_area(self, med):
        a, b = make_case(med, "a"), make_case(med, "b")
        jh = set(selectors.cases_for(med["jh_worker"]).values_list("pk", flat=True))
        assert jh == {b.pk}
        town = set(selectors.cases_for(med["world"].user("town")).values_list("pk", flat=True))
        assert town == {a.pk, b.pk}
        assert not selectors.cases_for(med["world"].user("outsider")).exists()
        assert not selectors.cases_for(None).exists()

    def test_a_grid_worker_hands_over_to_his_community(self, med):
        worker = med["world"].user("worker1")  # works in a 银海 grid, acts for no unit of his own
        case = make_case(med, "a", actor=worker, source=Case.Source.GRID)
        assert set(selectors.cases_for(worker).values_list("pk", flat=True)) == {case.pk}
        with pytest.raises(MediationError):
            make_case(med, "b", actor=worker, source=Case.Source.GRID)

    def test_staff_register_only_in_scope(self, med):
        with pytest.raises(MediationError):
            make_case(med, "a", actor=med["jh_worker"])
        case = make_case(med, "b", actor=med["jh_worker"], source=Case.Source.GRID)
        assert case.registered_by == med["jh_worker"]


class TestMasking:
    def test_lists_masked_and_reveal_audited(self, med):
        case = make_case(med)
        view = selectors.masked_party(case.parties.get(name="张大山"))
        assert (view.name, view.phone) == ("张*山", "138****5678") and "*" in view.id_number
        with pytest.raises(MediationError):
            selectors.reveal_parties(user=med["med_a"], case=case, purpose="")
        full = selectors.reveal_parties(user=med["med_a"], case=case, purpose="通知当事人参加调解")
        assert full[0].name == "张大山" and full[0].phone == "13812345678" and len(full[0].id_number) == 18
        row = AuditEvent.objects.get(action="pii.reveal", target_id=str(case.pk))
        assert row.actor == med["med_a"] and row.payload["purpose"] == "通知当事人参加调解"

    def test_applicant_sees_own_applications(self, med):
        case = services.case_apply(
            phone="13700001234",
            committee=med["a"],
            dispute_type="family",
            title="赡养纠纷",
            facts="子女不履行赡养义务",
            name="王阿婆",
            respondent="王大",
        )
        assert list(selectors.cases_of_phone("13700001234")) == [case]
        assert not selectors.cases_of_phone("13700009999").exists()
        assert case.source == Case.Source.APPLICATION and case.parties.count() == 2


def test_dates_in_the_past_keep_their_order(med):
    case = make_case(med)
    services.case_accept(actor=SYSTEM, case=case, on=date(2026, 3, 3))
    services.assign_mediators(actor=SYSTEM, case=case, mediators=med["roll"]["a"][:1])
    services.case_start(actor=SYSTEM, case=case)
    with pytest.raises(MediationError):
        services.session_record(
            actor=SYSTEM,
            case=case,
            held_on=date(2026, 3, 3) - timedelta(days=1),
            place="x",
            attendees="y",
            notes="z",
        )


def test_retention_command_lists_by_default_and_asks_for_yes(med):
    from io import StringIO

    import time_machine
    from django.core.management import call_command

    from civicgrid.core.command import CommandError

    case = make_case(med)
    services.case_decline(actor=SYSTEM, case=case, reason="不属于调解范围", at=local(2026, 3, 3, 9))
    with time_machine.travel(local(2036, 6, 1, 9), tick=False):
        out = StringIO()
        call_command("mediation", "retention", stdout=out)
        assert case.number in out.getvalue() and "仅列出，未做修改" in out.getvalue()
        case.refresh_from_db()
        assert case.anonymised_at is None
        with pytest.raises(CommandError, match="--yes"):
            call_command("mediation", "retention", "--apply", stdout=StringIO())
        call_command("mediation", "retention", "--apply", "--yes", stdout=out)
    case.refresh_from_db()
    assert case.anonymised_at is not None
