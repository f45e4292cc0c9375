"""四议两公开: the order of the steps, the state each belongs to, and the quorum rules at their boundaries."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import services
from civicgrid.deliberation.errors import DeliberationError
from civicgrid.deliberation.models import DeliberationRule, FourTwoStep, Topic

from .conftest import propose

S = Topic.State
Step = FourTwoStep.Step


def _topic(world):
    topic = propose(world, area=world["village"], form=Topic.Form.FOUR_TWO, title="村道硬化")
    return services.topic_accept(actor=SYSTEM, topic=topic, on=date(2026, 3, 3))


def _step(topic, step, **kw):
    return services.step_record(actor=SYSTEM, topic=topic, step=step, on=kw.pop("on", date(2026, 3, 5)), **kw)


def _to_notified(world):
    topic = _topic(world)
    _step(topic, Step.PROPOSE)
    _step(topic, Step.CONSULT)
    return services.topic_notify(
        actor=SYSTEM, topic=topic, meeting_on=date(2026, 3, 10), place="村委会", on=date(2026, 3, 6)
    )


def test_out_of_order_refused(world):
    topic = _topic(world)
    with pytest.raises(DeliberationError, match="请先完成「党支部提议」"):
        _step(topic, Step.CONSULT)
    _step(topic, Step.PROPOSE)
    with pytest.raises(DeliberationError, match="已登记"):
        _step(topic, Step.PROPOSE)


def test_notify_needs_consultation(world):
    topic = _topic(world)
    _step(topic, Step.PROPOSE)
    with pytest.raises(DeliberationError, match="两委商议"):
        services.topic_notify(
            actor=SYSTEM, topic=topic, meeting_on=date(2026, 3, 10), place="村委会", on=date(2026, 3, 6)
        )


def test_step_in_wrong_state_refused(world):
    topic = _topic(world)
    _step(topic, Step.PROPOSE)
    _step(topic, Step.CONSULT)
    with pytest.raises(DeliberationError, match="已告知"):
        _step(topic, Step.MEMBERS, expected=30, present=30, votes_for=30)


@pytest.mark.parametrize(
    ("expected", "present", "votes_for", "ok"),
    [
        (30, 20, 11, True),  # exactly 2/3 present passes
        (30, 19, 19, False),  # below 2/3 fails
        (30, 20, 10, False),  # exactly half in favour fails
        (31, 21, 11, True),  # 21/31 ≥ 2/3, 11 > 10.5
        (31, 20, 20, False),  # 20/31 < 2/3
        (3, 2, 2, True),
        (3, 2, 1, False),
    ],
)
def test_party_meeting_quorum_boundaries(world, expected, present, votes_for, ok):
    topic = _to_notified(world)
    call = lambda: _step(  # noqa: E731
        topic, Step.MEMBERS, expected=expected, present=present, votes_for=votes_for, on=date(2026, 3, 8)
    )
    if ok:
        assert call().present == present
    else:
        with pytest.raises(DeliberationError):
            call()
        assert not topic.four_two_steps.filter(step=Step.MEMBERS).exists()


@pytest.mark.parametrize(("present", "votes_for", "ok"), [(40, 21, True), (39, 39, False), (40, 20, False)])
def test_villager_meeting_quorum_boundaries(world, present, votes_for, ok):
    topic = _to_notified(world)
    _step(topic, Step.MEMBERS, expected=30, present=25, votes_for=20, on=date(2026, 3, 8))
    call = lambda: _step(  # noqa: E731
        topic, Step.RESOLVE, expected=60, present=present, votes_for=votes_for, on=date(2026, 3, 10)
    )
    if ok:
        call()
    else:
        with pytest.raises(DeliberationError):
            call()


def test_quorum_fractions_are_configuration(world):
    DeliberationRule.objects.update(quorum_numerator=4, quorum_denominator=5)
    topic = _to_notified(world)
    with pytest.raises(DeliberationError, match="4/5"):
        _step(topic, Step.MEMBERS, expected=30, present=20, votes_for=20, on=date(2026, 3, 8))
    _step(topic, Step.MEMBERS, expected=30, present=24, votes_for=20, on=date(2026, 3, 8))


def test_four_two_gates_the_states(world):
    topic = _to_notified(world)
    with pytest.raises(DeliberationError, match="村民（代表）会议决议"):
        services.topic_deliberate(
            actor=SYSTEM, topic=topic, resolution="硬化", owner_name="村委会", on=date(2026, 3, 10)
        )
    _step(topic, Step.MEMBERS, expected=30, present=25, votes_for=20, on=date(2026, 3, 8))
    _step(topic, Step.RESOLVE, expected=60, present=45, votes_for=40, votes_against=3, on=date(2026, 3, 10))
    topic = services.topic_deliberate(
        actor=SYSTEM, topic=topic, resolution="硬化", owner_name="村委会", votes_for=1, on=date(2026, 3, 10)
    )
    assert (topic.votes_for, topic.votes_against, topic.votes_abstain) == (40, 3, 2)  # from step 4
    with pytest.raises(DeliberationError, match="决议公开"):
        services.topic_publicise(actor=SYSTEM, topic=topic, on=date(2026, 3, 11))
    _step(topic, Step.RESOLUTION_PUBLIC, on=date(2026, 3, 11))
    services.topic_publicise(actor=SYSTEM, topic=topic, on=date(2026, 3, 11))
    services.topic_implement(actor=SYSTEM, topic=topic, on=date(2026, 3, 12))
    with pytest.raises(DeliberationError, match="已落实"):
        _step(topic, Step.RESULT_PUBLIC, on=date(2026, 3, 12))
    services.topic_done(actor=SYSTEM, topic=topic, on=date(2026, 5, 1))
    with pytest.raises(DeliberationError, match="结果公开"):
        services.topic_feed_back(actor=SYSTEM, topic=topic, feedback="已完工", on=date(2026, 5, 2))
    with pytest.raises(DeliberationError, match="早于"):
        _step(topic, Step.RESULT_PUBLIC, on=date(2026, 3, 1))
    _step(topic, Step.RESULT_PUBLIC, on=date(2026, 5, 2))
    topic = services.topic_feed_back(actor=SYSTEM, topic=topic, feedback="已完工", on=date(2026, 5, 2))
    assert topic.state == S.FED_BACK
    assert list(topic.four_two_steps.values_list("step", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_not_four_two_refuses_steps(world):
    topic = services.topic_accept(actor=SYSTEM, topic=propose(world))
    with pytest.raises(DeliberationError, match="不是四议两公开"):
        _step(topic, Step.PROPOSE)
