"""A stateful property test: any sequence of transition attempts leaves a topic only in states reachable by the
legal moves, every refused move changes nothing, and every accepted one is in TRANSITIONS."""

from datetime import date

from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import services
from civicgrid.deliberation.errors import DeliberationError
from civicgrid.deliberation.models import Topic
from civicgrid.deliberation.services import TRANSITIONS
from civicgrid.registry.models import AdminArea

S = Topic.State
DAY = date(2026, 6, 1)

MOVES = {
    "accept": (S.ACCEPTED, lambda t: services.topic_accept(actor=SYSTEM, topic=t, on=DAY)),
    "decline": (
        S.DECLINED,
        lambda t: services.topic_decline(actor=SYSTEM, topic=t, reason="不属于协商范围", on=DAY),
    ),
    "notify": (
        S.NOTIFIED,
        lambda t: services.topic_notify(actor=SYSTEM, topic=t, meeting_on=DAY, place="议事厅", on=DAY),
    ),
    "deliberate": (
        S.DELIBERATED,
        lambda t: services.topic_deliberate(actor=SYSTEM, topic=t, resolution="修", owner_name="镇", on=DAY),
    ),
    "publicise": (S.PUBLICISED, lambda t: services.topic_publicise(actor=SYSTEM, topic=t, on=DAY)),
    "implement": (S.IMPLEMENTING, lambda t: services.topic_implement(actor=SYSTEM, topic=t, on=DAY)),
    "done": (S.DONE, lambda t: services.topic_done(actor=SYSTEM, topic=t, on=DAY)),
    "feed_back": (
        S.FED_BACK,
        lambda t: services.topic_feed_back(actor=SYSTEM, topic=t, feedback="好", on=DAY),
    ),
}


class TopicMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        county = AdminArea.objects.create(code="469002", name="琼海市", level=AdminArea.Level.COUNTY)
        area = AdminArea.objects.create(code="469002100001", name="银海社区", level="village", parent=county)
        self.topic = services.topic_propose(
            actor=SYSTEM, area=area, title="议题", source=Topic.Source.GRID_WORKER
        )
        self.state = S.COLLECTED

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    @rule(move=st.sampled_from(sorted(MOVES)))
    def attempt(self, move):
        to, call = MOVES[move]
        legal = to in TRANSITIONS[self.state]
        try:
            with transaction.atomic():
                call(self.topic)
        except DeliberationError:
            assert not legal, f"{move} refused from {self.state}"
        else:
            assert legal, f"{move} allowed from {self.state}"
            self.state = to

    @invariant()
    def matches(self):
        if hasattr(self, "topic"):
            assert Topic.objects.get(pk=self.topic.pk).state == self.state


def test_topic_state_machine(db):
    run_state_machine_as_test(
        TopicMachine, settings=settings(max_examples=30, stateful_step_count=15, deadline=None)
    )
