"""What 人民调解法 Arts.8-9 ask of a committee, checked on its roll (shown as warnings, never enforced by the
database: a committee whose member just left still exists and still mediates): 3 to 9 members (主任, 副主任,
委员), a woman among them, and, for information, how many are of a minority nationality."""

from datetime import date

from civicgrid.core.idnumbers import FEMALE
from civicgrid.mediation.models import Committee, Mediator

MIN_MEMBERS, MAX_MEMBERS = 3, 9


def committee_members(committee: Committee, day: date):
    return Mediator.objects.on_roll(day).filter(committee=committee, post__in=Mediator.COMMITTEE_POSTS)


def committee_warnings(committee: Committee, day: date) -> list[str]:
    members = list(committee_members(committee, day))
    warnings = []
    if len(members) < MIN_MEMBERS:
        warnings.append(f"委员会现有委员 {len(members)} 人，少于法定的 {MIN_MEMBERS} 人")
    elif len(members) > MAX_MEMBERS:
        warnings.append(f"委员会现有委员 {len(members)} 人，多于法定的 {MAX_MEMBERS} 人")
    if not any(m.gender == FEMALE for m in members):
        warnings.append("委员会委员中没有妇女成员")
    if not any(m.post == Mediator.Post.CHAIR for m in members):
        warnings.append("委员会没有主任")
    return warnings


def minority_members(committee: Committee, day: date) -> int:
    return committee_members(committee, day).filter(is_minority=True).count()
