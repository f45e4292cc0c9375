from datetime import date
from decimal import Decimal

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.deliberation import services
from civicgrid.deliberation.errors import DeliberationError
from civicgrid.deliberation.models import DeliberationRule, FourTwoStep, Participant, Topic
from civicgrid.deliberation.selectors import notices_on, results_on, topics_for, topics_of_phone

from .conftest import moment, propose, resolve

S = Topic.State
Step = FourTwoStep.Step


def test_full_council_path_writes_events(world):
    topic = propose(world)
    topic = resolve(topic)
    assert topic.state == S.DELIBERATED and topic.votes_for == 9
    topic = services.topic_publicise(actor=SYSTEM, topic=topic, on=date(2026, 3, 21))
    topic = services.topic_implement(actor=SYSTEM, topic=topic, on=date(2026, 3, 22))
    topic = services.topic_done(actor=SYSTEM, topic=topic, on=date(2026, 4, 1))
    topic = services.topic_feed_back(
        actor=SYSTEM, topic=topic, feedback="已疏通，居民满意", on=date(2026, 4, 2)
    )
    assert topic.state == S.FED_BACK and topic.fed_back_on == date(2026, 4, 2)
    actions = list(
        AuditEvent.objects.filter(target_type="deliberation.topic", target_id=str(topic.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[0] == "deliberation.topic_propose" and actions[-1] == "deliberation.topic_feed_back"
    assert len(actions) == 8


def test_illegal_transition_refused_in_chinese(world):
    topic = propose(world)
    with pytest.raises(DeliberationError, match="不能发布议事公告"):
        services.topic_notify(
            actor=SYSTEM, topic=topic, meeting_on=date(2026, 3, 9), place="x", on=date(2026, 3, 3)
        )
    services.topic_decline(actor=SYSTEM, topic=topic, reason="属于司法程序事项")
    with pytest.raises(DeliberationError):
        services.topic_accept(actor=SYSTEM, topic=topic)
    topic.refresh_from_db()
    assert topic.state == S.DECLINED and topic.decline_reason == "属于司法程序事项"


def test_decline_needs_reason(world):
    with pytest.raises(DeliberationError, match="理由"):
        services.topic_decline(actor=SYSTEM, topic=propose(world), reason="  ")


def test_deliberate_requires_owner_and_funding_source(world):
    topic = propose(world)
    services.topic_accept(actor=SYSTEM, topic=topic)
    services.topic_notify(
        actor=SYSTEM, topic=topic, meeting_on=date(2026, 3, 10), place="议事厅", on=date(2026, 3, 4)
    )
    with pytest.raises(DeliberationError, match="资金来源"):
        services.topic_deliberate(
            actor=SYSTEM,
            topic=topic,
            resolution="修",
            owner_name="镇",
            funding_amount=Decimal("5000"),
            on=date(2026, 3, 10),
        )
    with pytest.raises(DeliberationError, match="尚未召开"):
        services.topic_deliberate(
            actor=SYSTEM, topic=topic, resolution="修", owner_name="镇", on=date(2026, 3, 9)
        )
    topic = services.topic_deliberate(
        actor=SYSTEM,
        topic=topic,
        resolution="修",
        owner_unit=world["town_office"],
        funding_amount=Decimal("5000"),
        funding_source="镇财政",
        on=date(2026, 3, 10),
    )
    assert topic.funding_source == "镇财政"


def test_scope_other_community_refused(world):
    topic = propose(world)
    with pytest.raises(DeliberationError, match="不负责"):
        services.topic_accept(actor=world["outsider"], topic=topic)
    services.topic_accept(actor=world["worker"], topic=topic)
    # town staff acts for everything under the town
    services.topic_notify(
        actor=world["town_staff"],
        topic=topic,
        meeting_on=date(2026, 3, 10),
        place="议事厅",
        on=date(2026, 3, 4),
    )
    with pytest.raises(DeliberationError, match="工作角色"):
        services.participant_add(actor=world["operator"], topic=topic, kind="expert", name="王工")
    assert list(topics_for(world["outsider"])) == []
    assert list(topics_for(world["worker"])) == [topic]
    assert list(topics_for(world["town_staff"])) == [topic]


def test_participants_and_attendance(world):
    topic = propose(world)
    services.topic_accept(actor=SYSTEM, topic=topic)
    a = services.participant_add(
        actor=SYSTEM, topic=topic, kind=Participant.Kind.STAKEHOLDER, name="凯源小区居民"
    )
    b = services.participant_add(actor=SYSTEM, topic=topic, kind=Participant.Kind.EXPERT, name="水务所技术员")
    with pytest.raises(DeliberationError, match="告知后"):
        services.attendance_record(actor=SYSTEM, topic=topic, attended_ids=[a.pk])
    services.topic_notify(
        actor=SYSTEM, topic=topic, meeting_on=date(2026, 3, 10), place="议事厅", on=date(2026, 3, 4)
    )
    assert services.attendance_record(actor=SYSTEM, topic=topic, attended_ids=[a.pk]) == 1
    a.refresh_from_db(), b.refresh_from_db()
    assert a.attended and not b.attended


def test_publication_windows(world, settings):
    DeliberationRule.objects.update(notice_days=5, result_days=3)
    topic = propose(world)
    services.topic_accept(actor=SYSTEM, topic=topic)
    services.topic_notify(
        actor=SYSTEM, topic=topic, meeting_on=date(2026, 3, 10), place="议事厅", on=date(2026, 3, 4)
    )
    assert list(notices_on(date(2026, 3, 3))) == []
    assert list(notices_on(date(2026, 3, 4))) == [topic]
    assert list(notices_on(date(2026, 3, 8))) == [topic]  # 4..8 is five days
    assert list(notices_on(date(2026, 3, 9))) == []
    topic.refresh_from_db()
    services.topic_deliberate(
        actor=SYSTEM, topic=topic, resolution="修", owner_name="镇", on=date(2026, 3, 10)
    )
    services.topic_publicise(actor=SYSTEM, topic=topic, on=date(2026, 12, 30))
    assert list(results_on(date(2026, 12, 29))) == []
    assert list(results_on(date(2027, 1, 1))) == [topic]  # the window runs over the year end
    assert list(results_on(date(2027, 1, 2))) == []


def test_area_rule_wins_over_general(world):
    DeliberationRule.objects.create(
        version="银海", effective_from=date(2026, 1, 1), area=world["town"], notice_days=10, result_days=10
    )
    topic = propose(world)
    services.topic_accept(actor=SYSTEM, topic=topic)
    topic = services.topic_notify(
        actor=SYSTEM, topic=topic, meeting_on=date(2026, 3, 10), place="议事厅", on=date(2026, 3, 4)
    )
    assert topic.notice_until == date(2026, 3, 13)


def test_resident_proposal_and_own_list(world):
    topic = services.topic_propose(
        actor=None,
        area=world["yinhai"],
        title="增设路灯",
        source=Topic.Source.RESIDENT,
        proposer_name="陈大文",
        proposer_phone="13800000009",
        at=moment(2026, 5, 1),
    )
    assert topic.masked_proposer == "陈*文" and topic.masked_phone == "138****0009"
    assert list(topics_of_phone("13800000009")) == [topic]
    with pytest.raises(DeliberationError):
        services.topic_propose(actor=None, area=world["yinhai"], title="x", source=Topic.Source.HOTSPOT)


def test_four_two_only_in_villages(world):
    with pytest.raises(DeliberationError, match="村级"):
        propose(world, form=Topic.Form.FOUR_TWO)
    assert propose(world, area=world["village"], form=Topic.Form.FOUR_TWO).is_four_two
