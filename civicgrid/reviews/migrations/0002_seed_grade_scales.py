from datetime import date

from django.db import migrations

STANDARD = [
    {"label": "好", "score": 100, "min": 90},
    {"label": "较好", "score": 80, "min": 75},
    {"label": "一般", "score": 60, "min": 60},
    {"label": "差", "score": 40, "min": 0},
]
COMMUNITY = [
    {"label": "优秀", "score": 100, "min": 90},
    {"label": "称职", "score": 80, "min": 75},
    {"label": "基本称职", "score": 60, "min": 60},
    {"label": "不称职", "score": 40, "min": 0},
]


def seed(apps, schema_editor):
    GradeScale = apps.get_model("reviews", "GradeScale")
    if GradeScale.objects.exists():
        return
    GradeScale.objects.create(
        name="好、较好、一般、差",
        levels=STANDARD,
        version="默认",
        effective_from=date(2019, 1, 1),
        note="党组织书记抓基层党建述职评议考核办法（试行）的四个等次；计分和分档线可按本地方案调整",
    )
    GradeScale.objects.create(
        name="优秀、称职、基本称职、不称职",
        levels=COMMUNITY,
        version="村（社区）双述双评",
        effective_from=date(2019, 1, 1),
        note="村（社区）干部双述双评常用等次",
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
