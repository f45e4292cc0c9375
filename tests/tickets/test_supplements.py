"""补充说明: the requester's words and photos on her open ticket; refused once the ticket is closed."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.tickets import services
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Attachment, Event, Ticket

from .conftest import local
from .helpers import handle_to_reply, register

T0 = local(2026, 6, 1, 9, 0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name="a.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_words_and_photos_become_one_internal_event_and_checked_attachments(world):
    ticket = register(world, T0)
    event = services.resident_supplement(ticket=ticket, text=" 又漏了 ", uploads=[png(), png("b.png")], at=T0)
    assert (event.action, event.actor, event.is_public, event.note) == (
        "resident_supplemented",
        None,
        False,
        "诉求人补充说明：又漏了",
    )
    assert event.payload["text"] == "又漏了" and event.payload["photos"] == 2
    assert Attachment.objects.filter(ticket=ticket, kind="intake", uploaded_by=None).count() == 2
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version + 3  # one event per write, none lost


@pytest.mark.parametrize(
    ("text", "uploads", "message"),
    [
        ("", [], "请填写补充说明或上传照片"),
        ("字" * 401, [], "最多 400 字"),
        ("看图", [png(f"{i}.png") for i in range(4)], "最多上传 3 张照片"),
        ("看图", [png("x.png", b"GIF89a")], "文件内容与扩展名"),
        ("看图", [png("x.svg", b"<svg/>")], "不支持的文件类型"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(world, text, uploads, message):
    ticket = register(world, T0)
    with pytest.raises(ValidationError) as caught:
        services.resident_supplement(ticket=ticket, text=text, uploads=uploads, at=T0)
    assert message in " ".join(caught.value.messages)
    assert not Event.objects.filter(action="resident_supplemented").exists()
    assert not Attachment.objects.exists()


def test_a_closed_ticket_takes_no_supplement(world):
    ticket = register(world, T0)
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=T0)
    handle_to_reply(world, ticket, T0 + timedelta(hours=1), "worker1")
    services.reply_review(ticket=ticket, actor=world.user("dispatcher"), passed=True, at=T0)
    services.callback_record(
        ticket=ticket,
        actor=world.user("callback"),
        reached=True,
        contacted=True,
        solved="solved",
        satisfaction="satisfied",
        at=T0 + timedelta(hours=2),
    )
    with pytest.raises(TicketError, match="已办结.*不能再补充说明"):
        services.resident_supplement(ticket=ticket, text="还有问题", at=T0 + timedelta(days=1))


def test_a_merged_ticket_takes_no_supplement(world):
    master = register(world, T0)
    duplicate = register(world, T0, category=None)
    services.ticket_merge(
        ticket=duplicate, master=master, actor=world.user("dispatcher"), reason="重复", at=T0
    )
    with pytest.raises(TicketError, match="合并办理.*12345"):
        services.resident_supplement(ticket=duplicate, text="补充", at=T0)
