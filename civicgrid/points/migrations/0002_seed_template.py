"""The Sanya-like 诚信积分 template (a scheme without an area): Sanya's credit communities score 志愿服务 and
环境卫生整治 and redeem for goods, meals and discounts (Hainan report 001); 1 分 = 1 张诚信券 follows Rongcheng (P34).
Point values, the 3-day publicity window and the caps are reference values (inferred, no national rule): a village
or community adopts the template by its own decision and changes them in the admin."""

from datetime import date

from django.db import migrations

RULES = [
    # code, name, category, points, unit, evidence, approver, cap, period, source
    ("B01", "建立诚信档案", "basic", 10, "户·年", "入户登记", "村（居）民委员会", 10, "year", ""),
    ("P01", "参加志愿服务", "plus", 2, "小时", "已确认的志愿服务记录", "社区信用管理小组", 40, "month", "volunteer_hours"),
    ("P02", "参加环境卫生整治", "plus", 5, "次", "活动签到或现场照片", "社区信用管理小组", 20, "month", ""),
    ("P03", "认领并完成微心愿", "plus", 5, "件", "群众确认完成", "社区信用管理小组", None, "", "micro_wish"),
    ("P04", "见义勇为、好人好事", "plus", 10, "次", "事迹材料", "村（居）民委员会", None, "", ""),
    ("M01", "乱扔垃圾、占道堆放", "minus", -5, "次", "网格员记录和照片", "社区信用管理小组", None, "", ""),
    ("M02", "经核实的失信行为", "minus", -20, "次", "核实材料", "村（居）民委员会", None, "", ""),
]


def seed(apps, schema_editor):
    Scheme = apps.get_model("points", "PointsScheme")
    Rule = apps.get_model("points", "PointsRule")
    scheme = Scheme.objects.create(
        area=None,
        name="诚信积分（模板）",
        version="三亚参考模板",
        effective_from=date(2023, 1, 1),
        holder_kind="person",
        value_note="1 分 = 1 张诚信券",
        validity="next_year_end",
        overdraft=0,
        publicity_days=3,
        public_ranking=True,
        note="参照三亚信用社区诚信积分卡；分值为参考值，由村（居）民会议决定后调整",
    )
    for order, (code, name, category, points, unit, evidence, approver, cap, period, source) in enumerate(RULES):
        Rule.objects.create(
            scheme=scheme,
            code=code,
            name=name,
            category=category,
            points=points,
            unit=unit,
            evidence=evidence,
            approver=approver,
            cap_points=cap,
            cap_period=period,
            source_kind=source,
            order=order,
        )


def unseed(apps, schema_editor):
    apps.get_model("points", "PointsScheme").objects.filter(area=None, version="三亚参考模板").delete()


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
