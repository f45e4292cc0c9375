"""查询码 for every ticket: existing ones each get their own random code (a callable default on AddField
would give them all the same one)."""

from django.db import migrations, models

import civicgrid.tickets.models


def fill_codes(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    batch = []
    for ticket in Ticket.objects.filter(query_code="").only("pk").iterator(chunk_size=2000):
        ticket.query_code = civicgrid.tickets.models.new_query_code()
        batch.append(ticket)
        if len(batch) == 2000:
            Ticket.objects.bulk_update(batch, ["query_code"])
            batch = []
    Ticket.objects.bulk_update(batch, ["query_code"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_internal_evidence_callback_channel")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="query_code",
            field=models.CharField(default="", editable=False, max_length=8, verbose_name="查询码"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ticket",
            name="query_code",
            field=models.CharField(
                default=civicgrid.tickets.models.new_query_code,
                editable=False,
                help_text="诉求人凭工单编号和查询码查询进度；回执和短信里有，工作人员页面不显示",
                max_length=8,
                verbose_name="查询码",
            ),
        ),
    ]
