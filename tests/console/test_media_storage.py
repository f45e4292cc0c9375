"""Uploads and downloads through Django's storage API only: with the files in Django's InMemoryStorage (a real
storage with no path, as with an S3 bucket) a file uploaded through the console or the portal, an evidence photo
and a party meeting's file come back byte for byte through the checked views, and nothing reaches a directory."""

import os

import pytest
from django.core.files.storage import InMemoryStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicgrid.party.models import Meeting
from civicgrid.tickets.models import Attachment, Ticket
from tests.conftest import MEMORY_STORAGE
from tests.console import test_party_secretary as secretary
from tests.console.test_dispatching import intake_data
from tests.portal.test_heard import answered
from tests.portal.test_views import form
from tests.portal.test_views import photo as portal_photo
from tests.storage import stored_files

pytestmark = pytest.mark.django_db
clock, party, meeting_post = (
    secretary.clock,
    secretary.party,
    secretary.meeting_post,
)  # the secretary's fixtures
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n" + "会议纪要".encode() * 64


@pytest.fixture(autouse=True)
def memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": MEMORY_STORAGE}
    yield
    # Nothing was written under the directory the filesystem storage would use.
    assert not settings.MEDIA_ROOT.exists()


def download(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def test_the_storage_in_use_keeps_no_path():
    assert isinstance(storages["default"], InMemoryStorage)
    name = default_storage.save("probe/a.txt", SimpleUploadedFile("a.txt", b"x"))
    # Its "path" names nothing on disk: code that opened a stored file by its path would fail.
    assert default_storage.open(name).read() == b"x" and not os.path.exists(default_storage.path(name))


def test_a_console_upload_comes_back_through_the_checked_view(client, world, settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"  # the intake form offers the world's categories
    client.force_login(world.user("operator"))
    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client.post(
        reverse("console:intake"), {**intake_data(world), "action": "accept", "attachments": [upload]}
    )
    assert response.status_code == 302
    attachment = Ticket.objects.get().attachments.get()
    assert stored_files() == [attachment.file.name]
    assert default_storage.size(attachment.file.name) == attachment.size == len(PNG)
    client.force_login(world.user("dispatcher"))
    response = client.get(reverse("console:attachment", args=[attachment.pk]))
    assert response["Content-Type"] == "image/png" and download(response) == PNG


def test_a_portal_photo_is_stored_and_staff_download_it(client, world):
    response = client.post(reverse("portal:submit"), form(photos=[portal_photo("楼下.png", PNG)]))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "楼下.png" and default_storage.exists(attachment.file.name)
    staff = Client()
    staff.force_login(world.user("dispatcher"))
    assert download(staff.get(reverse("console:attachment", args=[attachment.pk]))) == PNG


def test_a_units_evidence_photo_reaches_the_requester_through_its_signed_link(world):
    from civicgrid.portal.selectors import resident_view

    ticket = answered(world, photos=("after.png",))
    token = resident_view(ticket).photos[0]["token"]
    body = download(Client().get(reverse("portal:photo", args=[token])))
    assert body.startswith(b"\x89PNG") and body == Attachment.objects.get().file.open("rb").read()


def test_a_party_meetings_file_is_stored_and_downloaded_within_the_organisation(client, party):
    client.force_login(party["sec"])
    data = meeting_post([party["secretary"]], minutes="研究六月工作")
    data["attachments"] = SimpleUploadedFile("会议纪要.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("console:party_sec_meeting_new", args=[party["orgs"]["A"].pk]), data)
    assert response.status_code == 302
    attachment = Meeting.objects.get().attachments.get()
    assert stored_files() == [attachment.file.name]
    response = client.get(reverse("console:party_sec_attachment", args=[attachment.pk]))
    assert response["Content-Type"] == "application/pdf" and download(response) == PDF
    client.force_login(party["sec_b"])
    assert client.get(reverse("console:party_sec_attachment", args=[attachment.pk])).status_code == 404


def test_a_refused_second_file_leaves_nothing_in_the_storage(client, world, settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"
    client.force_login(world.user("operator"))
    good = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    fake = SimpleUploadedFile("照片.png", b"not a picture", content_type="image/png")
    response = client.post(
        reverse("console:intake"), {**intake_data(world), "action": "accept", "attachments": [good, fake]}
    )
    assert "文件内容与扩展名" in response.content.decode()
    assert stored_files() == [] and not Attachment.objects.exists()
