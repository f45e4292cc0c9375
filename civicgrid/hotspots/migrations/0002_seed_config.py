from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    HotspotConfig = apps.get_model("hotspots", "HotspotConfig")
    if not HotspotConfig.objects.exists():
        HotspotConfig.objects.create(
            version="默认",
            effective_from=date(2020, 1, 1),
            note="当日件数不少于3件且超出前14天日均基线（泊松概率低于0.02）时预警",
        )


class Migration(migrations.Migration):
    dependencies = [("hotspots", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
