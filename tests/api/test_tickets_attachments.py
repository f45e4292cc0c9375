"""Attachments through the API: checked exactly as in the console (type by content, size, who may add), stored
and read back through the storage API, every download audited, nothing for a unit that walked away."""

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.tickets.models import Attachment
from tests.api.test_tickets_support import PNG, api, clock, dispatched, world  # noqa: F401  (fixtures)
from tests.tickets import states

pytestmark = pytest.mark.django_db


def test_an_upload_is_stored_and_read_back_with_an_audit_row(api, world, clock):  # noqa: F811
    ticket = dispatched(world)
    made = api("operator").upload(f"/tickets/{ticket.pk}/attachments", name="现场.png")
    assert made.status_code == 201, made.content
    row = made.json()
    assert (row["name"], row["content_type"], row["size"], row["kind"]) == (
        "现场.png",
        "image/png",
        len(PNG),
        "intake",
    )
    stored = Attachment.objects.get(pk=row["id"])
    assert stored.file.name != "现场.png" and stored.file.storage.exists(stored.file.name)
    got = api("zjj").get(row["url"].removeprefix("/api/v1"))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    assert "attachment" in got["Content-Disposition"]
    assert AuditEvent.objects.filter(action="attachment.view", actor=world.user("zjj")).count() == 1
    listed = api("zjj").get(f"/tickets/{ticket.pk}/attachments").json()
    assert {a["id"] for a in listed} == {row["id"], ticket.attachments.order_by("id").first().pk}


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("run.exe", b"MZ" + b"\x00" * 20, "不支持的文件类型"),
        ("fake.png", b"GIF89a" + b"\x00" * 20, "不符"),
        ("empty.pdf", b"", "空"),
    ],
)
def test_a_bad_file_is_refused_as_in_the_console_and_nothing_is_kept(api, world, clock, name, data, words):  # noqa: F811
    ticket = dispatched(world)
    before = Attachment.objects.count()
    answer = api("operator").upload(f"/tickets/{ticket.pk}/attachments", name=name, data=data)
    assert answer.status_code == 422 and words in answer.json()["message"], answer.content
    assert Attachment.objects.count() == before


def test_a_file_over_the_limit_is_refused(api, world, clock, settings):  # noqa: F811
    settings.CIVICGRID_MAX_UPLOAD_MB = 1
    ticket = dispatched(world)
    answer = api("operator").upload(
        f"/tickets/{ticket.pk}/attachments", name="big.png", data=PNG + b"\x00" * (1024 * 1024)
    )
    assert answer.status_code == 422 and "过大" in answer.json()["message"]


def test_units_outside_or_gone_get_no_files(api, world, clock):  # noqa: F811
    ticket = dispatched(world)
    photo = ticket.attachments.get()
    assert api("sc").get(f"/attachments/{photo.pk}").status_code == 404
    assert api("sc").upload(f"/tickets/{ticket.pk}/attachments").status_code == 404
    assert api("supervisor").upload(f"/tickets/{ticket.pk}/attachments").status_code == 403
    returned = states.returned(world)
    from django.core.files.base import ContentFile

    from civicgrid.tickets import services

    kept = services.attachment_add(
        ticket=returned, actor=world.user("operator"), upload=ContentFile(PNG), name="b.png"
    )
    gone = api("zjj").get(f"/attachments/{kept.pk}")
    assert gone.status_code == 403 and "不再承办" in gone.json()["message"]
    assert api("zjj").get(f"/tickets/{returned.pk}/attachments").json() == []
    assert api("sc").get(f"/attachments/{kept.pk}").status_code == 200


def test_an_unknown_kind_is_refused(api, world, clock):  # noqa: F811
    ticket = dispatched(world)
    answer = api("operator").upload(f"/tickets/{ticket.pk}/attachments", kind="selfie")
    assert answer.status_code == 422 and "类别" in answer.json()["message"]
