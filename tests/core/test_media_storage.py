"""Where uploads are kept, from the environment: a directory (the data directory's media/ or a shared mount) or an
S3-compatible bucket through django-storages, refused in Chinese when its library is missing or a value is wrong;
and what `civicgrid backup` does with uploads in a bucket. No S3 server runs here: building the backend makes no
request, and nothing below sends one."""

import io
import json
import os
import subprocess
import sys
import tarfile

import pytest
from django.core.management import call_command
from django.db import connection

from tests.core.test_backup import _civicgrid, _environment

PROBE = """
import json, sys
{prelude}
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
out = {{"backend": settings.STORAGES["default"]["BACKEND"], "media_root": str(settings.MEDIA_ROOT),
       "class": type(storage).__module__ + "." + type(storage).__name__}}
for name in ("bucket_name", "endpoint_url", "region_name", "access_key", "secret_key", "default_acl",
             "querystring_auth", "file_overwrite", "location"):
    if hasattr(storage, name):
        out[name] = getattr(storage, name)
config = getattr(storage, "client_config", None)
if config is not None:
    out["addressing_style"] = (config.s3 or {{}}).get("addressing_style")
    out["checksums"] = [config.request_checksum_calculation, config.response_checksum_validation]
print(json.dumps(out, ensure_ascii=False))
"""


def _probe(tmp_path, prelude="", **environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIVICGRID_") and k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="civicgrid.settings", CIVICGRID_DATA_DIR=str(tmp_path), **environment)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(prelude=prelude)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return done


def _settings(tmp_path, **environment) -> dict:
    done = _probe(tmp_path, **environment)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_by_default_uploads_stay_in_the_data_directory_where_they_always_were(tmp_path):
    got = _settings(tmp_path)
    assert got["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert got["media_root"] == str((tmp_path / "media").resolve())


def test_a_shared_directory_is_named_by_its_own_variable(tmp_path):
    shared = tmp_path / "nfs" / "civicgrid-media"
    got = _settings(tmp_path / "data", CIVICGRID_MEDIA_STORAGE="filesystem", CIVICGRID_MEDIA_ROOT=str(shared))
    assert got["class"].endswith("FileSystemStorage") and got["media_root"] == str(shared.resolve())


def test_s3_builds_a_private_bucket_storage_from_the_environment(tmp_path):
    secret = tmp_path / "s3-secret"
    secret.write_text("secret-from-file\n")
    got = _settings(
        tmp_path,
        CIVICGRID_MEDIA_STORAGE="s3",
        CIVICGRID_S3_BUCKET="civicgrid-media",
        CIVICGRID_S3_ENDPOINT_URL="https://oss-cn-hangzhou.aliyuncs.com",
        CIVICGRID_S3_REGION="cn-hangzhou",
        CIVICGRID_S3_ACCESS_KEY_ID="LTAI-example",
        CIVICGRID_S3_SECRET_ACCESS_KEY_FILE=str(secret),
        CIVICGRID_S3_ADDRESSING_STYLE="virtual",
        CIVICGRID_S3_PREFIX="/qionghai/",
    )
    assert got["class"] == "storages.backends.s3.S3Storage"
    assert (got["bucket_name"], got["endpoint_url"], got["region_name"]) == (
        "civicgrid-media",
        "https://oss-cn-hangzhou.aliyuncs.com",
        "cn-hangzhou",
    )
    assert (got["access_key"], got["secret_key"]) == ("LTAI-example", "secret-from-file")
    assert got["default_acl"] == "private" and got["querystring_auth"] is True
    assert got["file_overwrite"] is False and got["location"] == "qionghai"
    assert got["addressing_style"] == "virtual" and got["checksums"] == ["when_required", "when_required"]


def test_s3_without_boto3_is_refused_in_chinese(tmp_path):
    # As on an installation without the extra: the import system finds no boto3.
    done = _probe(
        tmp_path,
        prelude='sys.modules["boto3"] = None',
        CIVICGRID_MEDIA_STORAGE="s3",
        CIVICGRID_S3_BUCKET="civicgrid-media",
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "CIVICGRID_MEDIA_STORAGE=s3 需要安装 django-storages 和 boto3" in done.stderr
    assert "civicgrid[s3]" in done.stderr


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        (
            {"CIVICGRID_MEDIA_STORAGE": "ftp"},
            "CIVICGRID_MEDIA_STORAGE 只能是 filesystem（共享目录）或 s3（对象存储）",
        ),
        ({"CIVICGRID_MEDIA_STORAGE": "s3"}, "必须设置 CIVICGRID_S3_BUCKET"),
        (
            {
                "CIVICGRID_MEDIA_STORAGE": "s3",
                "CIVICGRID_S3_BUCKET": "b",
                "CIVICGRID_S3_ADDRESSING_STYLE": "auto",
            },
            "CIVICGRID_S3_ADDRESSING_STYLE 只能是 path 或 virtual",
        ),
    ],
)
def test_a_wrong_value_is_refused_in_chinese(tmp_path, environment, message):
    done = _probe(tmp_path, **environment)
    assert done.returncode != 0 and message in done.stderr


# Committed data, as in tests/core/test_backup.py: SQLite's backup API waits on a test's open transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_leaves_uploads_in_a_bucket_out_and_says_so(tmp_path, settings):
    settings.MEDIA_STORAGE = "s3"
    settings.MEDIA_ROOT.mkdir(parents=True)
    (settings.MEDIA_ROOT / "stale.png").write_bytes(b"\x89PNG")  # a directory that is not the storage in use
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", "--out", str(tmp_path / "backups"), stdout=out, stderr=err)
    assert "未包含在本备份内" in err.getvalue() and "版本控制" in err.getvalue()
    with tarfile.open(out.getvalue().strip(), "r:gz") as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))
    assert manifest["media"] == "s3"
    assert not [n for n in names if n.startswith("data/media")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_uploads_in_a_directory_of_their_own_go_into_the_backup_and_come_back_there(tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL round trip is in test_backup.py; this one is about the files")
    settings.MEDIA_ROOT = tmp_path / "nfs" / "media"
    (settings.MEDIA_ROOT / "tickets" / "2026" / "06").mkdir(parents=True)
    (settings.MEDIA_ROOT / "tickets" / "2026" / "06" / "a.png").write_bytes(b"\x89PNG uploaded")
    out = io.StringIO()
    call_command("backup", "--out", str(tmp_path / "backups"), stdout=out, stderr=io.StringIO())
    archive = out.getvalue().strip()
    with tarfile.open(archive, "r:gz") as opened:
        assert "data/media/tickets/2026/06/a.png" in opened.getnames()
        assert json.load(opened.extractfile("manifest.json"))["media"] == "included"
    fresh, mount = tmp_path / "fresh", tmp_path / "new-mount"
    fresh.mkdir()
    environment = _environment(fresh)
    environment["CIVICGRID_MEDIA_ROOT"] = str(mount)
    done = _civicgrid(["restore", archive], environment)
    assert done.returncode == 0, done.stderr
    assert (mount / "tickets" / "2026" / "06" / "a.png").read_bytes() == b"\x89PNG uploaded"
    assert not (fresh / "media").exists()
