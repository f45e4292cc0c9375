from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.portal.models import ResidentRating
from civicgrid.portal.services import resident_rate, resident_submit, title_from
from civicgrid.tickets import services
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Attachment, Event, Status, Ticket
from tests.storage import stored_files
from tests.tickets.conftest import local
from tests.tickets.helpers import handle_to_reply, register

T0 = local(2026, 6, 1, 9, 0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def submit(**changes):
    fields = dict(
        request_type="QZ",
        content="路灯坏了一个多月,晚上很黑。",
        requester_phone="13900004321",
        address="银海路",
        at=T0,
    )
    fields.update(changes)
    return resident_submit(**fields)


def test_the_title_is_the_first_line_shortened():
    assert title_from("\n  路灯不亮  \n第二行") == "路灯不亮"
    assert title_from("很" * 40) == "很" * 29 + "…"


def test_a_submission_is_a_received_web_ticket_without_an_actor(world):
    ticket = submit(photos=[SimpleUploadedFile("a.png", PNG)])
    assert (ticket.status, ticket.channel, ticket.registered_by) == (Status.RECEIVED, "web", None)
    assert ticket.attachments.get().uploaded_by is None
    assert list(ticket.events.values_list("action", "actor")) == [
        ("registered", None),
        ("attachment_added", None),
    ]


def test_an_anonymous_submission_keeps_no_name(world):
    assert submit(requester_name="王五", is_anonymous=True).requester_name == ""


def test_the_photos_are_checked_before_anything_is_written(world, settings):
    good, bad = SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.jpg", b"not a jpeg")
    with pytest.raises(ValidationError, match="不符"):
        submit(photos=[good, bad])
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert not stored_files()


def test_a_failure_after_a_photo_was_stored_removes_the_file(world, settings, monkeypatch):
    real = services.attachment_add
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "attachment_add", flaky)
    with pytest.raises(OSError):
        submit(photos=[SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)])
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert not stored_files()


def test_more_than_three_photos_are_refused(world):
    with pytest.raises(ValidationError, match="最多上传 3 张"):
        submit(photos=[SimpleUploadedFile(f"{i}.png", PNG) for i in range(4)])


@pytest.fixture
def replied(world):
    ticket = register(world, T0)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    handle_to_reply(world, ticket, T0 + timedelta(hours=1), "worker1")
    return Ticket.objects.get(pk=ticket.pk)


def test_a_rating_is_stored_once_with_a_public_event_and_leaves_the_rates_alone(replied):
    version = replied.version
    rating = resident_rate(ticket=replied, solved="partly", satisfaction="basic", comment=" 还行 ", at=T0)
    assert (rating.solved, rating.satisfaction, rating.comment) == ("partly", "basic", "还行")
    replied.refresh_from_db()
    assert replied.status == Status.REPLIED and replied.version == version + 1
    assert (replied.rated_at, replied.rated_satisfaction, replied.rated_solved) == (None, "", "")
    event = Event.objects.get(action="resident_rated")
    assert event.is_public and "基本满意" in event.note and "还行" not in event.note
    with pytest.raises(TicketError, match="只能评价一次"):
        resident_rate(ticket=replied, solved="solved", satisfaction="satisfied")
    assert ResidentRating.objects.count() == 1


def test_a_rating_needs_the_reply_first(world):
    ticket = register(world, T0)
    with pytest.raises(TicketError, match="答复后才能评价"):
        resident_rate(ticket=ticket, solved="solved", satisfaction="satisfied")
    assert not ResidentRating.objects.exists()


def test_a_rating_needs_valid_answers(replied):
    with pytest.raises(ValidationError) as error:
        resident_rate(ticket=replied, solved="maybe", satisfaction="")
    assert set(error.value.message_dict) == {"solved", "satisfaction"}
    assert not ResidentRating.objects.exists()
