from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    SigninPolicy = apps.get_model("core", "SigninPolicy")
    if not SigninPolicy.objects.exists():
        SigninPolicy.objects.create(
            version="默认",
            effective_from=date(2020, 1, 1),
            failure_limit=5,
            cooloff_minutes=30,
            note="连续 5 次错误锁定 30 分钟",
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0006_signin_policy")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
