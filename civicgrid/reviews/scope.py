"""Who may see and act on 述职评议.

- Administrators (and the command line) everywhere.
- 组织部 staff manage the campaigns of their area (the campaign's area among the areas of the units they act for,
  and below) and those organised by a unit they act for: set up, open, close, publish, comment, rectification.
- A rater sees the campaigns where they vote, and only their own ballots.
- A reporter sees their own entry: the data sheet, their rectification items, and the results once published.
"""

from django.db.models import Q

from civicgrid.core.actors import SYSTEM
from civicgrid.party.selectors import staff_area_ids
from civicgrid.registry.models import Role
from civicgrid.registry.selectors import role_codes, sees_everything, units_acted_for
from civicgrid.reviews.errors import ReviewError
from civicgrid.reviews.models import Rater, Reporter, ReviewCampaign

MANAGER_ROLES = {Role.ORGANISATION_STAFF}


def _signed_in(user) -> bool:
    return user is SYSTEM or (user is not None and getattr(user, "is_authenticated", False))


def managed_campaigns(user):
    if sees_everything(user):
        return ReviewCampaign.objects.all()
    if not _signed_in(user) or not role_codes(user) & MANAGER_ROLES:
        return ReviewCampaign.objects.none()
    q = Q(area_id__in=staff_area_ids(user)) | Q(organiser_id__in=units_acted_for(user))
    return ReviewCampaign.objects.filter(q)


def is_manager(user) -> bool:
    return sees_everything(user) or bool(_signed_in(user) and role_codes(user) & MANAGER_ROLES)


def manages(user, campaign: ReviewCampaign) -> bool:
    return managed_campaigns(user).filter(pk=campaign.pk).exists()


def require_manager(user, campaign: ReviewCampaign, *, action: str) -> None:
    if not manages(user, campaign):
        raise ReviewError(f"只有本次述职评议的组织部门可以{action}")


def my_reporters(user):
    """The reporter entries of this person (by account, or by their party member record)."""
    if user is SYSTEM or not _signed_in(user):
        return Reporter.objects.none()
    return Reporter.objects.filter(Q(user=user) | Q(member__user=user)).select_related("campaign")


def my_rater(user, campaign: ReviewCampaign) -> Rater | None:
    if user is SYSTEM or not _signed_in(user):
        return None
    return Rater.objects.filter(campaign=campaign, user=user).select_related("group").first()


def rated_campaigns(user):
    if user is SYSTEM or not _signed_in(user):
        return ReviewCampaign.objects.none()
    return ReviewCampaign.objects.filter(raters__user=user).distinct()


def is_reporter(user, reporter: Reporter) -> bool:
    return my_reporters(user).filter(pk=reporter.pk).exists()


def sees_reporter(user, reporter: Reporter) -> bool:
    return manages(user, reporter.campaign) or is_reporter(user, reporter)


def sees_results(user, reporter: Reporter) -> bool:
    """Staff of the campaign always; the reporter only once the campaign is published."""
    if manages(user, reporter.campaign):
        return True
    return reporter.campaign.state == ReviewCampaign.State.PUBLISHED and is_reporter(user, reporter)


def sees_everything_or_area(user, area, organiser) -> bool:
    """May `user` organise a campaign for this area or organising unit."""
    if sees_everything(user):
        return True
    if not is_manager(user):
        return False
    if area is not None and area.pk in staff_area_ids(user):
        return True
    return organiser is not None and organiser.pk in units_acted_for(user)
