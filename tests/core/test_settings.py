import os
import subprocess
import sys

PROBE = """
import django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    timeout = cursor.fetchone()[0]
print(mode, timeout, settings.DATABASES["default"]["OPTIONS"]["transaction_mode"], settings.DATABASES["default"]["NAME"])
print(settings.LANGUAGE_CODE, settings.TIME_ZONE)
"""


def _probe(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="civicgrid.settings", CIVICGRID_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=environment, timeout=120
    )


def test_sqlite_lives_in_the_data_dir_with_wal_immediate_and_a_busy_timeout(tmp_path):
    out = _probe(tmp_path)
    assert out.returncode == 0, out.stderr
    db_line, locale_line = out.stdout.splitlines()
    mode, timeout, transaction_mode, name = db_line.split()
    assert (mode, transaction_mode) == ("wal", "IMMEDIATE")
    assert int(timeout) >= 5000
    assert name == str(tmp_path / "civicgrid.sqlite3")
    assert locale_line == "zh-hans Asia/Shanghai"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_switches_to_postgresql(tmp_path):
    probe = "import django; django.setup(); from django.db import connection; print(connection.vendor)"
    environment = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="civicgrid.settings",
        CIVICGRID_DATA_DIR=str(tmp_path),
        DATABASE_URL="postgres://someone@127.0.0.1:5432/civicgrid",
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=environment, timeout=120
    )
    assert out.stdout.strip() == "postgresql", out.stderr
