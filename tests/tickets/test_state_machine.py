"""Random sequences of services, with the lifecycle's invariants checked after every step."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from civicgrid.routing.route import RoutingError
from civicgrid.tickets import services
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import (
    Assignment,
    Decision,
    Event,
    ExtensionRequest,
    ReturnRequest,
    Status,
    Ticket,
)
from civicgrid.tickets.services.closure import closed_has_callback_or_exemption

from .conftest import local

REFUSALS = (TicketError, ValidationError, RoutingError)
EXAMPLES: list = []  # the event actions of each run, to check that runs go deep, not just get refused
HANDLING = [Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED, Status.RETURN_REQUESTED]
OPEN = [Status.RECEIVED, Status.PENDING_DISPATCH, *HANDLING, Status.REPLIED, Status.PENDING_CALLBACK]
CATEGORIES = ["neighbour", "illegal_building", "property", "noise"]
UNITS = ["zjj", "zf", "sc", "grid1", "community", "town"]


def make_machine(world):
    class Lifecycle(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.now = local(2026, 3, 2, 9, 0)
            self.ids: list[int] = []

        def tick(self, minutes):
            self.now += timedelta(minutes=minutes)

        def ticket(self, index, *likely: str) -> Ticket | None:
            """Mostly a ticket where the action makes sense; every fourth pick any ticket (mostly refused)."""
            if not self.ids:
                return None
            if likely and index % 4:
                fitting = list(
                    Ticket.objects.filter(pk__in=self.ids, status__in=likely).values_list("pk", flat=True)
                )
                if fitting:
                    return Ticket.objects.get(pk=fitting[index % len(fitting)])
            return Ticket.objects.get(pk=self.ids[index % len(self.ids)])

        def attempt(self, ticket, action):
            """Run a service; when it refuses, nothing about the ticket may have changed."""
            before = (
                (
                    ticket.status,
                    Event.objects.filter(ticket=ticket).count(),
                    Assignment.objects.filter(ticket=ticket).count(),
                )
                if ticket
                else None
            )
            try:
                action()
            except REFUSALS:
                if ticket is not None:
                    ticket.refresh_from_db()
                    after = (
                        ticket.status,
                        Event.objects.filter(ticket=ticket).count(),
                        Assignment.objects.filter(ticket=ticket).count(),
                    )
                    assert after == before, f"a refused action changed {ticket.number}: {before} → {after}"

        def assignment(self, ticket, index, *states):
            rows = list(ticket.assignments.filter(state__in=states).order_by("id")) if ticket else []
            return rows[index % len(rows)] if rows else None

        def handler_for(self, assignment):
            unit = assignment.unit
            for key, user in world.users.items():
                own = {u.pk for u in user.staff.units.all()} | (
                    {world.units["grid1"].pk} if key == "worker1" else set()
                )
                if (
                    key not in ("admin", "operator", "dispatcher", "callback", "supervisor", "leader")
                    and unit.pk in own
                ):
                    return user
            return world.user("admin")  # the top of the ladder has no handler in this small world

        @initialize(categories=st.lists(st.sampled_from(CATEGORIES), min_size=3, max_size=3))
        def seed_tickets(self, categories):
            for category in categories:
                self.register(category, 5, False, "TS")

        @rule(
            category=st.sampled_from(CATEGORIES + [None]),
            minutes=st.integers(1, 600),
            anonymous=st.booleans(),
            kind=st.sampled_from(["ZX", "QZ", "TS", "JB"]),
        )
        def register(self, category, minutes, anonymous, kind):
            self.tick(minutes)
            ticket = services.ticket_register(
                actor=world.user("operator"),
                channel="phone",
                request_type=kind,
                title="测试诉求",
                content="内容",
                requester_name="" if anonymous else "李四",
                requester_phone="" if anonymous else "13900001111",
                is_anonymous=anonymous,
                lat=19.205,
                lon=110.405,
                at=self.now,
            )
            self.ids.append(ticket.pk)
            if category:
                self.attempt(
                    ticket,
                    lambda: services.ticket_accept(
                        ticket=ticket,
                        actor=world.user("operator"),
                        category=world.categories[category],
                        at=self.now,
                    ),
                )

        @rule(i=st.integers(0, 50), outcome=st.sampled_from(["answer", "decline", "transfer"]))
        def triage(self, i, outcome):
            ticket = self.ticket(i, Status.RECEIVED)
            op = world.user("operator")
            actions = {
                "answer": lambda: services.ticket_answer_directly(
                    ticket=ticket, actor=op, answer="答复", at=self.now
                ),
                "decline": lambda: services.ticket_decline(
                    ticket=ticket, actor=op, outcome="EXPLAIN", reason="说明", at=self.now
                ),
                "transfer": lambda: services.ticket_transfer_emergency(
                    ticket=ticket, actor=op, line="110", at=self.now
                ),
            }
            if ticket:
                self.attempt(ticket, actions[outcome])

        @rule(i=st.integers(0, 50), j=st.integers(0, 50))
        def merge(self, i, j):
            a, b = self.ticket(i, Status.RECEIVED, Status.PENDING_DISPATCH), self.ticket(j, *OPEN)
            if a and b:
                self.attempt(
                    a,
                    lambda: services.ticket_merge(
                        ticket=a, master=b, actor=world.user("operator"), reason="并单", at=self.now
                    ),
                )

        @rule(i=st.integers(0, 50), manual=st.sampled_from([None] + UNITS), minutes=st.integers(0, 120))
        def dispatch(self, i, manual, minutes):
            self.tick(minutes)
            ticket = self.ticket(i, Status.PENDING_DISPATCH)
            if ticket:
                lead = world.units[manual] if manual else None
                self.attempt(
                    ticket,
                    lambda: services.ticket_dispatch(
                        ticket=ticket,
                        actor=world.user("dispatcher"),
                        lead=lead,
                        reason="人工" if lead else "",
                        at=self.now,
                    ),
                )

        @rule(i=st.integers(0, 50), k=st.integers(0, 5), minutes=st.integers(0, 3000))
        def sign_contact(self, i, k, minutes):
            self.tick(minutes)
            ticket = self.ticket(i, *HANDLING)
            a = self.assignment(ticket, k, Assignment.State.PENDING_SIGN, Assignment.State.IN_PROGRESS)
            if a:
                user = self.handler_for(a)
                if a.state == Assignment.State.PENDING_SIGN:
                    self.attempt(
                        ticket, lambda: services.assignment_sign(assignment=a, actor=user, at=self.now)
                    )
                else:
                    self.attempt(
                        ticket,
                        lambda: services.assignment_first_contact(
                            assignment=a,
                            actor=user,
                            method="three_way" if ticket.is_confidential else "phone",
                            at=self.now,
                        ),
                    )

        @rule(
            i=st.integers(0, 50),
            k=st.integers(0, 5),
            result=st.sampled_from(["solved", "partly", "explained"]),
        )
        def reply(self, i, k, result):
            ticket = self.ticket(i, *HANDLING)
            a = self.assignment(ticket, k, Assignment.State.IN_PROGRESS)
            if a:
                user = self.handler_for(a)
                if a.role == Assignment.Role.CO:
                    self.attempt(
                        ticket,
                        lambda: services.co_reply(assignment=a, actor=user, text="协办完成", at=self.now),
                    )
                else:
                    self.attempt(
                        ticket,
                        lambda: services.lead_reply(
                            assignment=a, actor=user, result_code=result, text="已办理", at=self.now
                        ),
                    )

        @rule(i=st.integers(0, 50), k=st.integers(0, 5), approve=st.booleans(), days=st.integers(1, 12))
        def extension(self, i, k, approve, days):
            ticket = self.ticket(i, *HANDLING)
            a = self.assignment(ticket, k, Assignment.State.IN_PROGRESS)
            if a:
                self.attempt(
                    ticket,
                    lambda: services.extension_request(
                        assignment=a, actor=self.handler_for(a), days=days, reason="复杂", at=self.now
                    ),
                )
            pending = ExtensionRequest.objects.filter(
                decision=Decision.PENDING, assignment__ticket_id__in=self.ids
            )
            request = pending.order_by("id").first()
            if request is not None:
                owner = request.assignment.ticket
                self.attempt(
                    owner,
                    lambda: services.extension_decide(
                        request=request,
                        actor=world.user("dispatcher"),
                        approve=approve,
                        note="审核",
                        at=self.now,
                    ),
                )

        @rule(
            i=st.integers(0, 50),
            k=st.integers(0, 5),
            approve=st.booleans(),
            redispatch=st.sampled_from([None, "sc", "zjj"]),
        )
        def returns(self, i, k, approve, redispatch):
            ticket = self.ticket(i, *HANDLING)
            a = self.assignment(ticket, k, Assignment.State.PENDING_SIGN, Assignment.State.IN_PROGRESS)
            if a:
                self.attempt(
                    ticket,
                    lambda: services.return_request(
                        assignment=a,
                        actor=self.handler_for(a),
                        reason="非本单位职责",
                        legal_basis="三定方案",
                        at=self.now,
                    ),
                )
            pending = ReturnRequest.objects.filter(
                decision=Decision.PENDING, assignment__ticket_id__in=self.ids
            )
            request = pending.order_by("id").first()
            if request is not None:
                owner = request.assignment.ticket
                target = world.units[redispatch] if redispatch else None
                self.attempt(
                    owner,
                    lambda: services.return_decide(
                        request=request,
                        actor=world.user("dispatcher"),
                        approve=approve,
                        note="审核",
                        redispatch_to=target,
                        at=self.now,
                    ),
                )

        @rule(i=st.integers(0, 50), passed=st.booleans())
        def review(self, i, passed):
            ticket = self.ticket(i, Status.REPLIED)
            if ticket:
                self.attempt(
                    ticket,
                    lambda: services.reply_review(
                        ticket=ticket,
                        actor=world.user("dispatcher"),
                        passed=passed,
                        note="" if passed else "补充",
                        at=self.now,
                    ),
                )

        @rule(
            i=st.integers(0, 50),
            reached=st.booleans(),
            solved=st.sampled_from(["solved", "partly", "unsolved"]),
            satisfaction=st.sampled_from(["very_satisfied", "satisfied", "basic", "unsatisfied"]),
            attributable=st.booleans(),
            valid=st.booleans(),
        )
        def callback(self, i, reached, solved, satisfaction, attributable, valid):
            ticket = self.ticket(i, Status.PENDING_CALLBACK)
            if ticket:
                self.attempt(
                    ticket,
                    lambda: services.callback_record(
                        ticket=ticket,
                        actor=world.user("callback"),
                        reached=reached,
                        contacted=True,
                        solved=solved,
                        satisfaction=satisfaction,
                        attributable=attributable,
                        valid=valid,
                        invalid_reason="" if valid else "拒绝评价",
                        at=self.now,
                    ),
                )

        @rule(i=st.integers(0, 50), exemption=st.sampled_from(["", "不合理诉求"]))
        def close(self, i, exemption):
            ticket = self.ticket(
                i, Status.PENDING_CALLBACK, Status.DIRECT_ANSWERED, Status.TRANSFERRED, Status.NOT_ACCEPTED
            )
            if ticket:
                self.attempt(
                    ticket,
                    lambda: services.ticket_close(
                        ticket=ticket, actor=world.user("dispatcher"), exemption=exemption, at=self.now
                    ),
                )

        @rule(i=st.integers(0, 50), whistle=st.booleans())
        def supervise_or_escalate(self, i, whistle):
            ticket = self.ticket(i, *HANDLING)
            if ticket and not whistle and i % 4:
                # Mostly a ticket led on the escalation ladder (departments are not on it).
                on_ladder = Ticket.objects.filter(
                    pk__in=self.ids, status__in=HANDLING, lead_unit__kind__in=["grid_team", "community"]
                ).order_by("pk")
                ticket = on_ladder[i % on_ladder.count()] if on_ladder.exists() else ticket
            if ticket:
                self.attempt(
                    ticket,
                    lambda: services.ticket_supervise(
                        ticket=ticket, actor=world.user("supervisor"), note="督办", at=self.now
                    ),
                )
                units = [world.units["zf"]] if whistle else ()
                self.attempt(
                    ticket,
                    lambda: services.ticket_escalate(
                        ticket=ticket,
                        actor=world.user("supervisor"),
                        note="提级",
                        whistle_units=units,
                        at=self.now,
                    ),
                )

        @rule(i=st.integers(0, 50), unhappy=st.booleans(), minutes=st.integers(0, 2000))
        def advance(self, i, unhappy, minutes):
            """Push one ticket a natural step further, so that runs reach replies, callbacks and rework."""
            self.tick(minutes)
            ticket = self.ticket(
                i, Status.PENDING_DISPATCH, *HANDLING, Status.REPLIED, Status.PENDING_CALLBACK
            )
            if ticket is None:
                return
            if ticket.status == Status.PENDING_DISPATCH:
                self.attempt(
                    ticket,
                    lambda: services.ticket_dispatch(
                        ticket=ticket, actor=world.user("dispatcher"), at=self.now
                    ),
                )
            elif ticket.status == Status.REPLIED:
                self.attempt(
                    ticket,
                    lambda: services.reply_review(
                        ticket=ticket, actor=world.user("dispatcher"), passed=True, at=self.now
                    ),
                )
            elif ticket.status == Status.PENDING_CALLBACK:
                self.attempt(
                    ticket,
                    lambda: services.callback_record(
                        ticket=ticket,
                        actor=world.user("callback"),
                        reached=True,
                        contacted=True,
                        solved="unsolved" if unhappy else "solved",
                        satisfaction="unsatisfied" if unhappy else "satisfied",
                        attributable=unhappy,
                        at=self.now,
                    ),
                )
            else:
                for a in ticket.assignments.filter(
                    round=ticket.dispatch_round, state__in=Assignment.ACTIVE_STATES
                ):
                    user = self.handler_for(a)
                    if a.state == Assignment.State.PENDING_SIGN:
                        self.attempt(
                            ticket,
                            lambda a=a, user=user: services.assignment_sign(
                                assignment=a, actor=user, at=self.now
                            ),
                        )
                        a.refresh_from_db()
                    if a.state != Assignment.State.IN_PROGRESS:
                        continue
                    if a.role == Assignment.Role.CO:
                        self.attempt(
                            ticket,
                            lambda a=a, user=user: services.co_reply(
                                assignment=a, actor=user, text="协办完成", at=self.now
                            ),
                        )
                        continue
                    if a.first_contacted_at is None:
                        self.attempt(
                            ticket,
                            lambda a=a, user=user: services.assignment_first_contact(
                                assignment=a, actor=user, method="three_way", at=self.now
                            ),
                        )
                lead = ticket.assignments.filter(
                    round=ticket.dispatch_round, role="lead", state=Assignment.State.IN_PROGRESS
                ).first()
                if lead is not None:
                    self.attempt(
                        ticket,
                        lambda: services.lead_reply(
                            assignment=lead,
                            actor=self.handler_for(lead),
                            result_code="solved",
                            text="已办结",
                            at=self.now,
                        ),
                    )

        def teardown(self):
            EXAMPLES.append(
                Counter(Event.objects.filter(ticket_id__in=self.ids).values_list("action", flat=True))
            )

        @invariant()
        def status_equals_the_event_log(self):
            for ticket in Ticket.objects.filter(pk__in=self.ids):
                last = Event.objects.filter(ticket=ticket).order_by("-id").first()
                assert last.to_status == ticket.status, ticket.number

        @invariant()
        def one_lead_per_dispatch_round(self):
            live = Assignment.objects.filter(ticket_id__in=self.ids, role="lead").exclude(
                state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED]
            )
            assert not live.values("ticket", "round").annotate(n=Count("id")).filter(n__gt=1).exists()
            for ticket in Ticket.objects.filter(
                pk__in=self.ids,
                status__in=[Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED, Status.REOPENED],
            ):
                assert live.filter(ticket=ticket, round=ticket.dispatch_round).count() == 1, ticket.number

        @invariant()
        def deadlines_never_before_dispatch(self):
            assert (
                not Assignment.objects.filter(ticket_id__in=self.ids)
                .filter(
                    Q(due_at__lt=models_f("dispatched_at"))
                    | Q(sign_due_at__lt=models_f("dispatched_at"))
                    | Q(first_contact_due_at__lt=models_f("dispatched_at"))
                    | Q(yellow_at__lt=models_f("dispatched_at"))
                    | Q(red_at__gt=models_f("due_at"))
                    | Q(yellow_at__gt=models_f("red_at"))
                )
                .exists()
            )

        @invariant()
        def no_merge_cycles(self):
            for ticket in Ticket.objects.filter(pk__in=self.ids, merged_into__isnull=False):
                seen, node = set(), ticket
                while node is not None:
                    assert node.pk not in seen, f"merge cycle through {ticket.number}"
                    seen.add(node.pk)
                    node = node.merged_into
                assert ticket.merged_into.status != Status.MERGED

        @invariant()
        def closed_tickets_have_a_valid_callback_or_an_exemption(self):
            for ticket in Ticket.objects.filter(pk__in=self.ids, status=Status.CLOSED):
                assert closed_has_callback_or_exemption(ticket), ticket.number

    return Lifecycle


def models_f(name):
    from django.db.models import F

    return F(name)


@pytest.mark.django_db
def test_random_service_sequences_keep_the_lifecycle_invariants(world):
    EXAMPLES.clear()
    machine = make_machine(world)
    run_state_machine_as_test(
        machine, settings=settings(max_examples=30, stateful_step_count=50, deadline=None)
    )
    reached = Counter()
    for actions in EXAMPLES:
        reached.update(actions)
    for action in (
        "dispatched",
        "signed",
        "replied",
        "review_passed",
        "callback_recorded",
        "closed",
        "return_approved",
        "extension_approved",
        "escalated",
        "merged",
    ):
        assert reached[action] > 0, f"no run reached {action}: {reached}"
