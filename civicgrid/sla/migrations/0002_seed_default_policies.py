"""Seed the default time-limit policies (domain doc §7 and Appendix A `sla_default`).

Placeholders until the client supplies its own rules (no published Hainan table was found); every
number is data, editable in the admin as a new version with its own effective dates.

Choices made where the sources leave room:
- Sign-off: 1 working day for 一般 (local rules); 30 working minutes (0.5 wh) for 紧急/特急 (Wuhe
  township practice). Working minutes, so a night-time dispatch is due early on the next working day.
- First contact: 2 natural hours for 特急/紧急, 24 natural hours for 一般 (Beijing tiers).
- Handling, 特急 and 紧急: 24 natural hours. Appendix A says "immediate" for 特急; a stored deadline
  needs a number, and the 2-hour first contact already demands the immediate response.
- Handling, 一般, by request type: 咨询 2 WD, 求助 5 WD, 表扬 2 WD, 投诉/举报/建议 15 WD (Shandong);
  any other 一般 matter (the catch-all row) 5 WD (Shandong general rule).
- Handling, 一般 dispatched straight to the grid (直派网格, Hainan 直通联办 "简单问题直派基层"):
  3 WD for 求助/投诉/举报/建议; 咨询 and 表扬 keep their 2 WD.
- Callback 1 WD (next working day), return window 2 WD, at most 1 return per unit, extension at
  most 10 WD (Shandong), at most 3 callback attempts, yellow at 50 % and red at 80 % of the handling
  time.
The catch-all row (all keys blank) makes policy_for always find a policy.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

VERSION = "2026 默认（参考山东/北京做法，待本地规定替换）"

COMMON = {
    "callback_limit": Decimal(1),
    "callback_unit": "wd",
    "yellow_at": Decimal("0.5"),
    "red_at": Decimal("0.8"),
    "return_window": Decimal(2),
    "return_window_unit": "wd",
    "max_returns_per_unit": 1,
    "max_extension_days": 10,
    "max_callback_attempts": 3,
}
NORMAL = {"sign": (1, "wd"), "first_contact": (24, "h")}
FAST = {"sign": (Decimal("0.5"), "wh"), "first_contact": (2, "h")}

# (request_type, urgency, dispatch_mode, timing, handling, note)
ROWS = [
    ("", "", "", NORMAL, (5, "wd"), "兜底：一般事项 5 个工作日（山东）"),
    ("", "critical", "", FAST, (24, "h"), "特急：30 工作分钟签收，2 小时首次联系，24 小时办结"),
    ("", "urgent", "", FAST, (24, "h"), "紧急：30 工作分钟签收，2 小时首次联系，24 小时办结"),
    ("ZX", "normal", "", NORMAL, (2, "wd"), "咨询 2 个工作日"),
    ("QZ", "normal", "", NORMAL, (5, "wd"), "求助 5 个工作日"),
    ("BY", "normal", "", NORMAL, (2, "wd"), "表扬 2 个工作日"),
    ("TS", "normal", "", NORMAL, (15, "wd"), "投诉 15 个工作日（山东）"),
    ("JB", "normal", "", NORMAL, (15, "wd"), "举报 15 个工作日（山东）"),
    ("JY", "normal", "", NORMAL, (15, "wd"), "建议 15 个工作日（山东）"),
    ("QZ", "normal", "direct_to_grid", NORMAL, (3, "wd"), "直派网格的简单求助 3 个工作日"),
    ("TS", "normal", "direct_to_grid", NORMAL, (3, "wd"), "直派网格的简单投诉 3 个工作日"),
    ("JB", "normal", "direct_to_grid", NORMAL, (3, "wd"), "直派网格的简单举报 3 个工作日"),
    ("JY", "normal", "direct_to_grid", NORMAL, (3, "wd"), "直派网格的简单建议 3 个工作日"),
]


def seed(apps, schema_editor):
    TimeLimitPolicy = apps.get_model("sla", "TimeLimitPolicy")
    TimeLimitPolicy.objects.bulk_create(
        TimeLimitPolicy(
            version=VERSION,
            effective_from=date(2004, 1, 1),
            request_type=request_type,
            urgency=urgency,
            dispatch_mode=dispatch_mode,
            sign_limit=Decimal(timing["sign"][0]),
            sign_unit=timing["sign"][1],
            first_contact_limit=Decimal(timing["first_contact"][0]),
            first_contact_unit=timing["first_contact"][1],
            handle_limit=Decimal(handling[0]),
            handle_unit=handling[1],
            note=note,
            **COMMON,
        )
        for request_type, urgency, dispatch_mode, timing, handling, note in ROWS
    )


def unseed(apps, schema_editor):
    apps.get_model("sla", "TimeLimitPolicy").objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
