"""What every benchmark does before importing Django: a throw-away data directory, never the user's
database, and with `postgres` a scratch database `bench_<name>` on that server, dropped at exit."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def django_setup(name: str, *, postgres: str | None = None, data_dir: str | None = None) -> str:
    """Point Django at a fresh data directory (or `data_dir`, kept) and set it up; returns the directory."""
    if data_dir:
        Path(data_dir).mkdir(parents=True)
    else:
        data_dir = tempfile.mkdtemp(prefix="civicgrid-bench-")
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
    os.environ["CIVICGRID_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)  # never touch someone's real database from a benchmark
    os.environ.pop("CIVICGRID_PG_TEST_DB", None)
    if postgres:
        _scratch_database(postgres, f"bench_{name}")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return data_dir


def _scratch_database(url: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))

    def run(statement) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(statement)

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))

    def drop_at_exit() -> None:
        from django.db import connections

        connections.close_all()
        run(drop)

    run(drop)  # a run that was killed leaves its database behind
    run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    atexit.register(drop_at_exit)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{database}"))
