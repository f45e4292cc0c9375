"""Seed the clock rules that favour the resident (issue 9 §3); every value is data, editable in the admin.

- Escalation （提级） with no time left: 3 working days; 4 natural hours for 特急/紧急； 1 working day
  where the first round itself is 2 working days （咨询， 表扬）.
- Reopen （重办）： 5 working days; shorter where the first round is short (2 WD → 1 WD, 3 WD → 2 WD,
  24 h → 12 h). The code also never gives a reopen more than the first round's limit.
- The default ladder 网格 → 村/社区 → 乡镇/街道 → 市 (the direct superior of the town), in force
  everywhere without a ladder of its own; its levels use the policies' escalation limit.
- Pause reasons: waiting for the requester （补充材料、约定时间）， referred to mediation.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

LADDER_VERSION = "默认提级阶梯"
LEVELS = [
    (1, "网格", "grid_team"),
    (2, "村/社区", "community"),
    (3, "乡镇/街道", "town"),
    (4, "市", ""),
]
PAUSE_REASONS = [
    ("requester", "等待诉求人", "诉求人需补充材料、约定上门时间或暂时联系不上（须有记录）", 1),
    ("mediation", "转人民调解", "已引导进入人民调解等程序，等待调解结果", 2),
]
# handling limit of the first round → (escalation limit, reopen limit)
BY_HANDLING = {
    (Decimal(24), "h"): ((Decimal(4), "h"), (Decimal(12), "h")),
    (Decimal(2), "wd"): ((Decimal(1), "wd"), (Decimal(1), "wd")),
    (Decimal(3), "wd"): ((Decimal(3), "wd"), (Decimal(2), "wd")),
}


def seed(apps, schema_editor):
    TimeLimitPolicy = apps.get_model("sla", "TimeLimitPolicy")
    for policy in TimeLimitPolicy.objects.all():
        key = (Decimal(policy.handle_limit).normalize(), policy.handle_unit)
        escalation, reopen = next(
            (v for k, v in BY_HANDLING.items() if (k[0].normalize(), k[1]) == key),
            ((Decimal(3), "wd"), (Decimal(5), "wd")),
        )
        policy.escalation_limit, policy.escalation_unit = escalation
        policy.reopen_limit, policy.reopen_unit = reopen
        policy.save(update_fields=["escalation_limit", "escalation_unit", "reopen_limit", "reopen_unit"])

    EscalationLadder = apps.get_model("sla", "EscalationLadder")
    EscalationLevel = apps.get_model("sla", "EscalationLevel")
    if not EscalationLadder.objects.exists():
        ladder = EscalationLadder.objects.create(
            version=LADDER_VERSION,
            name="网格→村/社区→乡镇/街道→市",
            effective_from=date(2004, 1, 1),
            note="默认：逐级提级，无人在岗的层级自动跳过",
        )
        EscalationLevel.objects.bulk_create(
            EscalationLevel(ladder=ladder, order=order, name=name, unit_kind=kind)
            for order, name, kind in LEVELS
        )

    PauseReason = apps.get_model("sla", "PauseReason")
    for code, name, description, order in PAUSE_REASONS:
        PauseReason.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "order": order}
        )


def unseed(apps, schema_editor):
    apps.get_model("sla", "EscalationLadder").objects.filter(version=LADDER_VERSION).delete()
    apps.get_model("sla", "PauseReason").objects.filter(code__in=[r[0] for r in PAUSE_REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_clock_rules_ladders_pauses")]

    operations = [migrations.RunPython(seed, unseed)]
