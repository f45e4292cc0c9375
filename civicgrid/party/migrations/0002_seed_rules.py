"""National defaults (domain-party.md §2.2-§2.4): terms by kind, 三会一课 and other minimums, member timers."""

from datetime import date

from django.db import migrations

VERSION = "全国通行规定（2018 任期意见、支部工作条例）"
FROM = date(2018, 1, 1)

# (org kind or "" for any kind, village/community organisation, years)
TERMS = [
    ("", True, 5),
    ("committee", False, 5),
    ("working_committee", False, 5),
    ("general_branch", False, 3),
    ("branch", False, 3),
]

# (meeting kind, period, minimum): 三会一课, 主题党日, 组织生活会; for branches and general branches.
COMPLIANCE = [
    ("committee", "month", 1),
    ("group", "month", 1),
    ("general_assembly", "quarter", 1),
    ("lecture", "quarter", 1),
    ("theme_day", "month", 1),
    ("life_meeting", "year", 1),
]
COMPLIANCE_ORG_KINDS = ["branch", "general_branch"]


def seed(apps, schema_editor):
    TermRule = apps.get_model("party", "TermRule")
    ComplianceRule = apps.get_model("party", "ComplianceRule")
    MemberRule = apps.get_model("party", "MemberRule")
    common = {"version": VERSION, "effective_from": FROM, "is_active": True}
    for org_kind, village, years in TERMS:
        TermRule.objects.create(
            org_kind=org_kind,
            village_or_community=village,
            years=years,
            reminder_months=6,
            max_extension_months=12,
            **common,
        )
    for org_kind in COMPLIANCE_ORG_KINDS:
        for meeting_kind, period, minimum in COMPLIANCE:
            ComplianceRule.objects.create(
                meeting_kind=meeting_kind, org_kind=org_kind, period=period, minimum=minimum, **common
            )
    MemberRule.objects.create(
        probation_months=12,
        extension_min_months=6,
        extension_max_months=12,
        lost_contact_suspend_months=6,
        lost_contact_remove_months=24,
        branch_max_members=50,
        committee_threshold=7,
        joint_max_units=5,
        excellent_numerator=1,
        excellent_denominator=3,
        excellent_over_limit="warn",
        transfer_due_days=90,
        party_grid_max_orgs=2,
        **common,
    )


def unseed(apps, schema_editor):
    for name in ("TermRule", "ComplianceRule", "MemberRule"):
        apps.get_model("party", name).objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("party", "0001_initial"), ("registry", "0003_seed_party_secretary")]
    operations = [migrations.RunPython(seed, unseed)]
