"""A stateful property test: any sequence of ledger actions by any actor leaves the item where a simple model of
the rules says (proposed → listed → taken → in_progress → applied_for_closure → closed, a refused closure back to
in_progress, suspension an overlay that stops every step but resumption), each refused step a LedgerError that
changes nothing, each accepted one an event; progress is the latest approved report."""

from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from civicgrid.ledgers import services
from civicgrid.ledgers.errors import LedgerError
from civicgrid.ledgers.models import LedgerItem, ProgressReport
from civicgrid.ledgers.progress import item_progress
from tests.ledgers.conftest import make_world, moment

S = LedgerItem.State
ACTORS = ["organiser", "supervisor", "leader", "zjj", "swj", "jtj"]
MANAGERS = {"organiser", "supervisor"}
LEAD = {"zjj"}
AT = moment(2026, 3, 1)
REACHED: set[tuple[str, bool]] = set()  # (state, suspended) seen over all examples


class ItemMachine(RuleBasedStateMachine):
    @initialize(on_list=st.booleans())
    def setup(self, on_list):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.world = make_world()
        self.item = services.propose_item(
            actor=self.world["organiser"],
            campaign=self.world["campaign"],
            problem="雨污分流改造推进缓慢",
            source=LedgerItem.Source.SELF_FOUND,
            lead_unit=self.world["housing"],
            deadline=date(2026, 12, 31),
            on_list=on_list,
            at=AT,
        )
        self.state, self.suspended = S.PROPOSED, False
        self.progress, self.pending = Decimal(0), None
        self.events = 1

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def _try(self, allowed: bool, call) -> bool:
        before = self.item.events.count()
        if allowed:
            call()
            self.events += 1
            assert self.item.events.count() == before + 1
            return True
        with pytest.raises(LedgerError):
            with transaction.atomic():
                call()
        assert self.item.events.count() == before
        return False

    def _actor(self, name):
        return self.world[name]

    @rule(who=st.sampled_from(ACTORS))
    def list_item(self, who):
        ok = who in MANAGERS and self.state == S.PROPOSED and not self.suspended
        if self._try(ok, lambda: services.item_list(actor=self._actor(who), item=self.item, at=AT)):
            self.state = S.LISTED

    @rule(who=st.sampled_from(ACTORS))
    def take(self, who):
        ok = who in LEAD and self.state == S.LISTED and not self.suspended
        call = partial(
            services.item_take,  # noqa: E731
            actor=self._actor(who),
            item=self.item,
            letter_date=date(2026, 3, 2),
            at=AT,
        )
        if self._try(ok, call):
            self.state = S.TAKEN

    @rule(who=st.sampled_from(ACTORS))
    def start(self, who):
        ok = who in LEAD and self.state == S.TAKEN and not self.suspended
        if self._try(ok, lambda: services.item_start(actor=self._actor(who), item=self.item, at=AT)):
            self.state = S.IN_PROGRESS

    @rule(
        who=st.sampled_from(ACTORS), percent=st.sampled_from(["0", "40", "85.5", "100", "101", "-1", "abc"])
    )
    def submit(self, who, percent):
        valid = percent.replace(".", "").isdigit() and Decimal(percent) <= 100
        ok = (
            who in LEAD
            and self.state in (S.TAKEN, S.IN_PROGRESS)
            and not self.suspended
            and self.pending is None
            and valid
        )
        before = self.item.events.count()
        if ok:
            services.progress_submit(
                actor=self._actor(who), item=self.item, percent=percent, narrative="进展", at=AT
            )
            # a taken item starts with its first report: two events
            self.events += 2 if self.state == S.TAKEN else 1
            self.state = S.IN_PROGRESS
            self.pending = Decimal(percent)
            assert self.item.events.count() == self.events
        else:
            with pytest.raises(LedgerError):
                with transaction.atomic():
                    services.progress_submit(
                        actor=self._actor(who), item=self.item, percent=percent, narrative="进展", at=AT
                    )
            assert self.item.events.count() == before

    def _pending_report(self):
        return self.item.reports.filter(status=ProgressReport.Status.SUBMITTED).first()

    @rule(who=st.sampled_from(ACTORS))
    def approve(self, who):
        report = self._pending_report()
        if report is None:
            return
        ok = who in MANAGERS and self.state != S.CLOSED
        if self._try(ok, lambda: services.progress_approve(actor=self._actor(who), report=report, at=AT)):
            self.progress, self.pending = self.pending, None

    @rule(who=st.sampled_from(ACTORS), reason=st.sampled_from(["", "佐证不足"]))
    def reject(self, who, reason):
        report = self._pending_report()
        if report is None:
            return
        ok = who in MANAGERS and bool(reason)
        call = partial(services.progress_reject, actor=self._actor(who), report=report, reason=reason, at=AT)
        if self._try(ok, call):
            self.pending = None

    @rule(who=st.sampled_from(ACTORS))
    def apply(self, who):
        ok = who in LEAD and self.state == S.IN_PROGRESS and not self.suspended and self.progress == 100
        if self._try(ok, lambda: services.item_apply_closure(actor=self._actor(who), item=self.item, at=AT)):
            self.state = S.APPLIED

    @rule(who=st.sampled_from(ACTORS))
    def close(self, who):
        ok = who in MANAGERS and self.state == S.APPLIED and not self.suspended
        if self._try(ok, lambda: services.item_close(actor=self._actor(who), item=self.item, at=AT)):
            self.state = S.CLOSED

    @rule(who=st.sampled_from(ACTORS), reason=st.sampled_from(["", "佐证材料不全"]))
    def refuse(self, who, reason):
        ok = who in MANAGERS and self.state == S.APPLIED and bool(reason)
        call = partial(
            services.item_refuse_closure, actor=self._actor(who), item=self.item, reason=reason, at=AT
        )
        if self._try(ok, call):
            self.state = S.IN_PROGRESS

    @rule(who=st.sampled_from(ACTORS), reason=st.sampled_from(["", "等待政策"]))
    def suspend(self, who, reason):
        ok = who in MANAGERS and self.state != S.CLOSED and not self.suspended and bool(reason)
        call = partial(services.item_suspend, actor=self._actor(who), item=self.item, reason=reason, at=AT)
        if self._try(ok, call):
            self.suspended = True

    @rule(who=st.sampled_from(ACTORS))
    def resume(self, who):
        ok = who in MANAGERS and self.suspended
        if self._try(ok, lambda: services.item_resume(actor=self._actor(who), item=self.item, at=AT)):
            self.suspended = False

    @rule()
    def the_next_step_by_the_right_actor(self):
        """Random actors seldom walk an item to the end; this rule takes the next legal step, so the examples
        reach every state."""
        if self.suspended:
            self.resume("organiser")
        elif self.state == S.PROPOSED:
            self.list_item("organiser")
        elif self.state == S.LISTED:
            self.take("zjj")
        elif self.state == S.TAKEN:
            self.start("zjj")
        elif self.state == S.IN_PROGRESS and self.pending is not None:
            self.approve("supervisor")
        elif self.state == S.IN_PROGRESS and self.progress < 100:
            self.submit("zjj", "100")
        elif self.state == S.IN_PROGRESS:
            self.apply("zjj")
        elif self.state == S.APPLIED:
            self.close("organiser")

    @invariant()
    def matches_the_model(self):
        if not hasattr(self, "item"):
            return
        self.item.refresh_from_db()
        assert self.item.state == self.state
        assert self.item.suspended == self.suspended
        assert item_progress(self.item) == self.progress
        assert (self.item.closed_on is not None) == (self.state == S.CLOSED)
        assert self.item.events.count() == self.events
        REACHED.add((self.state, self.suspended))


@pytest.mark.django_db(transaction=False)
def test_item_state_machine():
    run_state_machine_as_test(
        ItemMachine, settings=settings(max_examples=40, stateful_step_count=40, deadline=None)
    )
    assert {state for state, _ in REACHED} == set(S.values), "the examples should reach every state"
    assert any(suspended for _, suspended in REACHED)
