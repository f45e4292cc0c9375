"""Seed the default scheme so the three rates can be computed on a fresh install; edit it in the admin."""

from datetime import date
from decimal import Decimal

from django.db import migrations

VERSION = "默认方案（示例：北京某区 0.1/0.5/0.4）"


def seed(apps, schema_editor):
    AssessmentScheme = apps.get_model("assessment", "AssessmentScheme")
    AssessmentScheme.objects.get_or_create(
        version=VERSION,
        defaults={
            "effective_from": date(2004, 1, 1),
            "basic_satisfied_weight": Decimal("0.9"),
            "weight_response": Decimal("0.1"),
            "weight_resolution": Decimal("0.5"),
            "weight_satisfaction": Decimal("0.4"),
            "note": "示例权重，来自北京某区接诉即办考评实现；请按本地考评办法调整",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("assessment", "AssessmentScheme").objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
