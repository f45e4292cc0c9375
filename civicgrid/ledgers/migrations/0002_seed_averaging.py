from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    AveragingRule = apps.get_model("ledgers", "AveragingRule")
    if not AveragingRule.objects.exists():
        AveragingRule.objects.create(
            version="默认",
            effective_from=date(2020, 1, 1),
            mode="mean",
            note="台账整体进度为各事项进度的简单平均（不加权），与琼海市上报口径一致",
        )


class Migration(migrations.Migration):
    dependencies = [("ledgers", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
