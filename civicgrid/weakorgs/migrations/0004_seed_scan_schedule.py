"""The default monthly scan: on the 1st of each month, a first version the 组织部 edits in the admin."""

from datetime import date

from django.db import migrations

VERSION = "默认（每月1日）"
FROM = date(2018, 1, 1)


def seed(apps, schema_editor):
    apps.get_model("weakorgs", "ScanSchedule").objects.create(
        version=VERSION, effective_from=FROM, is_active=True, enabled=True, day_of_month=1
    )


def unseed(apps, schema_editor):
    apps.get_model("weakorgs", "ScanSchedule").objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("weakorgs", "0003_scan_schedule")]
    operations = [migrations.RunPython(seed, unseed)]
