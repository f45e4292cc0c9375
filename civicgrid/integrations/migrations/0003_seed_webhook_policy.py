from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    WebhookPolicy = apps.get_model("integrations", "WebhookPolicy")
    if not WebhookPolicy.objects.exists():
        WebhookPolicy.objects.create(
            version="默认",
            effective_from=date(2020, 1, 1),
            max_attempts=8,
            first_delay_seconds=30,
            max_delay_minutes=360,
            timeout_seconds=10,
            retention_days=30,
            note="失败后 30 秒重试，间隔逐次加倍（最长 6 小时），共 8 次；推送成功的记录保存 30 天",
        )
    # An upgraded system starts pushing from now, not from its whole history.
    Event = apps.get_model("tickets", "Event")
    WebhookCursor = apps.get_model("integrations", "WebhookCursor")
    top = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    WebhookCursor.objects.get_or_create(name="tickets.Event", defaults={"last_event_id": top})


class Migration(migrations.Migration):
    dependencies = [("integrations", "0002_webhooks"), ("tickets", "0012_external_and_historical")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
