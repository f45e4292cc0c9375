"""What a member sees of his own organisation (党员「我的组织」), whether he signs in at the portal with his phone or
with a staff account: its name, secretary and committee term, his meetings with his own attendance. Nothing about
other members beyond the masked names of those holding a post.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from civicgrid.party.models import Attendance, CommitteeTerm, Meeting, PartyMember, PartyOrg, Post

MEETINGS_SHOWN = 100


@dataclass(frozen=True)
class MyMeeting:
    held_on: date
    kind: str
    topic: str
    host: str
    place: str
    status: str  # an Attendance.Status, or "" when not recorded
    status_label: str


@dataclass
class MyOrganisation:
    member_name: str
    category: str
    org: PartyOrg | None
    org_kind: str = ""
    group: str = ""
    secretary: str = ""
    term: CommitteeTerm | None = None
    term_due: date | None = None
    days_to_due: int | None = None
    posts: list[tuple[str, str]] = field(default_factory=list)  # (post, masked name)
    meetings: list[MyMeeting] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # Chinese status label → number, every status
    more: bool = False


def members_with_phone(digits: str):
    """Members in good standing whose registered phone has these digits (however it was typed)."""
    if len(digits) < 7:
        return []
    candidates = PartyMember.objects.filter(
        status=PartyMember.Status.ACTIVE, phone__endswith=digits[-4:]
    ).order_by("pk")
    return [m for m in candidates if "".join(ch for ch in m.phone if ch.isdigit()).endswith(digits)]


def my_organisation(member: PartyMember, day: date) -> MyOrganisation:
    """The member's own view: masked names only for others, his attendance only."""
    org = member.org if member.status == PartyMember.Status.ACTIVE else None
    view = MyOrganisation(
        member_name=member.name,
        category=member.get_category_display(),
        org=org,
        group=member.group.name if member.group_id else "",
    )
    labels = dict(Attendance.Status.choices)
    attended = dict(member.attendances.values_list("meeting_id", "status"))
    counts = Counter(attended.values())
    view.counts = {str(label): counts.get(value, 0) for value, label in Attendance.Status.choices}
    mine = Q(pk__in=list(attended))
    if org is not None:
        view.org_kind = org.get_kind_display()
        term = org.terms.filter(is_current=True).first()
        if term is not None:
            view.term = term
            view.term_due = term.effective_due_on
            view.days_to_due = (term.effective_due_on - day).days
            for post in term.posts.select_related("member").order_by("post", "pk"):
                if post.is_held_at(day):
                    view.posts.append((post.get_post_display(), post.holder_name))
                    if post.post == Post.Kind.SECRETARY and not view.secretary:
                        view.secretary = post.holder_name
        # The organisation's meetings open to him: not another 党小组's.
        groups = Q(group__isnull=True) | (Q(group_id=member.group_id) if member.group_id else Q(pk__in=[]))
        mine |= Q(org=org) & groups
    rows = list(Meeting.objects.filter(mine).order_by("-held_on", "-pk")[: MEETINGS_SHOWN + 1])
    view.more = len(rows) > MEETINGS_SHOWN
    for meeting in rows[:MEETINGS_SHOWN]:
        status = attended.get(meeting.pk, "")
        view.meetings.append(
            MyMeeting(
                held_on=meeting.held_on,
                kind=meeting.get_kind_display(),
                topic=meeting.topic,
                host=meeting.host,
                place=meeting.place,
                status=status,
                status_label=str(labels.get(status, "未登记")),
            )
        )
    return view
