"""张榜公示: the public board of the problem ledgers. Anyone may read it, without signing in: the items the campaign
owner marked public (never a proposal not yet on the ledger), their lead units, deadlines and approved progress,
and the lead units ranked by the progress of their public items."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from civicgrid.ledgers import selectors
from civicgrid.ledgers.progress import is_overdue, percent_text


def board(request):
    campaigns = list(selectors.public_campaigns())
    for campaign in campaigns:
        campaign.public_count = selectors.public_item_rows(campaign).count()
        campaign.progress_text = percent_text(selectors.public_progress(campaign))
    return render(request, "portal/ledgers/board.html", {"campaigns": campaigns})


def campaign_board(request, code: str):
    campaign = get_object_or_404(selectors.public_campaigns(), code=code)
    today = timezone.localdate()
    items = list(selectors.public_items(campaign))
    for item in items:
        item.progress_text = percent_text(item.progress)
        item.overdue = is_overdue(item, today)
    ranking = selectors.unit_ranking(selectors.public_item_rows(campaign), today)
    return render(
        request,
        "portal/ledgers/campaign.html",
        {
            "campaign": campaign,
            "items": items,
            "ranking": ranking,
            "progress": percent_text(selectors.public_progress(campaign)),
        },
    )
