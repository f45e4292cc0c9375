"""Uploads in an S3-compatible bucket, over HTTP, with the settings a deployment writes.

No S3 service runs on this machine; moto's server mode answers the S3 API on a local port, so the real
django-storages and boto3 code paths (signing, path-style addressing, checksums off, private objects) are
exercised end to end: a console upload lands in the bucket and comes back through the checked view."""

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto import server as moto_server  # the test extra installs it: CI fails rather than skips without it

from civicgrid import settings as project_settings
from civicgrid.tickets.models import Ticket
from tests.console.test_dispatching import intake_data

pytestmark = pytest.mark.django_db
BUCKET = "civicgrid-media"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture(scope="module")
def endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(endpoint, settings, monkeypatch):
    for name, value in {
        "CIVICGRID_S3_BUCKET": BUCKET,
        "CIVICGRID_S3_ENDPOINT_URL": endpoint,
        "CIVICGRID_S3_REGION": "cn-south-1",
        "CIVICGRID_S3_ACCESS_KEY_ID": "civicgrid",
        "CIVICGRID_S3_SECRET_ACCESS_KEY": "secret-for-tests",
        "CIVICGRID_S3_ADDRESSING_STYLE": "path",
        "CIVICGRID_S3_PREFIX": "/media/",
    }.items():
        monkeypatch.setenv(name, value)
    bucket_client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="cn-south-1",
        aws_access_key_id="civicgrid",
        aws_secret_access_key="secret-for-tests",
    )
    bucket_client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "cn-south-1"})
    settings.STORAGES = {**settings.STORAGES, "default": project_settings._s3_storage()}
    yield bucket_client
    for item in bucket_client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        bucket_client.delete_object(Bucket=BUCKET, Key=item["Key"])
    bucket_client.delete_bucket(Bucket=BUCKET)


def test_a_console_upload_is_stored_in_the_bucket_and_comes_back_through_the_checked_view(
    s3, client, world, settings
):
    settings.CIVICGRID_CATEGORY_VERSION = "test"
    client.force_login(world.user("operator"))
    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client.post(
        reverse("console:intake"), {**intake_data(world), "action": "accept", "attachments": [upload]}
    )
    assert response.status_code == 302
    attachment = Ticket.objects.get().attachments.get()
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"media/{attachment.file.name}"]
    assert s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == PNG
    # Private: the bucket grants nobody but the owner.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=keys[0])["Grants"]
    assert all(grant["Grantee"].get("Type") == "CanonicalUser" for grant in grants)
    client.force_login(world.user("dispatcher"))
    response = client.get(reverse("console:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG


def test_a_second_file_under_a_taken_name_gets_a_new_name(s3):
    first = default_storage.save("tickets/a.txt", SimpleUploadedFile("a.txt", b"one"))
    second = default_storage.save("tickets/a.txt", SimpleUploadedFile("a.txt", b"two"))
    assert first != second
    assert default_storage.open(first).read() == b"one" and default_storage.open(second).read() == b"two"
    default_storage.delete(first)
    assert not default_storage.exists(first) and default_storage.exists(second)
