import shutil

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.intake import classifier, runtime, selectors, services
from civicgrid.intake.models import IntakeModel, Suggestion
from civicgrid.tickets import services as tickets
from civicgrid.tickets.models import Attachment, Event, Status, Ticket
from tests import storage
from tests.tickets.conftest import local
from tests.tickets.helpers import INSIDE_GRID1

T0 = local(2026, 6, 1, 9, 0)
PROPERTY_TEXT = dict(title="物业不管电梯", content="小区电梯坏了,物业费照收,停车也乱,保安不管")


def register(world, **extra):
    fields = dict(
        actor=world.user("operator"),
        channel="phone",
        request_type="TS",
        requester_name="张三",
        requester_phone="13812345678",
        lat=INSIDE_GRID1[0],
        lon=INSIDE_GRID1[1],
        at=T0,
        **PROPERTY_TEXT,
    )
    fields.update(extra)
    return services.ticket_intake(**fields)


def accept(world, ticket, key="property"):
    return services.ticket_accept(
        ticket=ticket, actor=world.user("operator"), category=world.categories[key], at=T0
    )


def test_labels_map_onto_categories_by_code(active_model, world):
    mapping = selectors.label_categories(active_model)
    assert mapping["9003"] == world.categories["property"]
    assert set(mapping) == {"9001", "9002", "9003", "9004"}


def test_registration_records_the_suggestion_with_the_unit_route_would_pick(active_model, world):
    ticket = register(world)
    suggestion = Suggestion.objects.get(ticket=ticket)
    assert suggestion.category == world.categories["property"]
    assert suggestion.unit == world.units["zjj"]  # the catalogue owner of 物业管理
    assert suggestion.confident and suggestion.outcome == Suggestion.Outcome.PENDING
    assert len(suggestion.candidates) == 3
    assert suggestion.candidates[0]["category"] == world.categories["property"].pk


def test_accepting_the_suggested_category_counts_as_accepted_and_a_change_as_changed(active_model, world):
    kept = accept(world, register(world))
    changed = accept(world, register(world), key="noise")
    assert Suggestion.objects.get(ticket=kept).outcome == "accepted"
    s = Suggestion.objects.get(ticket=changed)
    assert s.outcome == "changed" and s.final_category == world.categories["noise"]
    assert s.in_top in (2, 3, None)
    stats = selectors.accuracy(SYSTEM)
    assert stats["settled"] == 2 and stats["top1"] == 0.5


def test_a_dispatcher_keeping_or_changing_the_unit_is_recorded(active_model, world):
    ticket = accept(world, register(world))
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    assert Suggestion.objects.get(ticket=ticket).unit_outcome == "accepted"
    other = accept(world, register(world))
    services.ticket_dispatch(
        ticket=other, actor=world.user("dispatcher"), lead=world.units["zf"], reason="涉及执法", at=T0
    )
    assert Suggestion.objects.get(ticket=other).unit_outcome == "changed"
    assert selectors.accuracy(SYSTEM)["unit_agreement"] == 0.5


def test_without_auto_dispatch_a_person_dispatches(active_model, world):
    ticket = accept(world, register(world))
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH


def test_auto_dispatch_sends_a_confident_unchanged_ticket_by_the_routing_tables(active_model, world):
    services.model_set_auto_dispatch(model=active_model, enabled=True)
    ticket = accept(world, register(world))
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.lead_unit == world.units["zjj"]
    event = Event.objects.filter(ticket=ticket, action="dispatched").get()
    assert event.actor is None  # the system, not a dispatcher
    suggestion = Suggestion.objects.get(ticket=ticket)
    assert suggestion.outcome == suggestion.unit_outcome == "auto"
    assert AuditEvent.objects.filter(action="intake.auto_dispatched", target_id=str(ticket.pk)).exists()


def test_auto_dispatch_holds_back_when_the_operator_changed_the_category(active_model, world):
    services.model_set_auto_dispatch(model=active_model, enabled=True)
    ticket = accept(world, register(world), key="illegal_building")
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH


def test_auto_dispatch_holds_back_below_the_threshold(active_model, world):
    services.model_set_auto_dispatch(model=active_model, enabled=True, threshold=1.0)
    ticket = accept(world, register(world))
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH
    assert not Suggestion.objects.get(ticket=ticket).confident


def test_a_refused_auto_dispatch_leaves_the_ticket_to_a_person_with_the_reason(active_model, world):
    services.model_set_auto_dispatch(model=active_model, enabled=True)
    world.units["zjj"].is_active = False
    world.units["zjj"].save()
    ticket = accept(world, register(world))
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH
    assert Suggestion.objects.get(ticket=ticket).note.startswith("未能自动派单")


def test_without_an_active_model_intake_works_and_nothing_is_suggested(world):
    ticket = accept(world, register(world))
    assert not Suggestion.objects.filter(ticket=ticket).exists()
    assert selectors.propose("小区电梯坏了物业不管") is None


def test_a_model_whose_files_vanished_does_not_stop_intake(active_model, world, settings):
    shutil.rmtree(runtime.model_path(active_model))
    for filename in runtime.FILES:
        default_storage.delete(runtime.stored_name(active_model.directory, filename))
    runtime.invalidate()
    ticket = register(world)
    assert ticket.status == Status.RECEIVED
    assert not Suggestion.objects.filter(ticket=ticket).exists()


def test_a_machine_that_did_not_register_the_model_copies_it_from_the_shared_storage(active_model, world):
    assert sorted(storage.stored_files()) == [
        f"intake-models/test-model/{classifier.ARRAYS}",
        f"intake-models/test-model/{classifier.MANIFEST}",
    ]
    shutil.rmtree(runtime.models_dir())  # as on another web machine
    runtime.invalidate()
    ticket = register(world)
    assert Suggestion.objects.filter(ticket=ticket).exists()
    copied = runtime.models_dir() / "test-model"
    assert sorted(p.name for p in copied.iterdir()) == sorted(runtime.FILES)


def test_short_texts_get_no_suggestion(active_model):
    assert selectors.propose("漏水") is None


def test_only_one_model_is_active(active_model, model_dir, world):
    second = services.model_register(source=model_dir, name="second", activate=True, category_version="test")
    assert list(IntakeModel.objects.filter(is_active=True)) == [second]


def test_register_refuses_bad_names_duplicates_and_tampered_files(active_model, model_dir, tmp_path):
    with pytest.raises(ValidationError, match="已有名为"):
        services.model_register(source=model_dir, name="test-model", category_version="test")
    with pytest.raises(ValidationError, match="模型名称"):
        services.model_register(source=model_dir, name="../evil", category_version="test")
    bad = tmp_path / "bad"
    shutil.copytree(model_dir, bad)
    (bad / classifier.ARRAYS).write_bytes(b"junk")
    with pytest.raises(classifier.ModelFileError):
        services.model_register(source=bad, name="bad", category_version="test")
    assert not IntakeModel.objects.filter(name="bad").exists()


def test_a_finer_category_under_the_suggested_one_counts_as_accepted(world, tmp_path, settings):
    """A model trained on first-level labels (城乡建设) is right when the operator picks 城乡建设/物业管理."""
    from civicgrid.routing.models import Category
    from tests.intake.corpus import make

    texts, labels = make(30, seed=1)
    top = Category.objects.get(version="test", code="90")
    model = classifier.train(texts, ["90" if label == "9003" else "9004" for label in labels])
    model.threshold = 0.6
    settings.DATA_DIR = tmp_path / "data"
    services.model_register(
        source=classifier.save(model, tmp_path / "coarse"),
        name="coarse",
        activate=True,
        auto_dispatch=True,
        category_version="test",
    )
    ticket = accept(world, register(world))  # accepted as 9003 物业管理, a child of 90
    suggestion = Suggestion.objects.get(ticket=ticket)
    assert suggestion.category == top
    assert suggestion.outcome == "accepted" and suggestion.in_top == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH  # auto-dispatch needs the exact category kept


# --- ticket_intake: the one use case for registration ------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def stored_files(settings) -> list:
    """The stored attachments (the registered model's files are in the storage too)."""
    return [name for name in storage.stored_files() if not name.startswith(f"{runtime.STORED}/")]


def test_intake_registers_triages_dispatches_and_attaches_in_one_go(active_model, world, settings):
    services.model_set_auto_dispatch(model=active_model, enabled=True)
    ticket = register(
        world,
        triage="accept",
        triage_args={"category": world.categories["property"]},
        uploads=[SimpleUploadedFile("现场.png", PNG)],
    )
    assert ticket.status == Status.DISPATCHED and ticket.lead_unit == world.units["zjj"]
    assert Suggestion.objects.get(ticket=ticket).outcome == "auto"
    assert ticket.attachments.get().original_name == "现场.png" and len(stored_files(settings)) == 1


def test_intake_checks_every_upload_before_writing_anything(world, settings):
    good, bad = SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", b"not a picture")
    with pytest.raises(ValidationError, match="不符"):
        register(
            world,
            triage="accept",
            triage_args={"category": world.categories["property"]},
            uploads=[good, bad],
        )
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_failure_after_an_upload_was_stored_deletes_the_stored_files(world, settings, monkeypatch):
    real, calls = tickets.attachment_add, []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(tickets, "attachment_add", flaky)
    with pytest.raises(OSError):
        register(world, uploads=[SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)])
    assert len(calls) == 2
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_any_refused_automatic_dispatch_leaves_the_registered_ticket_waiting_for_a_person(
    active_model, world
):
    from civicgrid.sla.models import TimeLimitPolicy

    services.model_set_auto_dispatch(model=active_model, enabled=True)
    TimeLimitPolicy.objects.update(is_active=False)  # dispatch is refused by the time limits, not tickets
    ticket = register(world, triage="accept", triage_args={"category": world.categories["property"]})
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH and ticket.lead_unit is None
    assert list(ticket.events.values_list("action", flat=True)) == ["registered", "accepted"]
    suggestion = Suggestion.objects.get(ticket=ticket)
    assert suggestion.note.startswith("未能自动派单：没有适用的办理时限策略")
    assert suggestion.outcome == "accepted" and suggestion.unit_outcome == "pending"


# --- one transaction per use case: the ticket services join it instead of opening savepoints ---------


def savepoints(queries) -> int:
    return sum(q["sql"].startswith("SAVEPOINT") for q in queries)


def test_the_use_cases_open_no_savepoint_of_their_own_beyond_the_test_transaction(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Inside the test's transaction each use case's atomic block is itself one savepoint; the ticket
    # services it calls add none.
    with CaptureQueriesContext(connection) as register_queries:
        ticket = register(world)
    with CaptureQueriesContext(connection) as accept_queries:
        accept(world, ticket)
    with CaptureQueriesContext(connection) as dispatch_queries:
        services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    assert [savepoints(q) for q in (register_queries, accept_queries, dispatch_queries)] == [1, 1, 1]
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert list(ticket.events.values_list("action", flat=True)) == ["registered", "accepted", "dispatched"]


def test_a_failing_ticket_service_still_undoes_the_whole_use_case(world):
    with pytest.raises(ValidationError):
        register(world, triage="decline", triage_args={"outcome": "", "reason": ""})
    assert not Ticket.objects.exists() and not Event.objects.exists()


def test_only_atomic_wrappers_are_unwrapped():
    from django.db import transaction

    def plain(**kwargs):
        return kwargs

    durable = transaction.atomic(durable=True)(plain)
    assert services._joined(tickets.ticket_register) is tickets.ticket_register.__wrapped__
    assert services._joined(services.ticket_accept) is services.ticket_accept.__wrapped__
    assert services._joined(plain) is plain and services._joined(durable) is durable


def test_a_refused_automatic_dispatch_rolls_back_to_its_own_savepoint_only(active_model, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civicgrid.sla.models import TimeLimitPolicy

    services.model_set_auto_dispatch(model=active_model, enabled=True)
    TimeLimitPolicy.objects.update(is_active=False)
    ticket = register(world)
    with CaptureQueriesContext(connection) as queries:
        accept(world, ticket)
    assert savepoints(queries) == 2  # the use case's, and the automatic dispatch's that is rolled back
    assert any(q["sql"].startswith("ROLLBACK TO SAVEPOINT") for q in queries)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH
    assert Suggestion.objects.get(ticket=ticket).outcome == "accepted"
