"""The demo's 述职评议: 「{year}年度乡镇（街道）党（工）委书记抓基层党建工作述职评议」 run by the city's 组织部, with
every town secretary found in the demo's party register as a reporter, two rater groups (全委会成员 0.6, 本单位
干部群众 0.4), the city's leaders and supervisors as online raters, and paper ballots of the second group already
entered; left open so the raters can vote. Built once: a second run finds the campaign and changes nothing."""

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from civicgrid.core.actors import SYSTEM
from civicgrid.demo.year import Year
from civicgrid.registry.models import AdminArea, Role, Unit
from civicgrid.reviews import services
from civicgrid.reviews.models import ReviewCampaign


@dataclass
class ReviewsDemoResult:
    created: bool
    reporters: int = 0


def build(*, city: AdminArea, seed: int = 2026, log=print) -> ReviewsDemoResult:
    year = Year.so_far()
    code = f"SZPY-{year.number}"
    if ReviewCampaign.objects.filter(code=code).exists():
        log("述职评议已存在，不重复生成。")
        return ReviewsDemoResult(created=False)
    organiser = Unit.objects.filter(code=f"{city.code}-ZZB").first()
    campaign = services.campaign_create(
        actor=SYSTEM,
        code=code,
        name=f"{year.number}年度乡镇（街道）党（工）委书记抓基层党建工作述职评议",
        year=year.number,
        area=city,
        organiser=organiser,
        reporter_kinds=[ReviewCampaign.ReporterKind.TOWN],
    )
    added, skipped = services.reporters_add_towns(actor=SYSTEM, campaign=campaign)
    for line in skipped[:5]:
        log(line)
    if not added:
        log("党员管理中没有乡镇书记，述职评议只建立了框架。")
        return ReviewsDemoResult(created=True)
    full = services.group_save(actor=SYSTEM, campaign=campaign, name="全委会成员", weight="0.6")
    staff = services.group_save(actor=SYSTEM, campaign=campaign, name="本单位干部群众", weight="0.4")
    raters = (
        get_user_model()
        .objects.filter(staff__roles__code__in=[Role.LEADER, Role.SUPERVISOR], is_active=True)
        .distinct()[:6]
    )
    for user in raters:
        services.rater_add(actor=SYSTEM, group=full, user=user)
    services.campaign_open(actor=SYSTEM, campaign=campaign)
    rng = random.Random(seed + 41)
    labels = campaign.scale.labels
    for reporter in added:
        counts = {label: rng.randint(0, 12 - 4 * i) for i, label in enumerate(labels[:3])}
        services.paper_enter(actor=SYSTEM, group=staff, reporter=reporter, counts=counts)
    log(f"述职评议：{len(added)}名乡镇书记述职，{len(raters)}名测评人可在「我的述职」中投票。")
    return ReviewsDemoResult(created=True, reporters=len(added))
