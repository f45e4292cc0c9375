"""Auto-dispatch switches itself off when production shows it is worse than promised, and only then."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.intake import monitor, services
from civicgrid.intake.models import IntakeModel, Suggestion
from civicgrid.notify.models import Notification
from civicgrid.tickets.models import Status, Ticket
from tests.intake.test_services import T0, accept, register

Outcome = Suggestion.Outcome


@pytest.fixture
def auto_model(active_model):
    return services.model_set_auto_dispatch(model=active_model, enabled=True)


def history(model: IntakeModel, world, *, kept: int, changed: int, confidence: float = 0.95):
    """Settled suggestions, the changed ones the most recent, as if operators had decided them."""
    category = world.categories["property"]
    tickets = Ticket.objects.bulk_create(
        Ticket(
            number=f"H{i:06d}",
            channel="phone",
            request_type="TS",
            received_at=T0,
            title="历史",
            content="历史",
        )
        for i in range(kept + changed)
    )
    Suggestion.objects.bulk_create(
        Suggestion(
            ticket=ticket,
            model=model,
            created_at=T0,
            category=category,
            confidence=confidence,
            confident=True,
            outcome=Outcome.AUTO if i < kept else Outcome.CHANGED,
            decided_at=T0 + timedelta(minutes=i),
        )
        for i, ticket in enumerate(tickets)
    )


@pytest.mark.parametrize(
    ("kept", "changed", "window", "below"),
    [
        (200, 0, 200, False),
        (196, 4, 200, False),  # 98 %: on target
        (195, 5, 200, False),  # 97.5 % point estimate, but the upper bound (99 %) is above 98 %
        (18, 2, 20, False),  # 90 %, but 20 settled suggestions cannot show a 98 % model is worse
        (190, 10, 200, True),  # 95 %: the upper bound (97.2 %) is below 98 %
        (17, 3, 20, True),
    ],
)
def test_the_verdict_is_the_upper_bound_of_the_window_against_the_target(
    auto_model, world, kept, changed, window, below
):
    auto_model.monitor_window = window
    auto_model.save(update_fields=["monitor_window"])
    history(auto_model, world, kept=kept, changed=changed)
    found = monitor.verdict(auto_model)
    assert (found.kept, found.settled, found.target) == (kept, changed + kept, 0.98)
    assert found.precision == pytest.approx(kept / (kept + changed))
    assert found.below_target is below and (found.upper < 0.98) is below


def test_the_window_is_the_most_recent_settled_suggestions_at_or_above_the_threshold(auto_model, world):
    auto_model.monitor_window = 50
    auto_model.save(update_fields=["monitor_window"])
    history(auto_model, world, kept=100, changed=10)  # the ten mistakes are the latest
    found = monitor.verdict(auto_model)
    assert (found.kept, found.settled) == (40, 50)
    # Raising the threshold above those confidences leaves nothing to judge.
    auto_model.threshold = 0.99
    assert monitor.verdict(auto_model).settled == 0


def test_below_target_switches_auto_dispatch_off_with_a_reason_and_tells_the_administrators(
    auto_model, world
):
    history(auto_model, world, kept=189, changed=10)
    ticket = accept(world, register(world), key="noise")  # a confident suggestion, overridden: 189/200
    auto_model.refresh_from_db()
    assert not auto_model.auto_dispatch
    assert "189" in auto_model.auto_dispatch_off_reason and "自动关闭" in auto_model.auto_dispatch_off_reason
    assert auto_model.switched_off_note == auto_model.auto_dispatch_off_reason
    assert auto_model.auto_dispatch_off_at == T0
    note = Notification.objects.get(recipient=world.user("admin"), kind="intake_auto_dispatch_off")
    assert auto_model.name in note.title and note.body == auto_model.auto_dispatch_off_reason
    assert not Notification.objects.filter(kind="intake_auto_dispatch_off").exclude(
        recipient=world.user("admin")
    )
    assert AuditEvent.objects.filter(action="intake.auto_dispatch_off").count() == 1
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING_DISPATCH
    # The next confident ticket waits for a dispatcher, and the intake panel says why.
    kept = accept(world, register(world))
    assert Ticket.objects.get(pk=kept.pk).status == Status.PENDING_DISPATCH
    assert Suggestion.objects.get(ticket=kept).outcome == Outcome.ACCEPTED
    # Switched on again by a person: the old reason goes.
    services.model_set_auto_dispatch(model=auto_model, enabled=True)
    auto_model.refresh_from_db()
    assert auto_model.auto_dispatch and auto_model.auto_dispatch_off_reason == ""


def test_on_target_it_stays_on_and_nobody_is_told(auto_model, world):
    history(auto_model, world, kept=194, changed=4)
    ticket = accept(world, register(world), key="noise")  # 194/199: still within reach of 98 %
    auto_model.refresh_from_db()
    assert auto_model.auto_dispatch and auto_model.auto_dispatch_off_reason == ""
    assert not Notification.objects.filter(kind="intake_auto_dispatch_off").exists()
    assert Suggestion.objects.get(ticket=ticket).outcome == Outcome.CHANGED
    assert Ticket.objects.get(pk=accept(world, register(world)).pk).status == Status.DISPATCHED


def test_with_auto_dispatch_off_nothing_is_judged(active_model, world):
    history(active_model, world, kept=10, changed=90)
    accept(world, register(world), key="noise")
    active_model.refresh_from_db()
    assert active_model.auto_dispatch_off_reason == ""
    assert not Notification.objects.filter(kind="intake_auto_dispatch_off").exists()


def test_the_window_is_configured_within_bounds(auto_model):
    assert auto_model.monitor_window == 200
    auto_model.monitor_window = 5
    with pytest.raises(ValidationError) as caught:
        auto_model.full_clean()
    assert "monitor_window" in caught.value.message_dict


CV = {
    "target_precision": 0.98,
    "threshold_chosen_on": "全部 4488 条带类别数据的 5 折交叉验证",
    "threshold_coverage": 0.6012,
    "threshold_precision": 0.9853,
    "threshold_precision_lower_95": 0.9803,
    "data": "messages_train.csv + messages_dev.csv",
    "n_train": 4488,
    "cv": {
        "n": 4488,
        "macro_f1": 0.9031,
        "accuracy": 0.9102,
        "top2_accuracy": 0.9788,
        "threshold": 0.6,
        "auto_coverage": 0.6012,
        "auto_precision": 0.9853,
        "auto_precision_lower_95": 0.9803,
    },
}


def test_the_accuracy_page_shows_the_threshold_its_bound_and_cross_validated_figures(
    client, world, auto_model
):
    auto_model.metrics = CV
    auto_model.save(update_fields=["metrics"])
    history(auto_model, world, kept=196, changed=4)
    client.force_login(world.user("dispatcher"))
    html = client.get(reverse("console:intake_accuracy")).content.decode()
    assert "阈值 0.600" in html and "目标准确率 98%" in html
    assert "95% 置信下限 0.9803" in html and "覆盖 60% 的来件" in html
    assert "全部 4488 条带类别数据的 5 折交叉验证：宏平均 F1 0.9031" in html
    assert "200 条达到阈值的建议已定类，采纳 196 条" in html and "95% 置信上限" in html
    assert 'data-testid="auto-dispatch-off"' not in html


def test_a_model_without_cross_validated_figures_shows_none(client, world, auto_model):
    auto_model.metrics = {"dev": {"macro_f1": 0.93}}
    auto_model.save(update_fields=["metrics"])
    client.force_login(world.user("admin"))
    html = client.get(reverse("console:intake_accuracy")).content.decode()
    assert "0.93" not in html and "没有做交叉验证" in html


def test_the_reason_is_shown_on_the_accuracy_page_and_the_intake_panel(client, world, auto_model):
    history(auto_model, world, kept=189, changed=10)
    accept(world, register(world), key="noise")
    auto_model.refresh_from_db()
    reason = auto_model.auto_dispatch_off_reason
    client.force_login(world.user("admin"))
    assert reason in client.get(reverse("console:intake_accuracy")).content.decode()
    client.force_login(world.user("operator"))
    html = client.get(
        reverse("console:intake_suggest"), {"title": "电梯坏了", "content": "物业费照收，停车乱，保安不管"}
    ).content.decode()
    assert reason in html and "自动派单未开启" in html


def test_figures_on_held_out_texts_are_shown_as_such(client, world, auto_model):
    auto_model.metrics = {
        "threshold_chosen_on": "1080 条未参与训练的生成文本",
        "heldout": {"macro_f1": 0.9876, "accuracy": 0.99, "top2_accuracy": 1.0, "auto_coverage": 0.9},
    }
    auto_model.save(update_fields=["metrics"])
    client.force_login(world.user("admin"))
    html = client.get(reverse("console:intake_accuracy")).content.decode()
    assert "未参与训练的文本上的结果" in html and "1080 条未参与训练的生成文本：宏平均 F1 0.9876" in html


def test_the_settlement_that_switches_it_off_does_not_dispatch_its_own_ticket(auto_model, world):
    history(auto_model, world, kept=180, changed=19)
    ticket = accept(world, register(world))  # kept, but 181/200 is still below target
    auto_model.refresh_from_db()
    assert not auto_model.auto_dispatch
    assert Suggestion.objects.get(ticket=ticket).outcome == Outcome.ACCEPTED
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING_DISPATCH


def test_a_model_switched_off_by_someone_else_first_is_seen_off(auto_model, world):
    stale = IntakeModel.objects.get(pk=auto_model.pk)
    IntakeModel.objects.filter(pk=auto_model.pk).update(auto_dispatch=False)
    found = monitor.Verdict(kept=0, settled=200, target=stale.target_precision)
    assert monitor.switch_off(stale, found, at=T0) is False
    assert not stale.auto_dispatch
    assert not Notification.objects.filter(kind="intake_auto_dispatch_off").exists()
