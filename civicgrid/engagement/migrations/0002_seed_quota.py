from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    QuotaRule = apps.get_model("engagement", "QuotaRule")
    if not QuotaRule.objects.exists():
        QuotaRule.objects.create(
            version="三亚市标准",
            effective_from=date(2023, 1, 1),
            wishes=1,
            activities=2,
            hours=8,
            note="在职党员每年至少认领实现1个微心愿、参加2次志愿活动、服务8小时（三亚市）",
        )


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
