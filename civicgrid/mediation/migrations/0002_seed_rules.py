from datetime import date

from django.db import migrations


def seed(apps, schema_editor):
    MediationRule = apps.get_model("mediation", "MediationRule")
    if not MediationRule.objects.exists():
        MediationRule.objects.create(
            version="人民调解法（2010）",
            effective_from=date(2011, 1, 1),
            time_limit_months=1,
            judicial_window_days=30,
            retention_years=10,
            reminder_lead_days=5,
            followup_days=30,
            note="调解期限一个月（人民调解工作若干规定），司法确认申请三十日内（人民调解法第三十三条）",
        )


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
