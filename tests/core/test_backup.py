"""civicgrid backup / restore: one archive, a round trip that brings back every row, refusals that protect data."""

import io
import os
import subprocess
import sys
import tarfile
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from civicgrid.core.audit import record_event
from civicgrid.core.backup import BackupRefused, restore, table_counts

TZ = ZoneInfo("Asia/Shanghai")
PROBE = """
import django, json
django.setup()
from django.contrib.auth import get_user_model
from civicgrid.core.backup import table_counts
from civicgrid.core.models import AuditEvent
user = get_user_model().objects.get(username="backup-probe")
event = AuditEvent.objects.filter(summary="备份往返测试").values_list("summary", flat=True).first()
print(json.dumps({"counts": table_counts(), "user": [user.first_name, user.email], "event": event}, ensure_ascii=False))
"""


def _environment(data_dir, database_url=None):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="civicgrid.settings", CIVICGRID_DATA_DIR=str(data_dir))
    if database_url:
        environment["DATABASE_URL"] = database_url
    return environment


def _civicgrid(args, environment):
    return subprocess.run(
        [sys.executable, "-m", "civicgrid", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def _some_data(tmp_path):
    user = get_user_model().objects.create_user("backup-probe", first_name="王五", email="probe@example.cn")
    record_event(actor=user, action="export.tickets", summary="备份往返测试")
    media = (
        settings.MEDIA_ROOT / "backup-probe"
    )  # the uploads' directory (the data directory's media/ by default)
    media.mkdir(parents=True, exist_ok=True)
    (media / "evidence.txt").write_text("现场照片说明")
    return media


def _round_trip(tmp_path, database_url=None):
    import json

    media = _some_data(tmp_path)
    try:
        with time_machine.travel(datetime(2026, 12, 31, 23, 59, 30, tzinfo=TZ), tick=False):
            out = io.StringIO()
            call_command("backup", "--out", str(tmp_path / "backups"), stdout=out, stderr=io.StringIO())
        archive = out.getvalue().strip()
        assert archive == str(tmp_path / "backups" / "civicgrid-backup-20261231-235930.tar.gz")
        assert (os.stat(archive).st_mode & 0o077) == 0
        expected = table_counts()
    finally:
        for item in media.iterdir():
            item.unlink()
        media.rmdir()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    environment = _environment(fresh, database_url)
    done = _civicgrid(["restore", archive], environment)
    assert done.returncode == 0, done.stderr
    assert "行数与备份一致" in done.stdout
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=environment, timeout=120
    )
    assert probe.returncode == 0, probe.stderr
    got = json.loads(probe.stdout)
    assert got["counts"] == expected
    assert got["user"] == ["王五", "probe@example.cn"] and got["event"] == "备份往返测试"
    assert (fresh / "media" / "backup-probe" / "evidence.txt").read_text() == "现场照片说明"
    assert (fresh / "secret_key").read_text() == (settings.DATA_DIR / "secret_key").read_text()
    # A second restore into what now holds data is refused, and nothing is touched; --yes replaces it.
    again = _civicgrid(["restore", archive], environment)
    assert again.returncode == 1 and "确认覆盖请加 --yes" in again.stderr
    replaced = _civicgrid(["restore", archive, "--yes"], environment)
    assert replaced.returncode == 0, replaced.stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sqlite_round_trip_brings_back_every_row_the_files_and_the_keys(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite round trip; the PostgreSQL one is below")
    _round_trip(tmp_path)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_round_trip_through_pg_dump_and_pg_restore(tmp_path):
    params = connection.settings_dict
    target = f"{params['NAME']}_restore"
    admin = psycopg.connect(
        host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432, user=params["USER"], dbname="postgres",
        autocommit=True,
    )  # fmt: skip
    admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
    admin.execute(f'CREATE DATABASE "{target}"')
    try:
        url = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{target}"
        _round_trip(tmp_path, url)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.close()


@pytest.mark.django_db
def test_restore_refuses_what_would_replace_data_and_what_is_not_a_backup(tmp_path):
    not_an_archive = tmp_path / "x.tar.gz"
    not_an_archive.write_text("hello")
    with pytest.raises(BackupRefused, match="无法读取备份文件"):
        restore(not_an_archive)
    no_manifest = tmp_path / "y.tar.gz"
    with tarfile.open(no_manifest, "w:gz") as archive:
        archive.addfile(tarfile.TarInfo("readme.txt"))
    with pytest.raises(BackupRefused, match="缺少清单"):
        restore(no_manifest)
    with pytest.raises(BackupRefused, match="找不到备份文件"):
        restore(tmp_path / "missing.tar.gz")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_an_unsafe_path_and_the_other_database_kind(tmp_path):
    out = io.StringIO()
    call_command("backup", "--out", str(tmp_path), stdout=out, stderr=io.StringIO())
    good = out.getvalue().strip()
    with tarfile.open(good, "r:gz") as archive:
        manifest = archive.extractfile("manifest.json").read()
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        archive.addfile(info, io.BytesIO(manifest))
        archive.addfile(tarfile.TarInfo("../../etc/cron.d/x"), io.BytesIO(b""))
    with pytest.raises(BackupRefused, match="不安全的路径"):
        restore(evil, replace=True)
    other = manifest.replace(f'"vendor": "{connection.vendor}"'.encode(), b'"vendor": "mysql"')
    wrong = tmp_path / "wrong.tar.gz"
    with tarfile.open(wrong, "w:gz") as archive:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(other)
        archive.addfile(info, io.BytesIO(other))
    with pytest.raises(BackupRefused, match="不能直接恢复"):
        restore(wrong, replace=True)
    with pytest.raises(BackupRefused, match="确认覆盖请加 --yes"):
        restore(good)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_keep_removes_the_oldest_archives_beyond_n(tmp_path):
    made = []
    days = (
        datetime(2026, 12, 30, 9, tzinfo=TZ),
        datetime(2026, 12, 31, 9, tzinfo=TZ),
        datetime(2027, 1, 1, 9, tzinfo=TZ),
    )
    for when in days:
        with time_machine.travel(when, tick=False):
            out = io.StringIO()
            call_command("backup", "--out", str(tmp_path), "--keep", "2", stdout=out, stderr=io.StringIO())
            made.append(out.getvalue().strip())
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["civicgrid-backup-20261231-090000.tar.gz", "civicgrid-backup-20270101-090000.tar.gz"]
    assert made[-1].endswith(left[-1])
