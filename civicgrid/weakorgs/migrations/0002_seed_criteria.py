"""The default criteria (domain-party §2.11: secretary vacant > 3 months, life not held, 换届 missed, last in the
ranking, satisfaction < 60 %), as a first version the 组织部 edits in the admin."""

from datetime import date

from django.db import migrations

VERSION = "默认条件（2018）"
FROM = date(2018, 1, 1)

# (code, months, count, threshold)
CRITERIA = [
    ("secretary_vacant", 3, 1, 0),
    ("life_not_held", 3, 1, 0),
    ("term_overdue", 0, 1, 0),
    ("ranking_bottom", 0, 3, 0),
    ("low_satisfaction", 12, 10, 60),
]


def seed(apps, schema_editor):
    Criterion = apps.get_model("weakorgs", "Criterion")
    for code, months, count, threshold in CRITERIA:
        Criterion.objects.create(
            code=code,
            enabled=True,
            months=months,
            count=count,
            threshold=threshold,
            version=VERSION,
            effective_from=FROM,
            is_active=True,
        )


def unseed(apps, schema_editor):
    apps.get_model("weakorgs", "Criterion").objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("weakorgs", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
