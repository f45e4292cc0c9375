from django.db import migrations

ROLES = [
    ("operator", "话务员", "受理来电，记录五要素，知识库直接答复，紧急事项转接"),
    ("dispatcher", "派单员", "确认分类与网格，按直派表或派单目录派单，审核退单，并单"),
    ("unit_handler", "承办联络员", "签收、联系诉求人、办理、答复，申请延期或退单"),
    ("grid_worker", "网格员", "办理直派网格事项，现场处置，巡查上报"),
    ("grid_leader", "网格长", "统筹本网格办件与网格员"),
    ("callback_agent", "回访员", "回访诉求人，记录是否联系、是否解决、满意度"),
    ("supervisor", "督办员", "关注预警，督办单位，维护重点督办清单"),
    ("leader", "领导", "查看看板、排名、简报与热点"),
    ("organisation_staff", "组织部工作人员", "党组织与党员、双报到、志愿服务、积分、结对、台账"),
    ("administrator", "系统管理员", "用户、单位、网格、日历、时限、派单表与分类配置"),
]


def seed(apps, schema_editor):
    Role = apps.get_model("registry", "Role")
    for code, name, description in ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
