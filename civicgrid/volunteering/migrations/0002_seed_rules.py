"""National defaults: stars at 100/300/600/1000/1500 hours (志愿服务记录办法 2012); a 7-day public notice before a
certificate (民发〔2015〕149号); the check-in code rotates every 30 seconds."""

from datetime import date

from django.db import migrations

STARS = [(1, "一星级志愿者", 100), (2, "二星级志愿者", 300), (3, "三星级志愿者", 600), (4, "四星级志愿者", 1000), (5, "五星级志愿者", 1500)]


def seed(apps, schema_editor):
    StarLevel = apps.get_model("volunteering", "StarLevel")
    VolunteerRule = apps.get_model("volunteering", "VolunteerRule")
    for stars, name, hours in STARS:
        StarLevel.objects.create(
            version="志愿服务记录办法（2012）", effective_from=date(2012, 10, 1), stars=stars, name=name, min_hours=hours
        )
    VolunteerRule.objects.create(
        version="民发〔2015〕149号", effective_from=date(2015, 8, 1), notice_days=7, qr_seconds=30, scan_minutes=10
    )


def unseed(apps, schema_editor):
    apps.get_model("volunteering", "StarLevel").objects.all().delete()
    apps.get_model("volunteering", "VolunteerRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("volunteering", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
