from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from civicgrid.routing.route import RoutingError
from civicgrid.routing.vocabulary import DispatchMode
from civicgrid.tickets import services
from civicgrid.tickets.errors import NotAllowed, TicketError
from civicgrid.tickets.models import Assignment, Event, ExtensionRequest, Status, Supervision, Ticket
from civicgrid.tickets.services.closure import closed_has_callback_or_exemption

from .conftest import local
from .helpers import cos_of, handle_to_reply, lead_of, register, status_matches_events

T0 = local(2026, 6, 1, 9, 0)  # a Monday


def dispatch(world, ticket, at=T0, **kw):
    return services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=at, **kw)


def callback_ok(world, ticket, at, **kw):
    fields = dict(reached=True, contacted=True, solved="solved", satisfaction="satisfied")
    fields.update(kw)
    return services.callback_record(ticket=ticket, actor=world.user("callback"), at=at, **fields)


class TestRegister:
    def test_it_numbers_places_and_logs_the_ticket(self, world):
        ticket = register(world, T0, category=None)
        assert ticket.number == "20260601-000001"
        assert ticket.status == Status.RECEIVED
        assert ticket.grid == world.grids[0]
        assert ticket.area_path == "海南省 / 琼海市 / 嘉积镇 / 银海社区"
        assert ticket.town.name == "嘉积镇"
        assert register(world, T0, category=None).number == "20260601-000002"
        assert status_matches_events(ticket)

    def test_bad_input_gets_chinese_errors_and_writes_nothing(self, world):
        with pytest.raises(ValidationError) as info:
            services.ticket_register(
                actor=world.user("operator"), channel="phone", request_type="XX", title="", content="", at=T0
            )
        messages = info.value.message_dict
        assert messages["title"] == ["请填写事件概述"]
        assert "诉求类型" in messages["request_type"][0]
        assert "联系电话" in messages["requester_phone"][0]
        assert not Ticket.objects.exists()

    def test_a_resident_may_register_without_an_actor_but_a_handler_may_not(self, world):
        assert (
            services.ticket_register(
                actor=None,
                channel="web",
                request_type="QZ",
                title="路灯不亮",
                content="小区门口路灯坏了",
                is_anonymous=True,
                at=T0,
            ).status
            == Status.RECEIVED
        )
        with pytest.raises(NotAllowed):
            services.ticket_register(
                actor=world.user("zjj"),
                channel="phone",
                request_type="QZ",
                title="t",
                content="c",
                is_anonymous=True,
                at=T0,
            )


class TestDispatchAndHandling:
    def test_a_simple_matter_goes_straight_to_the_grid_and_closes_after_a_good_callback(self, world):
        ticket = register(world, T0)
        dispatch(world, ticket)
        ticket.refresh_from_db()
        assert (ticket.status, ticket.dispatch_mode, ticket.lead_unit) == (
            Status.DISPATCHED,
            DispatchMode.DIRECT_TO_GRID,
            world.units["grid1"],
        )
        assert "第一批" in ticket.dispatch_rule_ref

        handle_to_reply(world, ticket, T0 + timedelta(hours=2), "worker1")
        services.reply_review(
            ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=3)
        )
        outcome = callback_ok(world, ticket, T0 + timedelta(hours=5), satisfaction="basic")

        ticket.refresh_from_db()
        assert outcome.result == "closed"
        assert ticket.status == Status.CLOSED
        assert (ticket.rated_unit, ticket.rated_solved, ticket.rated_satisfaction) == (
            world.units["grid1"],
            "solved",
            "basic",
        )
        assert ticket.rated_contacted_in_time is True
        assert ticket.closed_on_time is True
        assert closed_has_callback_or_exemption(ticket)
        assert status_matches_events(ticket)
        assert list(ticket.assignments.values_list("state", flat=True)) == [Assignment.State.DONE]

    def test_a_joint_matter_has_a_lead_and_co_units_who_report_before_the_lead_answers(self, world):
        ticket = register(world, T0, category="illegal_building")
        dispatch(world, ticket)
        lead, cos = lead_of(ticket), cos_of(ticket)
        assert lead.unit == world.units["zf"]
        assert {a.unit for a in cos} == {world.units["zjj"], world.units["grid1"]}

        services.assignment_sign(assignment=lead, actor=world.user("zf"), at=T0)
        services.assignment_first_contact(assignment=lead, actor=world.user("zf"), method="phone", at=T0)
        with pytest.raises(TicketError, match="以下协办单位尚未反馈：.*住建局"):
            services.lead_reply(
                assignment=lead, actor=world.user("zf"), result_code="solved", text="已拆除", at=T0
            )
        for co, user in ((cos[0], "worker1"), (cos[1], "zjj")):
            services.assignment_sign(assignment=co, actor=world.user(user), at=T0)
            services.co_reply(assignment=co, actor=world.user(user), text="已配合现场核查", at=T0)
        services.lead_reply(
            assignment=lead, actor=world.user("zf"), result_code="solved", text="已拆除", at=T0
        )
        assert Ticket.objects.get(pk=ticket.pk).status == Status.REPLIED

    def test_the_catalogue_routes_a_department_matter(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        ticket.refresh_from_db()
        assert (ticket.dispatch_mode, ticket.lead_unit) == (DispatchMode.TO_DEPARTMENT, world.units["zjj"])

    def test_manual_dispatch_needs_a_reason_and_never_sends_a_department_matter_to_a_grid(self, world):
        ticket = register(world, T0, category="noise")
        with pytest.raises(ValidationError, match="理由"):
            dispatch(world, ticket, lead=world.units["sc"])
        with pytest.raises(RoutingError):
            dispatch(world, ticket, lead=world.units["grid1"], reason="网格就近处理")
        dispatch(world, ticket, lead=world.units["sc"], co_units=[world.units["grid1"]], reason="涉及市场")
        ticket.refresh_from_db()
        assert ticket.dispatch_mode == DispatchMode.JOINT
        assert ticket.dispatch_rule_ref == "人工派单"

    def test_manual_dispatch_reads_the_tickets_area_as_the_proposal_does(self, world):
        from datetime import date

        from civicgrid.routing.models import DispatchCatalogueEntry
        from civicgrid.routing.route import route

        town = world.grids[0].community.parent
        DispatchCatalogueEntry.objects.create(
            version="嘉积镇目录",
            effective_from=date(2020, 1, 1),
            category=world.categories["neighbour"],
            unit=world.units["zf"],
            area=town,
        )
        ticket = register(world, T0, category="neighbour")
        # Placed by its grid alone (community and town not filled in): the town's entry binds both.
        Ticket.objects.filter(pk=ticket.pk).update(community=None, town=None)
        ticket.refresh_from_db()
        assert route(ticket, at=T0).lead == world.units["zf"]
        with pytest.raises(RoutingError, match="综合执法局"):
            dispatch(world, ticket, lead=world.units["grid1"], reason="网格就近处理")

    def test_only_the_units_own_staff_may_act_on_an_assignment(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        with pytest.raises(NotAllowed, match="住建局"):
            services.assignment_sign(assignment=lead_of(ticket), actor=world.user("outsider"), at=T0)

    def test_reply_needs_a_recorded_first_contact(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        lead = lead_of(ticket)
        services.assignment_sign(assignment=lead, actor=world.user("zjj"), at=T0)
        with pytest.raises(TicketError, match="首次联系"):
            services.lead_reply(
                assignment=lead, actor=world.user("zjj"), result_code="solved", text="好", at=T0
            )

    def test_an_invalid_action_changes_nothing(self, world):
        ticket = register(world, T0, category="property")
        before = (Ticket.objects.get(pk=ticket.pk).status, Event.objects.count())
        with pytest.raises(TicketError, match="不能签收|不能答复|不能回访"):
            services.callback_record(ticket=ticket, actor=world.user("callback"), reached=False, at=T0)
        assert (Ticket.objects.get(pk=ticket.pk).status, Event.objects.count()) == before


class TestReturns:
    def test_an_approved_return_sends_the_ticket_back_to_dispatch(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        request = services.return_request(
            assignment=lead_of(ticket),
            actor=world.user("zjj"),
            reason="不属本局职责",
            legal_basis="三定方案第三条",
            at=T0 + timedelta(hours=1),
        )
        assert Ticket.objects.get(pk=ticket.pk).status == Status.RETURN_REQUESTED
        services.return_decide(
            request=request,
            actor=world.user("dispatcher"),
            approve=True,
            redispatch_to=world.units["sc"],
            note="改派市场监管局",
            at=T0 + timedelta(hours=2),
        )
        ticket.refresh_from_db()
        assert (ticket.status, ticket.lead_unit, ticket.dispatch_round) == (
            Status.DISPATCHED,
            world.units["sc"],
            2,
        )
        assert status_matches_events(ticket)

    def test_a_rejected_return_puts_the_unit_back_to_work_with_the_clock_still_running(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        lead = lead_of(ticket)
        services.assignment_sign(assignment=lead, actor=world.user("zjj"), at=T0)
        request = services.return_request(
            assignment=lead, actor=world.user("zjj"), reason="r", legal_basis="b", at=T0
        )
        services.return_decide(
            request=request, actor=world.user("dispatcher"), approve=False, note="属于住建职责", at=T0
        )
        lead.refresh_from_db()
        assert lead.state == Assignment.State.IN_PROGRESS
        assert lead.due_at == lead.original_due_at
        assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS

    def test_returns_are_limited_per_unit_and_to_the_window(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        request = services.return_request(
            assignment=lead_of(ticket), actor=world.user("zjj"), reason="r", legal_basis="b", at=T0
        )
        services.return_decide(
            request=request, actor=world.user("dispatcher"), approve=True, note="试改派", at=T0
        )
        dispatch(
            world, Ticket.objects.get(pk=ticket.pk), lead=world.units["zjj"], reason="协商后仍由住建局办理"
        )
        with pytest.raises(TicketError, match="退单次数已达上限"):
            services.return_request(
                assignment=lead_of(ticket), actor=world.user("zjj"), reason="r", legal_basis="b", at=T0
            )

        late = register(world, T0, category="property")
        dispatch(world, late)
        with pytest.raises(TicketError, match="已超过退单时限"):
            services.return_request(
                assignment=lead_of(late),
                actor=world.user("zjj"),
                reason="r",
                legal_basis="b",
                at=T0 + timedelta(days=10),
            )


class TestExtensions:
    def test_an_approved_extension_moves_the_deadline_by_working_days(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        lead = lead_of(ticket)
        services.assignment_sign(assignment=lead, actor=world.user("zjj"), at=T0)
        request = services.extension_request(
            assignment=lead, actor=world.user("zjj"), days=5, reason="需现场鉴定", at=T0 + timedelta(days=1)
        )
        services.extension_decide(
            request=request, actor=world.user("dispatcher"), approve=True, at=T0 + timedelta(days=1)
        )
        lead.refresh_from_db()
        assert lead.extended_days == 5
        assert lead.due_at > lead.original_due_at
        assert lead.yellow_at < lead.red_at < lead.due_at
        assert Ticket.objects.get(pk=ticket.pk).is_extended

    def test_extensions_must_come_before_the_deadline_and_within_the_maximum(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        lead = lead_of(ticket)
        services.assignment_sign(assignment=lead, actor=world.user("zjj"), at=T0)
        with pytest.raises(TicketError, match="累计延期不能超过"):
            services.extension_request(assignment=lead, actor=world.user("zjj"), days=30, reason="r", at=T0)
        with pytest.raises(TicketError, match="已超过办理时限"):
            services.extension_request(
                assignment=lead,
                actor=world.user("zjj"),
                days=2,
                reason="r",
                at=lead.due_at + timedelta(minutes=1),
            )
        assert not ExtensionRequest.objects.exists()


class TestCallback:
    def _pending_callback(self, world, category="property", handler="zjj"):
        ticket = register(world, T0, category=category)
        dispatch(world, ticket)
        handle_to_reply(world, ticket, T0 + timedelta(hours=1), handler)
        services.reply_review(
            ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0 + timedelta(hours=2)
        )
        return Ticket.objects.get(pk=ticket.pk)

    def test_an_unsatisfied_attributable_callback_reopens_for_rework(self, world):
        ticket = self._pending_callback(world)
        outcome = callback_ok(
            world,
            ticket,
            T0 + timedelta(days=1),
            solved="unsolved",
            satisfaction="unsatisfied",
            attributable=True,
        )
        ticket.refresh_from_db()
        assert outcome.result == "reopened"
        assert (ticket.status, ticket.redo_count, ticket.dispatch_round) == (Status.REOPENED, 1, 2)
        assert ticket.rated_at is None
        new_lead = lead_of(ticket)
        assert new_lead.dispatched_at == T0 + timedelta(days=1)
        services.assignment_sign(assignment=new_lead, actor=world.user("zjj"), at=T0 + timedelta(days=1))
        assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS

    def test_an_unsatisfied_callback_not_attributable_closes_rated(self, world):
        ticket = self._pending_callback(world)
        callback_ok(world, ticket, T0 + timedelta(days=1), satisfaction="unsatisfied")
        ticket.refresh_from_db()
        assert (ticket.status, ticket.rated_satisfaction) == (Status.CLOSED, "unsatisfied")

    def test_an_unreachable_requester_is_retried_then_closed_unrated(self, world):
        ticket = self._pending_callback(world)
        results = [
            services.callback_record(
                ticket=ticket, actor=world.user("callback"), reached=False, at=T0 + timedelta(days=1, hours=i)
            ).result
            for i in range(3)
        ]
        ticket.refresh_from_db()
        assert results == ["retry", "retry", "closed"]
        assert ticket.rated_at is None
        assert "未接通" in ticket.callback_exemption
        assert closed_has_callback_or_exemption(ticket)

    def test_review_can_send_the_reply_back(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        handle_to_reply(world, ticket, T0, "zjj")
        with pytest.raises(ValidationError):
            services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=False, at=T0)
        services.reply_review(
            ticket=ticket, actor=world.user("dispatcher"), passed=False, note="缺现场照片", at=T0
        )
        assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
        assert lead_of(ticket).state == Assignment.State.IN_PROGRESS

    def test_only_callback_agents_record_callbacks(self, world):
        ticket = self._pending_callback(world)
        with pytest.raises(NotAllowed, match="回访员"):
            services.callback_record(ticket=ticket, actor=world.user("dispatcher"), reached=False, at=T0)


class TestTriageAndMerge:
    @pytest.mark.parametrize("action", ["answer", "decline", "transfer"])
    def test_intake_outcomes_close_with_an_exemption(self, world, action):
        ticket = register(world, T0, category=None)
        operator = world.user("operator")
        if action == "answer":
            services.ticket_answer_directly(
                ticket=ticket, actor=operator, answer="按政策可办理", kb_refs=[3], at=T0
            )
        elif action == "decline":
            services.ticket_decline(
                ticket=ticket, actor=operator, outcome="REDIRECT_LEGAL", reason="请依法申请仲裁", at=T0
            )
        else:
            services.ticket_transfer_emergency(ticket=ticket, actor=operator, line="119", at=T0)
        services.ticket_close(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        assert closed_has_callback_or_exemption(ticket)

    def test_merge_links_a_duplicate_to_its_master_and_refuses_cycles(self, world):
        master = register(world, T0)
        duplicate = register(world, T0, category=None)
        services.ticket_merge(
            ticket=duplicate, master=master, actor=world.user("operator"), reason="重复", at=T0
        )
        duplicate.refresh_from_db()
        assert (duplicate.status, duplicate.merged_into) == (Status.MERGED, master)
        with pytest.raises(TicketError, match="只能并入办理中的工单"):
            services.ticket_merge(
                ticket=master, master=duplicate, actor=world.user("operator"), reason="重复", at=T0
            )
        with pytest.raises(TicketError, match="它自己"):
            services.ticket_merge(
                ticket=master, master=master, actor=world.user("operator"), reason="重复", at=T0
            )

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_merge_without_a_reason_is_refused_by_the_service(self, world, reason):
        master = register(world, T0)
        duplicate = register(world, T0, category=None)
        with pytest.raises(TicketError, match="并单须填写理由"):
            services.ticket_merge(
                ticket=duplicate, master=master, actor=world.user("operator"), reason=reason, at=T0
            )
        duplicate.refresh_from_db()
        assert duplicate.merged_into is None and duplicate.status != Status.MERGED


class TestSupervision:
    def test_supervision_and_the_key_list(self, world):
        ticket = register(world, T0, category="property")
        dispatch(world, ticket)
        services.ticket_supervise(
            ticket=ticket, actor=world.user("supervisor"), note="请加快办理", level=2, at=T0
        )
        services.key_list_set(ticket=ticket, actor=world.user("leader"), on=True, note="反复投诉", at=T0)
        ticket.refresh_from_db()
        assert ticket.is_supervised and ticket.on_key_list
        assert Supervision.objects.get().unit == world.units["zjj"]
        with pytest.raises(TicketError, match="已在重点督办清单"):
            services.key_list_set(ticket=ticket, actor=world.user("leader"), on=True, note="x", at=T0)
        with pytest.raises(NotAllowed):
            services.ticket_supervise(ticket=ticket, actor=world.user("zjj"), note="x", at=T0)

    def test_escalation_climbs_the_ladder_grid_community_town(self, world):
        ticket = register(world, T0)
        dispatch(world, ticket)
        services.ticket_escalate(
            ticket=ticket, actor=world.user("worker1"), note="邻里矛盾网格协调不了", at=T0
        )
        ticket.refresh_from_db()
        assert (ticket.lead_unit, ticket.status, ticket.escalation_level) == (
            world.units["community"],
            Status.DISPATCHED,
            1,
        )
        assert lead_of(ticket).unit == world.units["community"]
        assert world.units["grid1"] in {a.unit for a in cos_of(ticket)}
        services.ticket_escalate(ticket=ticket, actor=world.user("community"), note="需镇里协调", at=T0)
        assert Ticket.objects.get(pk=ticket.pk).lead_unit == world.units["town"]
        assert status_matches_events(ticket)

    def test_the_whistle_calls_departments_to_report(self, world):
        ticket = register(world, T0)
        dispatch(world, ticket)
        services.ticket_escalate(
            ticket=ticket,
            actor=world.user("supervisor"),
            note="街乡吹哨,部门报到",
            whistle_units=[world.units["zf"], world.units["sc"]],
            at=T0,
        )
        assert {a.unit for a in cos_of(ticket)} == {world.units["zf"], world.units["sc"]}
        assert Ticket.objects.get(pk=ticket.pk).lead_unit == world.units["grid1"]
