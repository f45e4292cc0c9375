from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "civicgrid.integrations"
    verbose_name = _("系统对接")

    def ready(self):
        from django.db.models.signals import post_save

        from civicgrid.core import periodic
        from civicgrid.integrations import webhooks
        from civicgrid.integrations.models import IntegrationClient

        post_save.connect(
            _secret_on_create, sender=IntegrationClient, dispatch_uid="webhook-secret-on-create"
        )
        # The filler reads one watermark: one worker at a time. Sending claims row by row, so any number may.
        periodic.register(
            "integrations.webhooks_fill", "回调推送入队", webhooks.fill_outbox, lease=timedelta(minutes=10)
        )
        periodic.register("integrations.webhooks_send", "回调推送", webhooks.deliver_due)
        periodic.register(
            "integrations.webhooks_prune",
            "清理已推送回调",
            webhooks.prune_delivered,
            lease=timedelta(minutes=10),
        )


def _secret_on_create(sender, instance, created, raw=False, **kwargs):
    # Every client has a secret from the start; the admin shows this plain one once, right after saving.
    if created and not raw and not instance.webhook_secret:
        from civicgrid.integrations.webhooks import give_new_secret

        instance.new_webhook_secret = give_new_secret(instance)
