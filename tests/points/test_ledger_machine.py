"""A stateful property test: earn / redeem / cancel / fulfil / reverse / expire in any order keep `points verify`
clean, and every balance equals a simple model of lots taken first in, first out."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from civicgrid.points import ledger, services
from civicgrid.points.errors import PointsRefusal
from civicgrid.points.models import PointsEntry
from civicgrid.points.verify import verify

from .conftest import World, at

VALID_DAYS = 20


@dataclass
class Lot:
    entry_id: int
    expires: date
    remaining: int
    expired: bool = False


class Model:
    def __init__(self):
        self.lots: list[Lot] = []

    @property
    def balance(self) -> int:
        return sum(lot.remaining for lot in self.lots)

    def add(self, entry_id, day, points):
        self.lots.append(Lot(entry_id, day + timedelta(days=VALID_DAYS), points))

    def take(self, amount, own=None):
        if own is not None:
            taken = min(own.remaining, amount)
            own.remaining -= taken
            amount -= taken
        for lot in sorted(self.lots, key=lambda lot: (lot.expires, self.lots.index(lot))):
            taken = min(lot.remaining, amount)
            lot.remaining -= taken
            amount -= taken
        assert amount == 0

    def expire(self, day) -> int:
        count = 0
        for lot in self.lots:
            if lot.expires < day and lot.remaining > 0:
                lot.remaining = 0
                lot.expired = True
                count += 1
        return count


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.world = World(publicity_days=0, validity="days", validity_days=VALID_DAYS)
        self.accounts = [self.world.account, self.world.open("李四", "13800000002")]
        self.models = [Model(), Model()]
        self.now = at(2026, 3, 2)
        self.item = services.add_item(area=self.world.area, name="大米", cost=7, stock=4)
        self.stock = 4
        self.reserved = []  # (redemption, account index)
        self.earnings = []  # (entry, account index)
        self.serial = 0

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def tick(self, minutes=1):
        self.now += timedelta(minutes=minutes)

    @rule(who=st.integers(0, 1), quantity=st.integers(1, 3))
    def earn(self, who, quantity):
        self.tick()
        self.serial += 1
        entry = services.earn(
            account=self.accounts[who],
            rule=self.world.rules["P04"],
            quantity=quantity,
            source_kind="test",
            source_id=self.serial,
            now=self.now,
        )
        assert entry.state == PointsEntry.State.POSTED
        self.models[who].add(entry.pk, self.now.date(), entry.points)
        self.earnings.append((entry, who))

    @rule(who=st.integers(0, 1), quantity=st.integers(1, 2))
    def redeem(self, who, quantity):
        self.tick()
        model = self.models[who]
        model.expire(self.now.date())
        cost = 7 * quantity
        try:
            redemption = services.redeem(account=self.accounts[who], item=self.item, quantity=quantity, now=self.now)
        except PointsRefusal:
            assert model.balance < cost or self.stock < quantity
            # the refusal rolled back the clearing of expired points; the model cleared them for good, which is
            # the same balance once expire_due runs, so clear them in the ledger too
            services.expire_due(self.now, account_ids=[self.accounts[who].pk])
            return
        assert model.balance >= cost and self.stock >= quantity
        model.take(cost)
        self.stock -= quantity
        self.reserved.append((redemption, who))

    @precondition(lambda self: self.reserved)
    @rule(index=st.integers(0, 100), fulfil=st.booleans())
    def settle(self, index, fulfil):
        self.tick()
        redemption, who = self.reserved.pop(index % len(self.reserved))
        if fulfil:
            services.fulfil(redemption=redemption, now=self.now)
            return
        services.cancel_redemption(redemption=redemption, reason="不要了", now=self.now)
        self.stock += redemption.quantity
        self.models[who].add(None, self.now.date(), redemption.points)

    @precondition(lambda self: self.earnings)
    @rule(index=st.integers(0, 100))
    def reverse(self, index):
        self.tick()
        entry, who = self.earnings.pop(index % len(self.earnings))
        model = self.models[who]
        own = next(lot for lot in model.lots if lot.entry_id == entry.pk)
        try:
            services.reverse(entry=entry, reason="更正", now=self.now)
        except PointsRefusal as refusal:
            assert own.expired or model.balance < entry.points, refusal.message
            return
        assert not own.expired and model.balance >= entry.points
        model.take(entry.points, own=own)

    @rule(days=st.integers(1, 15))
    def expire(self, days):
        self.tick(days * 24 * 60)
        expected = sum(model.expire(self.now.date()) for model in self.models)
        assert services.expire_due(self.now) == expected

    @invariant()
    def ledger_holds(self):
        if not hasattr(self, "world"):
            return
        for account, model in zip(self.accounts, self.models, strict=True):
            account.refresh_from_db()
            assert ledger.balance_of(account) == model.balance == account.balance
        self.item.refresh_from_db()
        assert self.item.stock == self.stock
        report = verify()
        assert report.ok, report.problems


@pytest.mark.django_db
def test_ledger_state_machine():
    run_state_machine_as_test(
        LedgerMachine, settings=settings(max_examples=25, stateful_step_count=20, deadline=None)
    )
