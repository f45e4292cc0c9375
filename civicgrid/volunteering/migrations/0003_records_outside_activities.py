"""Service records outside a signed-up activity (manual, from a micro-wish): the activity becomes optional, the
record keeps its project and the area where it counts (filled from the activity's project for existing rows)."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    ServiceRecord = apps.get_model("volunteering", "ServiceRecord")
    for record in ServiceRecord.objects.select_related("activity__project").iterator():
        record.project_id = record.activity.project_id
        record.area_id = record.activity.project.area_id
        record.save(update_fields=["project", "area"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_seed_party_secretary"),
        ("volunteering", "0002_seed_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerecord",
            name="area",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.adminarea",
                verbose_name="服务社区（村）",
            ),
        ),
        migrations.AddField(
            model_name="servicerecord",
            name="project",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="records",
                to="volunteering.project",
                verbose_name="项目",
            ),
        ),
        migrations.AlterField(
            model_name="servicerecord",
            name="activity",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="records",
                to="volunteering.activity",
                verbose_name="活动",
            ),
        ),
        migrations.AlterField(
            model_name="servicerecord",
            name="source",
            field=models.CharField(
                choices=[("checkin", "扫码签到签退"), ("manual", "人工补录"), ("wish", "微心愿")],
                default="checkin",
                max_length=10,
                verbose_name="来源",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="servicerecord",
            name="area",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.adminarea",
                verbose_name="服务社区（村）",
            ),
        ),
    ]
