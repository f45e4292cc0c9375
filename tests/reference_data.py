"""Re-seed the reference rows the data migrations create (roles, calendar, policies, categories, weights).

A transactional test empties every table when it ends; Django's serialized rollback is meant to bring
these rows back but did not reliably do so in our runs (seen with live-server and PostgreSQL tests), so
every transactional test restores them here (tests/conftest.py).
"""

from importlib import import_module

from django.apps import apps

# (app, model, migration, rows that show the seed is there): every data migration that seeds rows
# (tests/test_reference_data.py checks none is missing); a seed runs again only when its rows are gone.
SEEDS = [
    ("core", "SigninPolicy", "civicgrid.core.migrations.0007_seed_signin_policy", {}),
    ("registry", "Role", "civicgrid.registry.migrations.0002_seed_roles", {}),
    (
        "registry",
        "Role",
        "civicgrid.registry.migrations.0003_seed_party_secretary",
        {"code": "party_secretary"},
    ),
    ("workcal", "WorkDay", "civicgrid.workcal.migrations.0002_seed_calendar", {}),
    ("sla", "TimeLimitPolicy", "civicgrid.sla.migrations.0002_seed_default_policies", {}),
    ("sla", "EscalationLadder", "civicgrid.sla.migrations.0004_seed_clock_rules", {}),
    ("routing", "Category", "civicgrid.routing.migrations.0002_seed_categories", {}),
    ("assessment", "AssessmentScheme", "civicgrid.assessment.migrations.0002_seed_scheme", {}),
    ("notify", "SmsTemplate", "civicgrid.notify.migrations.0004_sms_templates_messages_opt_outs", {}),
    ("party", "TermRule", "civicgrid.party.migrations.0002_seed_rules", {}),
    ("volunteering", "StarLevel", "civicgrid.volunteering.migrations.0002_seed_rules", {}),
    ("points", "PointsScheme", "civicgrid.points.migrations.0002_seed_template", {"area__isnull": True}),
    ("engagement", "QuotaRule", "civicgrid.engagement.migrations.0002_seed_quota", {}),
    ("deliberation", "DeliberationRule", "civicgrid.deliberation.migrations.0002_seed_rules", {}),
    ("ledgers", "AveragingRule", "civicgrid.ledgers.migrations.0002_seed_averaging", {}),
    ("mediation", "MediationRule", "civicgrid.mediation.migrations.0002_seed_rules", {}),
    ("hotspots", "HotspotConfig", "civicgrid.hotspots.migrations.0002_seed_config", {}),
    ("weakorgs", "Criterion", "civicgrid.weakorgs.migrations.0002_seed_criteria", {}),
    ("weakorgs", "ScanSchedule", "civicgrid.weakorgs.migrations.0004_seed_scan_schedule", {}),
    ("reviews", "GradeScale", "civicgrid.reviews.migrations.0002_seed_grade_scales", {}),
    ("integrations", "WebhookPolicy", "civicgrid.integrations.migrations.0003_seed_webhook_policy", {}),
]


def ensure_reference_data() -> None:
    for app_label, model, module, rows in SEEDS:
        if not apps.get_model(app_label, model).objects.filter(**rows).exists():
            import_module(module).seed(apps, None)
