from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    DeliberationRule = apps.get_model("deliberation", "DeliberationRule")
    if not DeliberationRule.objects.exists():
        DeliberationRule.objects.create(
            version="默认",
            effective_from=date(2020, 1, 1),
            notice_days=7,
            result_days=7,
            quorum_numerator=2,
            quorum_denominator=3,
            majority_numerator=1,
            majority_denominator=2,
            note="议事公告7天、结果公示7天；党员大会、村民（代表）会议到会不少于2/3，赞成超过实到人数1/2",
        )


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
