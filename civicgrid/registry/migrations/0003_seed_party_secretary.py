from django.db import migrations


def seed(apps, schema_editor):
    Role = apps.get_model("registry", "Role")
    Role.objects.update_or_create(
        code="party_secretary",
        defaults={"name": "党组织书记", "description": "本党组织及下级组织的党员、班子、组织生活、先锋岗与民主评议"},
    )


def unseed(apps, schema_editor):
    apps.get_model("registry", "Role").objects.filter(code="party_secretary", staff__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_seed_roles")]
    operations = [migrations.RunPython(seed, unseed)]
