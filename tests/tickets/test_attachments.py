import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from civicgrid.tickets import services
from civicgrid.tickets.models import Attachment, Event
from tests.storage import stored_files

from .conftest import local
from .helpers import register

T0 = local(2026, 6, 1, 9, 0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_photo_is_stored_under_a_generated_name_and_logged(world):
    ticket = register(world, T0)
    attachment = services.attachment_add(
        ticket=ticket,
        actor=world.user("operator"),
        upload=ContentFile(PNG),
        name="../../现场 照片.PNG",
        at=T0,
    )
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "现场 照片.PNG"
    assert "现场" not in attachment.file.name and ".." not in attachment.file.name
    assert Event.objects.filter(ticket=ticket, action="attachment_added").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("photo.jpg", b"<html>not a photo</html>", "不符"),
        ("empty.png", b"", "空的"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(world, name, content, message):
    ticket = register(world, T0)
    with pytest.raises(ValidationError, match=message):
        services.attachment_add(
            ticket=ticket, actor=world.user("operator"), upload=ContentFile(content), name=name, at=T0
        )
    assert not Attachment.objects.exists()


def test_the_size_limit_comes_from_the_settings(world, settings):
    settings.CIVICGRID_MAX_UPLOAD_MB = 1
    ticket = register(world, T0)
    with pytest.raises(ValidationError, match="不能超过 1 MB"):
        services.attachment_add(
            ticket=ticket,
            actor=world.user("operator"),
            upload=ContentFile(PNG + b"\x00" * 1024 * 1024),
            name="big.png",
            at=T0,
        )


def test_a_unit_not_handling_the_ticket_may_not_attach(world):
    ticket = register(world, T0)
    with pytest.raises(ValidationError, match="无权"):
        services.attachment_add(
            ticket=ticket, actor=world.user("zjj"), upload=ContentFile(PNG), name="a.png", at=T0
        )


def test_a_failure_after_the_file_was_written_deletes_it(world, settings, monkeypatch):
    from civicgrid.tickets.services import attachments

    ticket = register(world, T0)

    def failing(*args, **kwargs):
        raise OSError("database gone")

    monkeypatch.setattr(attachments, "record", failing)
    with pytest.raises(OSError):
        attachments.attachment_add(
            ticket=ticket, actor=world.user("operator"), upload=ContentFile(PNG), name="a.png", at=T0
        )
    assert not stored_files()
