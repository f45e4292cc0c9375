"""更正 and 撤销并单: who may correct when, what the event says, and routing re-run on a new grid or category."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicgrid.sla.deadlines import assignment_deadlines, callback_due
from civicgrid.sla.models import TimeLimitPolicy
from civicgrid.sla.policies import policy_for
from civicgrid.tickets import services
from civicgrid.tickets.errors import NotAllowed, TicketError
from civicgrid.tickets.models import Event, EventAction, Status, Ticket, TriageOutcome
from tests.tickets.conftest import local
from tests.tickets.helpers import handle_to_reply, lead_of, register

T0 = local(2026, 6, 1, 9, 0)  # a Monday
INSIDE_GRID2 = (19.205, 110.415)


def last_event(ticket) -> Event:
    return Event.objects.filter(ticket=ticket).order_by("-id").first()


class TestRelocate:
    def test_a_web_ticket_never_located_gets_its_grid_and_the_new_route(self, world):
        # The walk: a web ticket stayed 「未定位到网格」 for its whole life; nobody could place it.
        ticket = register(world, T0, lat=None, lon=None, address="")
        assert ticket.grid is None and ticket.status == Status.PENDING_DISPATCH
        done = services.ticket_relocate(
            ticket=ticket, actor=world.user("operator"), lat=INSIDE_GRID2[0], lon=INSIDE_GRID2[1], at=T0
        )
        ticket.refresh_from_db()
        assert ticket.grid == world.grids[1] and ticket.area_path.endswith("银海社区")
        assert done.decision.lead == world.units["grid2"]
        event = last_event(ticket)
        assert event.action == EventAction.LOCATION_CORRECTED
        assert event.payload["changed"]["网格"] == ["未定位", "银海第2网格"]
        assert event.payload["proposal"]["lead"] == "银海第2网格工作组"
        assert "未定位 → 银海第2网格" in event.note and "银海第2网格工作组" in event.note
        assert event.to_status == Status.PENDING_DISPATCH

    def test_moving_a_dispatched_ticket_says_the_new_proposal_differs_from_the_lead(self, world):
        ticket = register(world, T0)
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        ticket.refresh_from_db()
        assert ticket.lead_unit == world.units["grid1"] and ticket.status == Status.DISPATCHED
        services.ticket_relocate(
            ticket=ticket, actor=world.user("dispatcher"), lat=INSIDE_GRID2[0], lon=INSIDE_GRID2[1], at=T0
        )
        ticket.refresh_from_db()
        assert ticket.lead_unit == world.units["grid1"]  # a correction never re-dispatches by itself
        assert "与当前主办单位银海第1网格工作组不同" in last_event(ticket).note

    def test_a_point_outside_every_grid_or_an_address_without_a_grid_is_refused(self, world):
        ticket = register(world, T0)
        with pytest.raises(ValidationError):
            services.ticket_relocate(ticket=ticket, actor=world.user("operator"), lat=18.0, lon=109.0, at=T0)
        with pytest.raises(ValidationError, match="未能确定所在网格"):
            services.ticket_relocate(ticket=ticket, actor=world.user("operator"), address="无此地名", at=T0)
        ticket.refresh_from_db()
        assert (
            ticket.grid == world.grids[0]
            and not ticket.events.filter(action=EventAction.LOCATION_CORRECTED).exists()
        )


class TestWhoMayCorrect:
    def test_before_sign_off_operators_correct_without_a_reason(self, world):
        ticket = register(world, T0, category="property")
        done = services.ticket_correct_address(
            ticket=ticket, actor=world.user("operator"), address="银海路 8 号", at=T0
        )
        assert done.ticket.address == "银海路 8 号"
        assert last_event(ticket).payload["changed"] == {"事发地址": ["", "银海路 8 号"]}

    def test_after_sign_off_only_the_centre_corrects_and_gives_a_reason(self, world):
        ticket = register(world, T0, category="property")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        services.assignment_sign(assignment=lead_of(ticket), actor=world.user("zjj"), at=T0)
        when = T0 - timedelta(days=1)
        with pytest.raises(NotAllowed, match="签收后更正事发时间"):
            services.ticket_correct_occurred_at(
                ticket=ticket, actor=world.user("operator"), occurred_at=when, reason="来电人更正", at=T0
            )
        with pytest.raises(ValidationError, match="须填写理由"):
            services.ticket_correct_occurred_at(
                ticket=ticket, actor=world.user("dispatcher"), occurred_at=when, at=T0
            )
        services.ticket_correct_occurred_at(
            ticket=ticket, actor=world.user("dispatcher"), occurred_at=when, reason="来电人更正", at=T0
        )
        ticket.refresh_from_db()
        event = last_event(ticket)
        assert ticket.occurred_at == when and event.payload["reason"] == "来电人更正"
        assert event.payload["changed"]["事发时间"] == ["未填", "2026-05-31 09:00"]
        assert ticket.status == Status.IN_PROGRESS

    def test_handlers_never_correct_and_a_merged_ticket_is_corrected_through_its_master(self, world):
        ticket = register(world, T0)
        with pytest.raises(NotAllowed):
            services.ticket_correct_request_type(
                ticket=ticket, actor=world.user("zjj"), request_type="ZX", at=T0
            )
        master = register(world, T0)
        services.ticket_merge(
            ticket=ticket, master=master, actor=world.user("operator"), reason="重复", at=T0
        )
        with pytest.raises(TicketError, match="先撤销并单"):
            services.ticket_correct_request_type(
                ticket=ticket, actor=world.user("operator"), request_type="ZX", at=T0
            )

    def test_a_future_or_ancient_occurred_at_is_refused(self, world):
        ticket = register(world, T0)
        for when, message in ((T0 + timedelta(days=1), "晚于现在"), (local(1, 1, 2, 0, 0), "早于 2000 年")):
            with pytest.raises(ValidationError, match=message):
                services.ticket_correct_occurred_at(
                    ticket=ticket, actor=world.user("operator"), occurred_at=when, at=T0
                )


class TestRecategorise:
    def test_a_new_category_reruns_routing_and_the_event_shows_old_and_new(self, world):
        ticket = register(world, T0, category="property")
        done = services.ticket_recategorise(
            ticket=ticket, actor=world.user("operator"), category=world.categories["illegal_building"], at=T0
        )
        ticket.refresh_from_db()
        assert ticket.category == world.categories["illegal_building"] and ticket.category_code == "9002"
        assert done.decision.lead == world.units["zf"] and "综合执法局" in done.proposal_text
        event = last_event(ticket)
        assert event.action == EventAction.CATEGORY_CORRECTED
        assert event.payload["changed"]["业务分类"][0].endswith("物业管理")
        assert event.payload["changed"]["业务分类"][1].endswith("违章建筑")
        assert event.label == "更正业务分类"

    def test_the_same_category_is_not_a_correction(self, world):
        ticket = register(world, T0, category="property")
        with pytest.raises(TicketError, match="无需更正"):
            services.ticket_recategorise(
                ticket=ticket, actor=world.user("operator"), category=world.categories["property"], at=T0
            )


class TestCorrectForm:
    def test_several_fields_at_once_write_one_event_each(self, world):
        ticket = register(world, T0, category="property")
        done = services.ticket_correct(
            ticket=ticket,
            actor=world.user("dispatcher"),
            address="银海路 8 号",
            relocate=False,
            request_type="QZ",
            category=world.categories["noise"],
            at=T0,
        )
        ticket.refresh_from_db()
        assert (ticket.address, ticket.request_type, ticket.category) == (
            "银海路 8 号",
            "QZ",
            world.categories["noise"],
        )
        assert set(done.changed) == {"事发地址", "诉求类型", "业务分类"}
        assert len(done.events) == 3 and done.decision.lead == world.units["zf"]

    def test_one_refused_value_leaves_everything_as_it_was(self, world):
        ticket = register(world, T0, category="property")
        before = (ticket.address, ticket.category_id, Event.objects.count())
        with pytest.raises(ValidationError):
            services.ticket_correct(
                ticket=ticket,
                actor=world.user("operator"),
                address="银海路 8 号",
                relocate=False,
                category=world.categories["noise"],
                occurred_at=T0 + timedelta(days=3),
                at=T0,
            )
        ticket.refresh_from_db()
        assert (ticket.address, ticket.category_id, Event.objects.count()) == before

    def test_nothing_changed_is_refused(self, world):
        ticket = register(world, T0)
        with pytest.raises(TicketError, match="没有需要更正的内容"):
            services.ticket_correct(ticket=ticket, actor=world.user("operator"), request_type="TS", at=T0)


class TestMergeUndo:
    def merged(self, world):
        master = register(world, T0)
        ticket = register(world, T0)
        child = register(world, T0, category=None)
        services.ticket_merge(
            ticket=child, master=ticket, actor=world.user("operator"), reason="同一漏水", at=T0
        )
        services.ticket_merge(
            ticket=ticket, master=master, actor=world.user("operator"), reason="同一漏水", at=T0
        )
        return master, Ticket.objects.get(pk=ticket.pk), child

    def test_the_centre_undoes_a_merge_the_same_day_and_the_ticket_is_as_before(self, world):
        master, ticket, child = self.merged(world)
        child.refresh_from_db()
        assert child.merged_into == master  # a merge carries the children along
        services.ticket_merge_undo(
            ticket=ticket, actor=world.user("dispatcher"), reason="不同楼栋", at=T0 + timedelta(hours=23)
        )
        ticket.refresh_from_db()
        child.refresh_from_db()
        assert ticket.status == Status.PENDING_DISPATCH and ticket.merged_into is None
        assert ticket.triage_outcome == TriageOutcome.ACCEPT and ticket.triage_reason == ""
        assert child.merged_into == ticket and child.status == Status.MERGED
        undone = last_event(ticket)
        assert undone.action == EventAction.MERGE_UNDONE and undone.payload["reason"] == "不同楼栋"
        assert undone.from_status == Status.MERGED and undone.is_public
        assert last_event(master).action == EventAction.MERGE_UNDONE_MASTER

    def test_a_received_ticket_goes_back_to_received(self, world):
        master = register(world, T0)
        ticket = register(world, T0, category=None)
        services.ticket_merge(
            ticket=ticket, master=master, actor=world.user("operator"), reason="重复", at=T0
        )
        services.ticket_merge_undo(ticket=ticket, actor=world.user("admin"), reason="误并", at=T0)
        ticket.refresh_from_db()
        assert ticket.status == Status.RECEIVED and ticket.triage_outcome == ""

    def test_undo_is_refused_after_24_hours_to_operators_and_without_a_reason(self, world):
        _, ticket, _ = self.merged(world)
        with pytest.raises(NotAllowed):
            services.ticket_merge_undo(ticket=ticket, actor=world.user("operator"), reason="误并", at=T0)
        with pytest.raises(ValidationError, match="理由"):
            services.ticket_merge_undo(ticket=ticket, actor=world.user("dispatcher"), reason=" ", at=T0)
        with pytest.raises(TicketError, match="超过 24 小时"):
            services.ticket_merge_undo(
                ticket=ticket, actor=world.user("dispatcher"), reason="误并", at=T0 + timedelta(hours=25)
            )
        ticket.refresh_from_db()
        assert ticket.status == Status.MERGED

    def test_undo_of_a_ticket_that_is_not_merged_is_refused(self, world):
        ticket = register(world, T0)
        with pytest.raises(TicketError, match="不能撤销并单"):
            services.ticket_merge_undo(ticket=ticket, actor=world.user("dispatcher"), reason="误并", at=T0)


class TestRequestTypeDeadlines:
    """The time-limit policy depends on the request type: a correction after dispatch moves the deadlines."""

    def test_open_assignment_deadlines_follow_the_new_policy_and_issued_warnings_stay(self, world):
        ticket = register(world, T0, category="property", request_type="TS")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        lead = lead_of(ticket)
        old_due = lead.due_at
        issued = T0 + timedelta(hours=3)
        type(lead).objects.filter(pk=lead.pk).update(yellow_issued_at=issued)
        services.ticket_correct_request_type(
            ticket=Ticket.objects.get(pk=ticket.pk), actor=world.user("operator"), request_type="ZX", at=T0
        )
        lead.refresh_from_db()
        ticket.refresh_from_db()
        policy = policy_for(
            request_type="ZX", urgency=ticket.urgency, dispatch_mode=ticket.dispatch_mode, at=T0
        )
        fresh = assignment_deadlines(policy, lead.dispatched_at, provisional=True)
        assert lead.policy == policy and lead.due_at == fresh.due_at < old_due
        assert lead.original_due_at == fresh.due_at
        assert (lead.yellow_at, lead.red_at) == (fresh.yellow_at, fresh.red_at)
        assert lead.yellow_issued_at == issued  # the unit has been told; the warning is not taken back
        event = last_event(ticket)
        moved = event.payload["deadlines"]
        label = f"{lead.unit.name}办理时限"
        assert moved[label] == [
            timezone.localtime(old_due).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(fresh.due_at).strftime("%Y-%m-%d %H:%M"),
        ]
        assert "时限按新的诉求类型重算" in event.note

    def test_the_callback_deadline_is_recomputed_from_when_the_review_passed(self, world):
        ticket = register(world, T0, category="property", request_type="TS")
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
        handle_to_reply(world, ticket, T0 + timedelta(hours=1), "zjj")
        passed_at = T0 + timedelta(hours=2)
        services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=passed_at)
        ticket.refresh_from_db()
        old = ticket.callback_due_at
        slow = TimeLimitPolicy.objects.create(
            version="测试",
            effective_from=date(2026, 1, 1),
            request_type="ZX",
            urgency=ticket.urgency,
            priority=10,
            sign_limit=Decimal(1),
            sign_unit="wd",
            first_contact_limit=Decimal(24),
            first_contact_unit="h",
            handle_limit=Decimal(2),
            handle_unit="wd",
            callback_limit=Decimal(3),
            callback_unit="wd",
        )
        services.ticket_correct_request_type(
            ticket=ticket, actor=world.user("dispatcher"), request_type="ZX", reason="实为咨询", at=T0
        )
        ticket.refresh_from_db()
        expected = callback_due(slow, passed_at, provisional=True)
        assert ticket.callback_due_at == expected.value > old
        assert ticket.status == Status.PENDING_CALLBACK
        assert last_event(ticket).payload["deadlines"]["回访时限"][1] == timezone.localtime(
            expected.value
        ).strftime("%Y-%m-%d %H:%M")

    def test_a_ticket_not_yet_dispatched_has_no_deadlines_to_move(self, world):
        ticket = register(world, T0, category="property", request_type="TS")
        services.ticket_correct_request_type(
            ticket=ticket, actor=world.user("operator"), request_type="ZX", at=T0
        )
        assert "deadlines" not in last_event(ticket).payload
