"""A stateful property test: any sequence of plan actions by any actor leaves the plan where a simple model of the
rules says (identified → approved → rectifying → applied_for_acceptance → accepted; extended from approved,
rectifying, applied or extended, going on like rectifying; a refused acceptance back to rectifying), each refused
step a refusal that changes nothing, each accepted one an event."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from civicgrid.core.actors import SYSTEM
from civicgrid.weakorgs import services
from civicgrid.weakorgs.errors import WeakOrgRefusal
from civicgrid.weakorgs.models import PlanItem, RectificationPlan
from tests.weakorgs.conftest import make_world, moment

S = RectificationPlan.State
ACTORS = ["organiser", "outsider", "deputy", "jsecretary", "handler"]
DECIDES = {"organiser"}
WORKS = {"organiser", "deputy"}
GOING = {S.RECTIFYING, S.EXTENDED}
AT = moment(2026, 9, 1)
REACHED: set[str] = set()


class PlanMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.world = make_world()
        self.plan = services.org_designate(
            actor=SYSTEM, org=self.world["yinhai"], reason="书记空缺", year=2026, at=AT
        )
        services.plan_update(
            actor=SYSTEM,
            plan=self.plan,
            problems="问题",
            measures="措施",
            leader_name="陈某",
            due_on=date(2026, 12, 31),
        )
        self.item = services.item_add(
            actor=SYSTEM, plan=self.plan, problem="书记空缺", measure="选配书记", at=AT
        )
        self.state, self.limit, self.item_done = S.IDENTIFIED, date(2026, 12, 31), False
        self.events = self.plan.events.count()

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def _try(self, allowed: bool, call) -> bool:
        before = self.plan.events.count()
        if allowed:
            call()
            self.events += 1
            assert self.plan.events.count() == before + 1
            return True
        with pytest.raises(WeakOrgRefusal):
            with transaction.atomic():
                call()
        assert self.plan.events.count() == before
        return False

    def _a(self, name):
        return self.world[name]

    @rule(who=st.sampled_from(ACTORS))
    def approve(self, who):
        ok = who in DECIDES and self.state == S.IDENTIFIED
        if self._try(ok, lambda: services.plan_approve(actor=self._a(who), plan=self.plan, at=AT)):
            self.state = S.APPROVED

    @rule(who=st.sampled_from(ACTORS))
    def start(self, who):
        ok = who in WORKS and self.state == S.APPROVED
        if self._try(ok, lambda: services.plan_start(actor=self._a(who), plan=self.plan, at=AT)):
            self.state = S.RECTIFYING

    @rule(who=st.sampled_from(ACTORS))
    def done(self, who):
        ok = who in WORKS and self.state in GOING and not self.item_done
        if self._try(ok, lambda: services.item_done(actor=self._a(who), item=self.item, at=AT)):
            self.item_done = True

    @rule(who=st.sampled_from(ACTORS))
    def note(self, who):
        ok = who in WORKS and self.state in GOING | {S.APPROVED, S.APPLIED}
        self._try(ok, lambda: services.note_add(actor=self._a(who), plan=self.plan, text="进展", at=AT))

    @rule(who=st.sampled_from(ACTORS))
    def apply(self, who):
        ok = who in WORKS and self.state in GOING and self.item_done
        if self._try(ok, lambda: services.plan_apply(actor=self._a(who), plan=self.plan, at=AT)):
            self.state = S.APPLIED

    @rule(who=st.sampled_from(ACTORS))
    def refuse(self, who):
        ok = who in DECIDES and self.state == S.APPLIED
        if self._try(
            ok, lambda: services.plan_refuse(actor=self._a(who), plan=self.plan, reason="不到位", at=AT)
        ):
            self.state = S.RECTIFYING

    @rule(who=st.sampled_from(ACTORS))
    def accept(self, who):
        ok = who in DECIDES and self.state == S.APPLIED
        if self._try(
            ok, lambda: services.plan_accept(actor=self._a(who), plan=self.plan, note="到位", at=AT)
        ):
            self.state = S.ACCEPTED

    @rule(who=st.sampled_from(ACTORS), days=st.integers(min_value=-5, max_value=90))
    def extend(self, who, days):
        new = self.limit + timedelta(days=days)
        ok = who in DECIDES and self.state in GOING | {S.APPROVED, S.APPLIED} and new > self.limit

        def call():
            services.plan_extend(actor=self._a(who), plan=self.plan, extended_to=new, reason="原因", at=AT)

        if self._try(ok, call):
            self.state, self.limit = S.EXTENDED, new

    @rule()
    def the_next_step_by_the_right_actor(self):
        """Random actors seldom walk a plan to the end; this rule takes the next legal step."""
        if self.state == S.IDENTIFIED:
            self.approve("organiser")
        elif self.state == S.APPROVED:
            self.start("deputy")
        elif self.state == S.RECTIFYING and self.limit == date(2026, 12, 31):
            self.extend("organiser", 30)
        elif self.state in GOING and not self.item_done:
            self.done("deputy")
        elif self.state in GOING:
            self.apply("deputy")
        elif self.state == S.APPLIED:
            self.accept("organiser")

    @invariant()
    def matches_the_model(self):
        if not hasattr(self, "plan"):
            return
        self.plan.refresh_from_db()
        assert self.plan.state == self.state
        assert self.plan.effective_due_on == self.limit
        assert (self.plan.items.get().state == PlanItem.State.DONE) == self.item_done
        assert self.plan.events.count() == self.events
        assert (self.plan.accepted_on is not None) == (self.state == S.ACCEPTED)
        REACHED.add(self.state)


@pytest.mark.django_db(transaction=False)
def test_plan_state_machine():
    run_state_machine_as_test(
        PlanMachine, settings=settings(max_examples=25, stateful_step_count=30, deadline=None)
    )
    assert REACHED == set(S.values), "the examples should reach every state"
