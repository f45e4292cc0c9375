import os

import pytest


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    os.environ.setdefault("CIVICGRID_TEST", "1")
