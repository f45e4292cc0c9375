"""Points posted automatically by rule, idempotent by key (source kind + source id + account, kept by
points.earn): a fulfilled micro-wish earns each claimer with an account in the wish's community the scheme's
`micro_wish` rule; confirmed volunteer records earn the `volunteer_hours` rule per hour. Holders without an account
in the area, organisations and areas without a scheme (or without such a rule) earn nothing."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from civicgrid.core.refusal import Refusal
from civicgrid.points import selectors as points_selectors
from civicgrid.points import services as points_services
from civicgrid.volunteering import selectors as volunteering_selectors

log = logging.getLogger(__name__)

WISH_RULE = "micro_wish"
HOURS_RULE = "volunteer_hours"
WISH_SOURCE = "engagement.wish"


def _earn(*, account, rule, quantity, source_kind, source_id, now, occurred_on, note) -> bool:
    """Whether a new entry was written (False when the source already earned on this account, or was refused)."""
    if points_selectors.entry_exists(source_kind, source_id, account.pk):
        return False
    try:
        with transaction.atomic():
            entry = points_services.earn(
                account=account,
                rule=rule,
                quantity=quantity,
                source_kind=source_kind,
                source_id=source_id,
                now=now,
                occurred_on=occurred_on,
                note=note,
            )
    except Refusal as refusal:  # a cap reached or a closed account: the source stays as it is
        log.info("no points for %s:%s: %s", source_kind, source_id, refusal.message)
        return False
    # Another worker may have written it between the check above and the account lock.
    return entry.newly_claimed


def post_for_wish(wish, now: datetime | None = None) -> int:
    """Points for the claimers of a fulfilled wish; returns how many entries were written."""
    now = now or wish.fulfilled_at or timezone.now()
    day = timezone.localtime(now).date()
    rule = points_selectors.rule_for_source(wish.community_id, WISH_RULE, day)
    if rule is None:
        return 0
    done = 0
    for claim in wish.claims.select_related("member"):
        if claim.member_id:
            account = points_selectors.find_account(wish.community_id, party_member_id=claim.member_id)
        elif claim.volunteer_phone:
            account = points_selectors.find_account(wish.community_id, phone=claim.volunteer_phone)
        else:
            account = None
        if account is not None and _earn(
            account=account,
            rule=rule,
            quantity=1,
            source_kind=WISH_SOURCE,
            source_id=wish.pk,
            now=now,
            occurred_on=day,
            note=f"微心愿：{wish.title}"[:200],
        ):
            done += 1
    return done


def post_for_volunteer_records(since: datetime | None = None, until: datetime | None = None) -> int:
    """Points for confirmed volunteer records (volunteering.selectors.records_confirmed_since); safe to run again
    over an overlapping window. Returns how many entries were written."""
    done = 0
    for record in volunteering_selectors.records_confirmed_since(since, until):
        day = timezone.localtime(record.confirmed_at).date()
        rule = points_selectors.rule_for_source(record.area_id, HOURS_RULE, day)
        if rule is None:
            continue
        account = None
        if record.party_member_id is not None:
            account = points_selectors.find_account(record.area_id, party_member_id=record.party_member_id)
        if account is None:
            account = points_selectors.find_account(record.area_id, volunteer_id=record.volunteer_id)
        if account is None and record.phone:
            account = points_selectors.find_account(record.area_id, phone=record.phone)
        if account is not None and _earn(
            account=account,
            rule=rule,
            quantity=record.hours,
            source_kind=record.source_kind,
            source_id=record.source_id,
            now=record.confirmed_at,
            occurred_on=timezone.localtime(record.started_at).date(),
            note="志愿服务时长",
        ):
            done += 1
    return done
