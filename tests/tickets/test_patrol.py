"""巡查上报: solved on the spot or sent on as a ticket, stored once per client id."""

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from civicgrid.core.models import AuditEvent
from civicgrid.tickets.errors import NotAllowed, TicketError
from civicgrid.tickets.models import Attachment, Channel, PatrolPhoto, PatrolReport, Status, Ticket
from civicgrid.tickets.services.patrol import patrol_report
from tests.tickets.conftest import _staff, local

T0 = local(2026, 6, 1, 9, 30)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name="现场.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def report(world, **overrides):
    fields = dict(
        actor=world.user("worker1"),
        client_id=uuid.uuid4(),
        outcome=PatrolReport.Outcome.TICKET,
        text="银海路井盖缺失，行人易跌落\n位于公交站旁",
        category=world.categories["property"],
        lat=19.205,
        lon=110.405,
        photos=[png()],
        at=T0,
    )
    fields.update(overrides)
    return patrol_report(**fields)


def test_it_sends_a_report_on_as_a_ticket_waiting_for_acceptance(world):
    result = report(world)
    ticket = result.report.ticket
    assert result.created
    assert ticket.channel == Channel.GRID_REPORT and ticket.status == Status.RECEIVED
    assert ticket.title == "银海路井盖缺失，行人易跌落"
    assert ticket.grid == world.grids[0] and result.report.grid == world.grids[0]
    assert ticket.registered_by == world.user("worker1")
    assert ticket.category == world.categories["property"]
    assert [a.kind for a in ticket.attachments.all()] == [Attachment.Kind.INTAKE]
    assert AuditEvent.objects.filter(action="patrol.reported", target_id=str(result.report.pk)).count() == 1


def test_it_solves_on_the_spot_with_an_after_photo_and_no_ticket(world):
    result = report(world, outcome=PatrolReport.Outcome.SOLVED, after_photos=[png("办结后.png")])
    assert result.report.ticket is None
    assert sorted(result.report.photos.values_list("stage", flat=True)) == [
        PatrolPhoto.Stage.AFTER,
        PatrolPhoto.Stage.BEFORE,
    ]
    assert Ticket.objects.count() == 0


def test_solved_on_the_spot_needs_an_after_photo(world):
    with pytest.raises(ValidationError) as refused:
        report(world, outcome=PatrolReport.Outcome.SOLVED)
    assert "办结后的照片" in str(refused.value)
    assert PatrolReport.objects.count() == 0


def test_the_same_client_id_is_stored_once_and_the_repeat_gets_the_first_result(world):
    client_id = uuid.uuid4()
    first = report(world, client_id=client_id)
    again = report(world, client_id=str(client_id), text="另一段文字")
    assert not again.created and again.report.pk == first.report.pk
    assert again.report.ticket.number == first.report.ticket.number
    assert PatrolReport.objects.count() == 1 and Ticket.objects.count() == 1


def test_someone_elses_client_id_is_refused(world):
    client_id = uuid.uuid4()
    report(world, client_id=client_id)
    other, staff = _staff("worker2", ["grid_worker"])
    world.grids[1].workers.add(staff)
    with pytest.raises(TicketError):
        report(world, actor=other, client_id=client_id)


def test_without_a_position_the_address_or_the_workers_grid_places_it(world):
    result = report(world, lat=None, lon=None, address="某个找不到的地方")
    assert result.report.grid == world.grids[0]
    with pytest.raises(ValidationError) as refused:
        report(world, lat=None, lon=None, address="")
    assert "当前位置" in str(refused.value)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"text": "  "}, "text"),
        ({"category": None}, "category"),
        ({"outcome": "lost"}, "outcome"),
        ({"client_id": "not-a-uuid"}, "client_id"),
        ({"photos": [SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")]}, "photos"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(world, overrides, field):
    with pytest.raises(ValidationError) as refused:
        report(world, **overrides)
    assert field in refused.value.message_dict


def test_only_grid_staff_report_patrols(world):
    with pytest.raises(NotAllowed):
        report(world, actor=world.user("zjj"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_four_uploads_of_one_report_at_once_store_it_once(world):
    client_id, barrier, results = uuid.uuid4(), threading.Barrier(4), []

    def upload():
        try:
            barrier.wait()
            results.append(report(world, client_id=client_id, photos=[png()]))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 4 and sum(r.created for r in results) == 1
    assert {r.report.pk for r in results} == {PatrolReport.objects.get().pk}
    assert Ticket.objects.count() == 1 and Attachment.objects.count() == 1
